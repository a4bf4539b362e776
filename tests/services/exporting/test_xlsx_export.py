"""XLSX export: real date cells, numeric amounts in the currency's format, frozen header, filter."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ourmoney.services import exporting, household, ledger
from ourmoney.services.book import Book
from ourmoney.services.exporting.xlsx_export import number_format
from ourmoney.services.models import TransactionFilter
from tests.services.exporting.conftest import Household
from tests.support.books import draft

EUROS = '#,##0.00 "EUR";-#,##0.00 "EUR"'


def export_xlsx(book: Book, selection: TransactionFilter | None = None) -> tuple[int, Worksheet]:
    out = io.BytesIO()
    written = exporting.export(book, selection or TransactionFilter(), "xlsx", out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert isinstance(sheet, Worksheet)
    return written, sheet


def test_the_sheet_has_typed_cells_a_frozen_header_and_a_filter(household: Household) -> None:
    written, sheet = export_xlsx(household.book)
    assert (written, sheet.title, sheet.max_row, sheet.max_column) == (5, "Transactions", 6, 10)
    assert [c.value for c in sheet[1]] == ["date", "description", "type", "amount", "currency",
                                           "category", "member", "notes", "id", "created_at"]
    assert all(c.font.b for c in sheet[1])
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:J6")
    market = sheet[2]
    assert (market[0].value, market[0].is_date, market[0].number_format) == (
        datetime(2024, 5, 3), True, "yyyy-mm-dd")  # noqa: DTZ001 - spreadsheets have no zone
    assert (market[3].value, market[3].data_type, market[3].number_format) == (
        -12.5, "n", EUROS)
    assert [c.value for c in sheet["D"][1:]] == [
        float(-t.amount if t.type == "expense" else t.amount) for t in household.transactions]
    assert [c.value for c in sheet["I"][1:]] == [t.id for t in household.transactions]


def test_text_is_kept_exactly_and_never_runs_as_a_formula(household: Household) -> None:
    _, sheet = export_xlsx(household.book)
    cells = {c.value: c.data_type for row in sheet.iter_rows(min_row=2) for c in row
             if isinstance(c.value, str)}
    assert cells["=SUM(A1:A9)"] == "s"
    assert cells['-5 refund, "quoted"'] == cells["@risk"] == cells["+1 line\nsecond line"] == "s"
    assert "f" not in cells.values()


def test_the_sheet_follows_the_filter(household: Household) -> None:
    written, sheet = export_xlsx(household.book, TransactionFilter(type="income"))
    assert (written, [c.value for c in sheet["B"][1:]]) == (2, ["Pay", '-5 refund, "quoted"'])
    assert sheet.auto_filter.ref == "A1:J3"


def test_an_empty_export_is_a_valid_workbook(book: Book) -> None:
    written, sheet = export_xlsx(book)
    assert (written, sheet.max_row, sheet.auto_filter.ref, sheet.freeze_panes) == (
        0, 1, "A1:J1", "A2")


def test_the_number_format_follows_the_currency(book: Book) -> None:
    assert number_format("EUR") == EUROS
    assert number_format("JPY") == '#,##0 "JPY";-#,##0 "JPY"'
    assert number_format("BHD") == '#,##0.000 "BHD";-#,##0.000 "BHD"'
    household.save_preferences(book, currency="JPY")
    ledger.add_transaction(book, draft("Ramen", "1200"))
    cell = export_xlsx(book)[1]["D2"]
    assert (cell.value, cell.number_format) == (-1200, '#,##0 "JPY";-#,##0 "JPY"')
    assert Decimal(cell.value) == Decimal(-1200)
