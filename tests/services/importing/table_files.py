"""Bank tables (CSV/XLSX) through the path the app takes: inspect, a mapping, read, import."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ourmoney.services.book import Book
from ourmoney.services.importing.batches import run_import
from ourmoney.services.importing.formats import ReadOptions, reader_for
from ourmoney.services.importing.rows import ImportRow, ImportSummary, RowProblem
from ourmoney.services.importing.table import ColumnMapping, TableShape, inspect


def stream_of(source: Path | bytes) -> IO[bytes]:
    """Open a path as a binary stream, or wrap bytes in one."""
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def shape_of(source: Path | bytes, file_format: str = "csv") -> TableShape:
    """Inspect a file as the Import page does."""
    with stream_of(source) as stream:
        return inspect(stream, "statement." + file_format, file_format)


def auto(source: Path | bytes, file_format: str = "csv") -> ReadOptions:
    """The options of the automatic path: the guess, which must be a sure one."""
    shape = shape_of(source, file_format)
    assert shape.guess is not None and shape.confidence == "high", shape.doubts
    return shape.options(shape.guess, "statement")


def mapped(source: Path | bytes, file_format: str = "csv", **mapping: Any) -> ReadOptions:
    """The options after a person mapped the columns in the preview."""
    shape = shape_of(source, file_format)
    return shape.options(ColumnMapping.from_dict(mapping), "statement")


def read(source: Path | bytes, options: ReadOptions,
         file_format: str = "csv") -> list[ImportRow | RowProblem]:
    """Return everything the reader yields."""
    with stream_of(source) as stream:
        return [item for item in reader_for(file_format)(stream, options)
                if isinstance(item, ImportRow | RowProblem)]


def rows(source: Path | bytes, options: ReadOptions, file_format: str = "csv"
         ) -> list[ImportRow]:
    """Return the rows, failing on any problem."""
    found = read(source, options, file_format)
    assert not [item for item in found if isinstance(item, RowProblem)], found
    return [item for item in found if isinstance(item, ImportRow)]


def problems(source: Path | bytes, options: ReadOptions, file_format: str = "csv"
             ) -> list[RowProblem]:
    """Return only the problems."""
    return [item for item in read(source, options, file_format)
            if isinstance(item, RowProblem)]


def import_with(book: Book, source: Path | bytes, options: ReadOptions,
                file_format: str = "csv", **flags: Any) -> ImportSummary:
    """Import through the reader and the batch writer."""
    with stream_of(source) as stream:
        return run_import(book, reader_for(file_format)(stream, options), source="statement",
                          file_format=file_format, **flags)


def total(found: list[ImportRow]) -> Decimal:
    """Return the sum of the rows' amounts."""
    return sum((row.amount for row in found), Decimal(0))


def stored(book: Book) -> list[tuple[str, str, str, int, str]]:
    """Return the ledger's live transactions as (date, description, type, minor, notes)."""
    return [tuple(row) for row in book.store.rows(
        "SELECT occurred_on, description, type, amount, notes FROM transactions"
        " WHERE deleted = 0 ORDER BY occurred_on, description, amount")]
