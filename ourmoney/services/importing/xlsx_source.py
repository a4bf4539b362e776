"""XLSX bank tables: one sheet read with openpyxl's read-only mode, row by row.

The sheet is the one named (by the person, or a bank profile), else the first sheet that
holds a table; a sheet name the workbook does not have is an error, never a silent guess.

Date cells arrive as dates and number cells as numbers (turned into Decimal through their
shortest text, never summed as floats); text cells are read like CSV text, with the
mapping's date format and decimal mark. Problems carry the sheet's row number.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, time, timedelta
from decimal import Decimal
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from ourmoney.errors import N_, InvalidInput, Message
from ourmoney.services.importing.formats import ReadOptions, register
from ourmoney.services.importing.rows import ImportRow, RowProblem
from ourmoney.services.importing.table import (
    MAP_FIRST,
    ColumnMapping,
    TableShape,
    build_shape,
    read_rows,
)
from ourmoney.services.importing.table_cells import Cell, count_down
from ourmoney.services.importing.table_guess import Record, trimmed
from ourmoney.services.importing.table_mapping import MAX_COLUMNS

SAMPLE_ROWS = 1000
NOT_XLSX = N_("This is not an XLSX workbook OurMoney can read (an old .xls file? save it as"
               " .xlsx).")
SPOOL = 16 * 1024 * 1024
NO_SHEETS = N_("This workbook has no sheets.")
_BROKEN = (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, OSError, EOFError,
           ParseError)
_DAMAGED = (zipfile.BadZipFile, ParseError, OSError, EOFError)


@register("xlsx")
def read(stream: IO[bytes], options: ReadOptions) -> Iterator[ImportRow | RowProblem]:
    """Read the table of extra["sheet"] (else the mapping's, else the first with a table)."""
    try:
        with _workbook(stream) as workbook:
            named = options.extra.get("sheet") or (options.mapping or {}).get("sheet")
            sheet = _sheet(workbook, named) if named else _first_table(workbook)[0]
            mapping, extra = _setup(sheet, options)
            yield from read_rows(records(sheet), mapping,
                                 data_row=TableShape.first_data_row(extra),
                                 header_row=extra.get("header_row"))
    except InvalidInput as error:
        yield RowProblem(0, error.message)
    except _DAMAGED as error:
        yield RowProblem(0, Message(N_("The workbook is damaged (%(error)s)."),
                                    error=type(error).__name__))


def inspect_xlsx(stream: IO[bytes], sheet: str | None = None) -> TableShape:
    """Find the table on the named sheet (else the first sheet with one) and guess its mapping;
    rewind a seekable stream."""
    start = stream.tell() if _seekable(stream) else None
    try:
        with _workbook(stream) as workbook:
            if sheet:
                return _on_sheet(workbook, _sheet(workbook, sheet))
            return _first_table(workbook)[1]
    finally:
        if start is not None:
            stream.seek(start)


def _first_table(workbook: Any) -> tuple[Any, TableShape]:
    """Return the first sheet that holds a table, and its shape (else the first sheet's error)."""
    first: InvalidInput | None = None
    for sheet in workbook.worksheets:
        try:
            return sheet, _on_sheet(workbook, sheet)
        except InvalidInput as error:
            first = first or error
    raise first or InvalidInput(NO_SHEETS, field="file")


def _on_sheet(workbook: Any, sheet: Any) -> TableShape:
    """Return the shape of one sheet's table, naming the sheet when the workbook has several."""
    names = [str(name) for name in workbook.sheetnames]
    try:
        return replace(_shape(sheet), sheets=names)
    except InvalidInput:
        if len(names) < 2:
            raise
        raise InvalidInput(N_("OurMoney found no rows with a date and an amount on the sheet"
                              " %(sheet)s."), field="sheet", sheet=str(sheet.title)) from None


def _shape(sheet: Any) -> TableShape:
    sample: list[Record] = []
    for record in records(sheet):
        sample.append(record)
        if len(sample) == SAMPLE_ROWS:
            break

    def more_dates(column: int, formats: list[str]) -> Counter[str]:
        found = records(sheet)
        return count_down((cells[column] for _, cells in found if column < len(cells)), formats)

    return build_shape(sample, encoding="xlsx", delimiter=None, more_dates=more_dates,
                       file_format="xlsx", sheet=str(sheet.title))


def _setup(sheet: Any, options: ReadOptions) -> tuple[ColumnMapping, dict[str, Any]]:
    extra = dict(options.extra)
    if options.mapping:
        if "data_row" not in extra:
            extra.update(_shape(sheet).extra())
        return ColumnMapping.from_dict(options.mapping), extra
    shape = _shape(sheet)
    if shape.guess is None or shape.confidence != "high":
        raise InvalidInput(MAP_FIRST)
    return shape.guess, {**shape.extra(), **extra}


def records(sheet: Any) -> Iterator[Record]:
    """Yield (sheet row number, cells) for every row, trailing empty cells dropped."""
    width = min(int(sheet.max_column), MAX_COLUMNS) if sheet.max_column else None
    for number, row in enumerate(sheet.iter_rows(values_only=True, max_col=width), start=1):
        yield number, trimmed([_cell(value) for value in row])


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | Decimal | date):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return value
    if isinstance(value, time | timedelta):
        return str(value)
    return str(value)


def _sheet(workbook: Any, name: object) -> Any:
    """Return the named sheet, or say which sheets the workbook has."""
    if isinstance(name, str) and name in workbook.sheetnames \
            and name in [sheet.title for sheet in workbook.worksheets]:
        return workbook[name]
    raise InvalidInput(N_("The workbook has no sheet called %(name)s; its sheets are"
                          " %(sheets)s."), field="sheet", name=str(name)[:100],
                       sheets=", ".join(workbook.sheetnames))


@contextmanager
def _workbook(stream: IO[bytes]) -> Iterator[Any]:
    """Open the workbook read-only (copying an unseekable stream to a temporary file)."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
        source: IO[bytes] = stream
        if not _seekable(stream):
            shutil.copyfileobj(stream, spool)
            spool.seek(0)
            source = spool
        workbook = _open(source)
        try:
            yield workbook
        finally:
            workbook.close()


def _open(source: IO[bytes]) -> Any:
    # Imported here, not at start: openpyxl adds a tenth of a second to every app start.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    head = source.read(4)
    source.seek(0)
    if not head:
        raise InvalidInput(N_("The file is empty."), field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            return load_workbook(source, read_only=True, data_only=True)
    except (*_BROKEN, InvalidFileException):
        raise InvalidInput(NOT_XLSX, field="file") from None


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False

