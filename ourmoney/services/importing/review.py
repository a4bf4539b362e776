"""Review an uploaded file before importing it: its columns, a dry run of its rows, the real run.

CSV and XLSX need a column mapping: the one the user chose, else the saved bank profile for
files of this shape, else the guess. Every other format reads as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import IO, Any

from ourmoney.errors import N_, InvalidInput
from ourmoney.services.book import Book
from ourmoney.services.importing import profiles
from ourmoney.services.importing.batches import run_import
from ourmoney.services.importing.formats import ReadOptions, reader_for
from ourmoney.services.importing.rows import (
    CategoryRow,
    ImportRow,
    ImportSummary,
    MemberRow,
    RowProblem,
)
from ourmoney.services.importing.table import ColumnMapping, TableShape, inspect
from ourmoney.services.importing.uploads import Upload

TABLE_FORMATS = ("csv", "xlsx")
PREVIEW_ENTRIES = 5000
Entry = ImportRow | CategoryRow | MemberRow | RowProblem


@dataclass(frozen=True)
class Columns:
    """A table file's shape and the mapping to read it with (None until the user picks one)."""

    shape: TableShape
    mapping: ColumnMapping | None
    profile: str | None


@dataclass(frozen=True)
class Preview:
    """A dry run: what would be added, skipped and refused, and whether the file was longer."""

    summary: ImportSummary
    partial: bool


def columns(book: Book, upload: Upload, file_format: str, sheet: str | None = None) -> Columns:
    """Inspect a CSV/XLSX upload (the named sheet, else the one a profile or the file suggests);
    read it with the profile saved for its shape, else the guess."""
    def inspect_sheet(chosen: str | None) -> TableShape:
        with upload.open() as stream:
            return inspect(stream, upload.name, file_format, chosen)

    shape, saved = profiles.choose_table(book, inspect_sheet, sheet=sheet)
    if saved is not None and max(saved[1].columns_used()) < len(shape.columns):
        return Columns(shape, saved[1], saved[0])
    return Columns(shape, shape.guess, None)


def with_mapping(found: Columns, chosen: ColumnMapping) -> Columns:
    """Return the table read with the mapping the user chose, refusing columns it lacks."""
    check_mapping(found.shape, chosen)
    return Columns(found.shape, chosen, None)


def mapping_from(values: Any) -> ColumnMapping:
    """Build a column mapping from JSON-like values, or say clearly why it is not one."""
    if not isinstance(values, dict):
        raise InvalidInput(N_("The column mapping must be a JSON object."), field="mapping")
    try:
        return ColumnMapping.from_dict(values)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(N_("The column mapping is not valid: %(problem)s"), field="mapping",
                           problem=str(error)[:200]) from None


def mapping_from_text(text: str) -> ColumnMapping:
    """Read a column mapping sent as JSON text."""
    try:
        values = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput(N_("The column mapping must be a JSON object."),
                           field="mapping") from None
    return mapping_from(values)


def check_mapping(shape: TableShape, mapping: ColumnMapping) -> None:
    """Refuse a mapping that names columns this file does not have."""
    count = len(shape.columns)
    missing = [index for index in mapping.columns_used() if index >= count]
    if missing:
        raise InvalidInput(N_("The file has %(count)d columns, so there is no column"
                              " %(number)d."), field="mapping", count=count,
                           number=missing[0] + 1)


def read_options(upload: Upload, columns: Columns | None) -> ReadOptions:
    """Return what the reader needs: the file's name and, for tables, its layout and mapping."""
    if columns is None:
        return ReadOptions(source=upload.name)
    if columns.mapping is None:
        raise InvalidInput(N_("Choose which columns hold the date, description and amount."),
                           field="mapping")
    return columns.shape.options(columns.mapping, upload.name)


def preview(book: Book, upload: Upload, file_format: str, columns: Columns | None, *,
            limit: int | None = PREVIEW_ENTRIES) -> Preview:
    """Dry-run the import of the first `limit` rows (all when None): nothing is written."""
    options = read_options(upload, columns)
    with upload.open() as stream:
        rows = reader_for(file_format)(stream, options)
        if limit is None:
            return Preview(run_import(book, rows, source=upload.name, file_format=file_format,
                                      dry_run=True, skip_invalid=True), False)
        first = _Counted(islice(rows, limit + 1), limit)
        # Counted as if invalid rows were skipped, so "new" says what the valid rows would add.
        summary = run_import(book, first, source=upload.name, file_format=file_format,
                             dry_run=True, skip_invalid=True)
    return Preview(summary, first.partial)


def run(book: Book, upload: Upload, file_format: str, columns: Columns | None, *,
        skip_invalid: bool, opened: Callable[[IO[bytes]], None] | None = None,
        progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import the whole upload as one batch (nothing is written if rows are invalid)."""
    options = read_options(upload, columns)
    with upload.open() as stream:
        if opened:
            opened(stream)
        rows = reader_for(file_format)(stream, options)
        return run_import(book, rows, source=upload.name, file_format=file_format,
                          skip_invalid=skip_invalid, progress=progress)


def save_profile(book: Book, name: str, columns: Columns) -> None:
    """Remember this mapping under a bank's name for the next file of the same shape."""
    if columns.mapping is not None:
        shape = columns.shape
        sheet = shape.sheet if len(shape.sheets) > 1 else None  # one sheet: any name will do
        profiles.save_profile(book, name, shape.signature, replace(columns.mapping, sheet=sheet),
                              shape.columns)


class _Counted:
    """Pass at most `limit` rows through and note whether the file had more."""

    def __init__(self, rows: Iterator[Entry], limit: int) -> None:
        self.rows, self.limit, self.partial = rows, limit, False

    def __iter__(self) -> Iterator[Entry]:
        for count, row in enumerate(self.rows, start=1):
            if count > self.limit:
                self.partial = True
                return
            yield row
