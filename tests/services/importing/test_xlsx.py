"""XLSX: our own export round-trips; hand-built workbooks with date cells, numbers and text."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from ourmoney.errors import InvalidInput
from ourmoney.services import exporting, ledger, members
from ourmoney.services.book import Book
from ourmoney.services.importing import xlsx_source
from ourmoney.services.importing.formats import ReadOptions, detect
from ourmoney.services.importing.rows import ImportRow, RowProblem
from ourmoney.services.importing.table import ColumnMapping
from ourmoney.services.models import TransactionFilter
from tests.services.importing.table_files import (
    auto,
    import_with,
    mapped,
    problems,
    read,
    rows,
    shape_of,
)
from tests.support.books import draft, ledger_at


def cell_time(*parts: int) -> datetime:
    """A spreadsheet date-time cell: naive, spreadsheets have no time zones."""
    return datetime(*parts)  # noqa: DTZ001



def workbook_bytes(*rows_: list[object], title: str = "Umsätze") -> bytes:
    """Build a one-sheet workbook with openpyxl, as a bank or a person would.

    Text starting with "=" is stored as a text cell (openpyxl would take it for a formula).
    """
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows_:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BANK = workbook_bytes(
    ["Kontoauszug Girokonto"],
    [],
    ["Buchungstag", "Empfänger", "Verwendungszweck", "Betrag", "Saldo"],
    [cell_time(2024, 3, 1), "Bäckerei", "Brötchen", -3.2, 996.8],
    [cell_time(2024, 3, 2), "Arbeitgeber", "Gehalt März", 2500, 3496.8],
    ["15.03.2024", "Vermieter", "Miete", "-1.234,56", "2.262,24"],
    [date(2024, 3, 16), "=HYPERLINK(\"x\")", "<script>alert(1)</script>", Decimal("-0.10"),
     "2.262,14"],
    ["Summe", None, None, 1261.94],
)


def test_a_bank_workbook_with_date_cells_numbers_and_text_amounts() -> None:
    shape = shape_of(BANK, "xlsx")
    assert (shape.encoding, shape.delimiter, shape.sheet, shape.header_row, shape.data_row,
            shape.confidence) == ("xlsx", None, "Umsätze", 3, 4, "high")
    assert shape.guess == ColumnMapping(date=0, description=[1, 2], amount=3,
                                        date_format="%d.%m.%Y", decimal=",")
    assert shape.sample[:2] == [["2024-03-01", "Bäckerei", "Brötchen", "-3.2", "996.8"],
                                ["2024-03-02", "Arbeitgeber", "Gehalt März", "2500",
                                 "3496.8"]]
    found = rows(BANK, auto(BANK, "xlsx"), "xlsx")
    assert [(r.line, r.occurred_on, r.amount, r.description) for r in found] == [
        (4, date(2024, 3, 1), Decimal("-3.2"), "Bäckerei - Brötchen"),
        (5, date(2024, 3, 2), Decimal("2500"), "Arbeitgeber - Gehalt März"),
        (6, date(2024, 3, 15), Decimal("-1234.56"), "Vermieter - Miete"),
        (7, date(2024, 3, 16), Decimal("-0.1"), "=HYPERLINK(\"x\") - <script>alert(1)</script>"),
    ]


def test_the_bank_workbook_imports_and_a_second_time_adds_nothing(book: Book) -> None:
    first = import_with(book, BANK, auto(BANK, "xlsx"), "xlsx")
    assert (first.added, first.errors, first.sum_added) == (4, 0, Decimal("1262.14"))
    again = import_with(book, BANK, auto(BANK, "xlsx"), "xlsx")
    assert (again.added, again.duplicates) == (0, 4)


def test_bad_cells_are_reported_with_their_sheet_row() -> None:
    data = workbook_bytes(
        ["Date", "Payee", "Amount"],
        ["2025-02-30", "Impossible", -1],
        [cell_time(2024, 1, 2), "Coffee", "NaN"],
        [cell_time(2024, 1, 3), "Huge", "1e309"],
        [cell_time(2024, 1, 4), "Letters", "abc"],
        [cell_time(2024, 1, 6), "Short"],
        [cell_time(2024, 1, 7), "Fine", 4.5],
    )
    given = mapped(data, "xlsx", date=0, description=[1], amount=2, date_format="%Y-%m-%d")
    assert problems(data, given, "xlsx") == [
        RowProblem(2, "Date '2025-02-30' is not in the calendar."),
        RowProblem(3, "The amount 'NaN' is not a number."),
        RowProblem(4, "The amount '1e309' is not a number."),
        RowProblem(5, "The amount 'abc' is not a number."),
        RowProblem(6, "The row has 2 fields; the amount should be in field 3."),
    ]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"PK\x03\x04" + b"garbage" * 50, xlsx_source.NOT_XLSX),
    (bytes(range(256)) * 8, xlsx_source.NOT_XLSX),
], ids=["empty", "broken-zip", "binary"])
def test_what_is_not_a_workbook_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        shape_of(data, "xlsx")
    assert raised.value.message == message
    assert read(data, ReadOptions(), "xlsx") == [RowProblem(0, message)]


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert read(out.getvalue(), ReadOptions(), "xlsx") == [RowProblem(0, xlsx_source.NOT_XLSX)]


class OneWay(io.RawIOBase):
    """A stream that can only be read forward, like the CLI's byte counter."""

    def __init__(self, data: bytes) -> None:
        self.source = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self.source.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def test_an_unseekable_stream_is_read_through_a_temporary_copy() -> None:
    options = auto(BANK, "xlsx")
    found = list(xlsx_source.read(OneWay(BANK), options))  # type: ignore[arg-type]
    assert [r.line for r in found if isinstance(r, ImportRow)] == [4, 5, 6, 7]


def test_the_workbook_is_detected_by_its_bytes() -> None:
    assert detect("statement.bin", BANK[:4096]) == "xlsx"


def fill(book_: Book) -> None:
    """Record the kinds of transactions our export must carry."""
    ana = members.add_member(book_, "Ana")
    ledger.add_transaction(book_, draft("Groceries", "23.45", category="Food",
                                        member_id=ana.id, notes="weekly shop",
                                        on=date(2024, 5, 1)))
    ledger.add_transaction(book_, draft("Salary", "2500.00", kind="income", category="Work",
                                        on=date(2024, 5, 2)))
    # Given a category: an uncategorised row would come back as "Uncategorised", by design.
    ledger.add_transaction(book_, draft("=cmd|' /C calc'!A0", "1.00", category="Misc",
                                        on=date(2024, 5, 3)))


def snapshot(book_: Book) -> list[tuple[object, ...]]:
    """Every live transaction as it would be exported, by id."""
    return [tuple(row) for row in book_.store.rows(
        "SELECT t.id, t.occurred_on, t.description, t.type, t.amount, c.name, m.name, t.notes,"
        " t.created_at FROM transactions t LEFT JOIN category c ON c.id = t.category_id"
        " LEFT JOIN member m ON m.id = t.member_id WHERE t.deleted = 0 ORDER BY t.id")]


def test_our_own_xlsx_export_round_trips(tmp_path: Path) -> None:
    with ledger_at(tmp_path / "a.sqlite3") as source:
        fill(source)
        out = io.BytesIO()
        assert exporting.export(source, TransactionFilter(), "xlsx", out) == 3
        data = out.getvalue()
        shape = shape_of(data, "xlsx")
        assert shape.confidence == "high"
        assert shape.guess == ColumnMapping(date=0, description=[1], amount=3, notes=[7],
                                            category=5, member=6, transaction_id=8,
                                            created_at=9)
        with ledger_at(tmp_path / "b.sqlite3") as target:
            summary = import_with(target, data, auto(data, "xlsx"), "xlsx")
            assert (summary.added, summary.errors) == (3, 0)
            assert snapshot(target) == snapshot(source)
        again = import_with(source, data, auto(data, "xlsx"), "xlsx")
        assert (again.added, again.duplicates) == (0, 3)


def test_our_own_csv_export_round_trips_and_undoes_the_inert_quote(tmp_path: Path) -> None:
    with ledger_at(tmp_path / "a.sqlite3") as source:
        fill(source)
        out = io.BytesIO()
        exporting.export(source, TransactionFilter(), "csv", out)
        data = out.getvalue()
        assert b"'=cmd|" in data
        with ledger_at(tmp_path / "b.sqlite3") as target:
            assert import_with(target, data, auto(data)).added == 3
            assert snapshot(target) == snapshot(source)
