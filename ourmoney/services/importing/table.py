"""Bank tables (CSV and XLSX): the file's shape, the guessed column mapping, and its rows.

`inspect` finds the table in a file (junk lines before the header, the header itself or
its absence), the encoding and delimiter of a CSV, and guesses a ColumnMapping with the
date format decided from the whole date column and the decimal mark from the amounts.
`read_rows` turns the file's records into ImportRows with that mapping, or RowProblems
with the file's own line (CSV) or row (XLSX) number.

Rows of the table that the bank marks as pending (Revolut's "PENDING", Sparkasse's
"Umsatz vorgemerkt") are imported like the others, dated by the day they started: the
money has left the account, and the booked copy in a later statement carries the same
date, amount and text, so it is recognised as a duplicate. Lines after the last
transaction whose date cell holds no date (totals, closing balances, remarks) are the
table's footer and are skipped; inside the table such a line is reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import IO, Any

from ourmoney.errors import N_, InvalidInput, Term
from ourmoney.services.exporting.csv_export import FORMULA_STARTS
from ourmoney.services.importing.formats import ReadOptions
from ourmoney.services.importing.rows import ImportRow, RowProblem
from ourmoney.services.importing.table_cells import (
    Cell,
    CellError,
    amount_or_none,
    cell_text,
    date_shaped,
    parse_amount,
    parse_date,
)
from ourmoney.services.importing.table_guess import (
    FormatCounter,
    Guess,
    Layout,
    Record,
    columns_of,
    find_layout,
    guess,
)
from ourmoney.services.importing.table_mapping import ColumnMapping
from ourmoney.services.importing.table_words import normalise

__all__ = ["MAP_FIRST", "ColumnMapping", "TableShape", "build_shape", "inspect", "read_rows"]

MAP_FIRST = N_("Map the columns of this file once in the Import page, or name a --profile.")
SAMPLE_ROWS = 10
MAX_FOOTER = 100


@dataclass(frozen=True)
class TableShape:
    """What a bank table looks like: where its header and data are, and the guessed mapping.

    `header_row` and `data_row` are line numbers (CSV) or sheet row numbers (XLSX), from 1.
    """

    encoding: str
    delimiter: str | None
    header_row: int | None
    columns: list[str]
    sample: list[list[str]]
    signature: str
    guess: ColumnMapping | None
    confidence: str
    data_row: int = 1
    date_formats: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    file_format: str = "csv"
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the shape as JSON-safe values (for the Import page)."""
        data = asdict(self)
        data["guess"] = self.guess.to_dict() if self.guess else None
        return data

    def extra(self) -> dict[str, Any]:
        """Return what a reader needs to find the table again in the same file."""
        return {"encoding": self.encoding, "delimiter": self.delimiter,
                "header_row": self.header_row, "data_row": self.data_row, "sheet": self.sheet}

    @staticmethod
    def first_data_row(extra: dict[str, Any]) -> int:
        """Return the first data line given by a reader's extra (after the header if unsaid)."""
        header_row = extra.get("header_row")
        return int(extra.get("data_row") or (int(header_row) + 1 if header_row else 1))

    def options(self, mapping: ColumnMapping, source: str) -> ReadOptions:
        """Return the reader options for this file read with `mapping`."""
        return ReadOptions(source=source, mapping=mapping.to_dict(), extra=self.extra())


def inspect(stream: IO[bytes], name: str, file_format: str,
            sheet: str | None = None) -> TableShape:
    """Find the table in a CSV or XLSX file (on the named sheet, else the first sheet with a
    table) and guess its columns (the stream is rewound)."""
    if file_format == "csv":
        from ourmoney.services.importing.csv_source import inspect_csv

        if sheet:
            raise InvalidInput(N_("Only XLSX workbooks have sheets; %(name)s is a CSV file."),
                               field="sheet", name=name)
        return inspect_csv(stream)
    if file_format == "xlsx":
        from ourmoney.services.importing.xlsx_source import inspect_xlsx

        return inspect_xlsx(stream, sheet)
    raise InvalidInput(N_("%(name)s: only CSV and XLSX files have columns to map."), field="format",
                       name=name)


def build_shape(records: Sequence[Record], *, encoding: str, delimiter: str | None,
                more_dates: FormatCounter | None, file_format: str,
                sheet: str | None = None) -> TableShape:
    """Find the table among the first records of a file and guess its mapping."""
    layout = find_layout(records)
    if layout is None:
        raise InvalidInput(N_("OurMoney found no rows with a date and an amount in this file."),
                           field="file")
    found = guess(layout, delimiter, more_dates)
    mapping = _mapping(found, file_format)
    names = layout.header + [""] * (layout.width - len(layout.header))
    return TableShape(
        encoding=encoding, delimiter=delimiter, header_row=layout.header_row,
        columns=[name or f"Column {i + 1}" for i, name in enumerate(names)],
        sample=[[cell_text(c) for c in cells] for _, cells in layout.rows[:SAMPLE_ROWS]],
        signature=signature(layout), guess=mapping,
        confidence="high" if mapping and not found.doubts else "low",
        data_row=layout.data_row, date_formats=found.date_formats, doubts=found.doubts,
        file_format=file_format, sheet=sheet)


def _mapping(found: Guess, file_format: str) -> ColumnMapping | None:
    roles = found.roles
    if "date" not in roles or not {"amount", "debit", "credit"} & roles.keys():
        return None
    return ColumnMapping(
        date=roles["date"], description=found.description, amount=roles.get("amount"),
        debit=roles.get("debit"), credit=roles.get("credit"), direction=roles.get("direction"),
        outflow_words=found.outflow, notes=found.notes, category=roles.get("category"),
        bank_id=roles.get("bank_id"), date_format=found.date_formats[0]
        if found.date_formats else None, decimal=found.decimal, fee=roles.get("fee"),
        member=roles.get("member"), transaction_id=roles.get("transaction_id"),
        created_at=roles.get("created_at"),
        unquote_formulas=found.own_export and file_format == "csv")


def signature(layout: Layout) -> str:
    """Return a stable key for "the same kind of file": header names, or column kinds."""
    if layout.header:  # rows spilling past the header vary from file to file: not counted
        width, key = len(layout.header), "\x1f".join(normalise(n) for n in layout.header)
    else:
        width, key = layout.width, "".join(
            "d" if c.is_date else "n" if c.is_number and c.filled else "t" if c.filled
            else "-" for c in columns_of(layout))
    kind = "header" if layout.header else "columns"
    return f"{kind}:{width}:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def read_rows(records: Iterable[Record | RowProblem], mapping: ColumnMapping, *,
              data_row: int, header_row: int | None) -> Iterator[ImportRow | RowProblem]:
    """Turn table records into rows; junk lines and the footer after the table are skipped."""
    header: list[Cell] = []
    held: list[RowProblem] = []
    for record in records:
        if isinstance(record, RowProblem):
            yield from held
            held.clear()
            yield record
            continue
        line, cells = record
        if line == header_row:
            header = list(cells)
        if line < data_row or _skipped(cells, mapping, header):
            continue
        entry = _row(line, cells, mapping)
        if isinstance(entry, RowProblem) and len(held) < MAX_FOOTER \
                and not date_shaped(_get(cells, mapping.date)):
            held.append(entry)  # the table's footer, unless a transaction follows it
            continue
        yield from held
        held.clear()
        yield entry


def _skipped(cells: Sequence[Cell], mapping: ColumnMapping, header: list[Cell]) -> bool:
    """Blank lines, one-cell remarks, repeated headers and rows the filter leaves out."""
    if sum(1 for cell in cells if cell_text(cell)) < 2 or list(cells) == header:
        return True
    if mapping.only_column is not None:
        return cell_text(_get(cells, mapping.only_column)).casefold() not in mapping.only_values
    return False


def _get(cells: Sequence[Cell], index: int | None) -> Cell:
    return cells[index] if index is not None and index < len(cells) else None


def _required(cells: Sequence[Cell], index: int, what: str) -> Cell:
    if index >= len(cells):
        raise CellError(N_("The row has %(count)d fields; the %(what)s should be in field"
                           " %(number)d."), count=len(cells), what=Term(what), number=index + 1)
    return cells[index]


def _row(line: int, cells: Sequence[Cell], mapping: ColumnMapping) -> ImportRow | RowProblem:
    try:
        occurred_on = parse_date(_required(cells, mapping.date, "date"), mapping.date_format)
        amount = _amount(cells, mapping)
    except CellError as error:
        return RowProblem(line, error.message)
    return ImportRow(
        line=line, occurred_on=occurred_on, amount=amount,
        description=_joined(cells, mapping.description, mapping),
        notes=_joined(cells, mapping.notes, mapping),
        category=_text(cells, mapping.category, mapping) or None,
        member=_text(cells, mapping.member, mapping) or None,
        bank_id=_text(cells, mapping.bank_id, mapping) or None,
        id=_text(cells, mapping.transaction_id, mapping) or None,
        created_at=_text(cells, mapping.created_at, mapping) or None)


def _amount(cells: Sequence[Cell], mapping: ColumnMapping) -> Decimal:
    decimal = mapping.decimal
    if mapping.amount is not None:
        amount = parse_amount(_required(cells, mapping.amount, "amount"), decimal)
        if mapping.direction is not None:
            word = cell_text(_get(cells, mapping.direction)).casefold()
            if not word:
                raise CellError(N_("The direction (money in or out) is missing."))
            amount = -abs(amount) if word in mapping.outflow_words else abs(amount)
    else:
        debit = amount_or_none(_get(cells, mapping.debit), decimal, "debit")
        credit = amount_or_none(_get(cells, mapping.credit), decimal, "credit")
        if debit is None and credit is None:
            raise CellError(N_("Both the debit and the credit are empty."))
        amount = abs(credit or Decimal(0)) - abs(debit or Decimal(0))
    fee = amount_or_none(_get(cells, mapping.fee), decimal, "fee")
    if fee:
        amount -= abs(fee)
    return -amount if mapping.invert else amount


def _text(cells: Sequence[Cell], index: int | None, mapping: ColumnMapping) -> str:
    if index is None or index >= len(cells):
        return ""
    text = cell_text(cells[index])
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].strip()  # ASN and others wrap free text in single quotes
    if mapping.unquote_formulas and text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]  # our own export made formulas inert with a leading quote
    return text


def _joined(cells: Sequence[Cell], indexes: list[int], mapping: ColumnMapping) -> str:
    return " - ".join(text for index in indexes if (text := _text(cells, index, mapping)))
