"""XLSX with openpyxl's write-only mode: real dates, numeric amounts, frozen header, filter.

Text is stored as text cells, which a spreadsheet never runs as formulas, so unlike the CSV
it is written exactly as it is (no leading apostrophe).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from ourmoney.money import precision_of
from ourmoney.services import household, listing
from ourmoney.services.book import Book
from ourmoney.services.exporting.csv_export import HEADER
from ourmoney.services.models import TransactionFilter

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet.worksheet import Worksheet


def number_format(currency: str) -> str:
    """Return an Excel number format showing the currency code and its decimals."""
    decimals = precision_of(currency)
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f'{digits} "{currency}";-{digits} "{currency}"'


def write(book: Book, selection: TransactionFilter, out: IO[bytes]) -> int:
    """Write a workbook with one sheet of transactions and return how many it holds."""
    # Imported here, not at start: openpyxl adds a tenth of a second to every app start.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    currency = household.preferences(book).currency
    workbook = Workbook(write_only=True)
    sheet: Worksheet = workbook.create_sheet("Transactions")
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJ", (12, 40, 10, 14, 9, 20, 14, 40, 38, 26), strict=True):
        sheet.column_dimensions[letter].width = width
    cells = _Cells(sheet)
    bold = Font(bold=True)
    sheet.append([cells.styled(name, font=bold) for name in HEADER])
    money = number_format(currency)
    count = 0
    for txn in listing.iter_transactions(book, selection):
        signed = -txn.amount if txn.type == "expense" else txn.amount
        sheet.append([cells.styled(txn.occurred_on, number_format="yyyy-mm-dd"),
                      cells.text(txn.description), txn.type,
                      cells.styled(signed, number_format=money), txn.currency,
                      cells.text(txn.category), cells.text(txn.member),
                      cells.text(txn.notes), txn.id, txn.created_at])
        count += 1
    sheet.auto_filter.ref = f"A1:J{count + 1}"
    workbook.save(out)
    return count


class _Cells:
    """Cells of one write-only sheet, styled or kept as text."""

    def __init__(self, sheet: Worksheet) -> None:
        from openpyxl.cell import WriteOnlyCell

        self.sheet, self.cell_type = sheet, WriteOnlyCell

    def text(self, value: str | None) -> object:
        """Return text that openpyxl would take for a formula as an explicit text cell."""
        if not value or not value.startswith("="):
            return value
        return self.styled(value, data_type="s")

    def styled(self, value: object, **style: object) -> WriteOnlyCell:
        """Return a cell holding `value` with the given style attributes."""
        cell = self.cell_type(self.sheet, value=value)
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell
