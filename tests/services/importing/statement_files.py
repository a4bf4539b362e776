"""Import a bank file (a path or bytes) into a real ledger, the way the CLI does."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from ourmoney.services.book import Book
from ourmoney.services.importing.batches import run_import
from ourmoney.services.importing.formats import ReadOptions, detect, reader_for
from ourmoney.services.importing.rows import ImportRow, ImportSummary, RowProblem
from tests.support.fixtures import Expectation

CENT = Decimal("0.01")


def opened(source: Path | bytes) -> io.BufferedIOBase:
    """Open a path as a buffered binary stream, or wrap bytes in one."""
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def read_all(file_format: str, source: Path | bytes) -> list[ImportRow | RowProblem]:
    """Return everything a reader yields for a file."""
    with opened(source) as stream:
        return [item for item in reader_for(file_format)(stream, ReadOptions(source="test"))
                if isinstance(item, ImportRow | RowProblem)]


def rows_of(file_format: str, source: Path | bytes) -> list[ImportRow]:
    """Return the rows a reader yields, failing on any problem."""
    found = read_all(file_format, source)
    problems = [item for item in found if isinstance(item, RowProblem)]
    assert not problems, problems
    return [item for item in found if isinstance(item, ImportRow)]


def problems_of(file_format: str, source: Path | bytes) -> list[RowProblem]:
    """Return only the problems a reader yields."""
    return [item for item in read_all(file_format, source) if isinstance(item, RowProblem)]


def import_file(book: Book, file_format: str, source: Path | bytes,
                **options: Any) -> ImportSummary:
    """Import a file through its reader and the batch writer."""
    with opened(source) as stream:
        rows = reader_for(file_format)(stream, ReadOptions(source="test"))
        return run_import(book, rows, source="test", file_format=file_format, **options)


def check_fixture(book: Book, file_format: str, expected: Expectation,
                  total: Decimal | None = None) -> None:
    """The SOURCES.md acceptance rule: count and sum, then a second import adds nothing."""
    assert detect(expected.name, expected.path.read_bytes()[:4096]) == file_format
    first = import_file(book, file_format, expected.path)
    assert (first.errors, first.problems, first.duplicates) == (0, [], 0)
    assert first.added + first.ignored == expected.count
    want = expected.total if total is None else total
    assert first.sum_added == (want or Decimal(0)).quantize(CENT, ROUND_HALF_EVEN)
    again = import_file(book, file_format, expected.path)
    assert (again.added, again.duplicates, again.errors) == (0, first.added, 0)
    assert again.ignored == first.ignored
