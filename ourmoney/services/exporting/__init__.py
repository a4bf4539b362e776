"""Export what a filter shows: OurMoney JSON (re-importable), CSV and XLSX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from ourmoney.errors import InvalidInput
from ourmoney.services.book import Book
from ourmoney.services.exporting import csv_export, json_export, xlsx_export
from ourmoney.services.models import TransactionFilter

Writer = Callable[[Book, TransactionFilter, IO[bytes]], int]
WRITERS: dict[str, Writer] = {"json": json_export.write, "csv": csv_export.write,
                              "xlsx": xlsx_export.write}
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def format_for(path: str, given: str | None) -> str:
    """Return the export format named, or the one the file name's extension implies."""
    chosen = (given or Path(path).suffix.lstrip(".")).lower()
    if chosen not in WRITERS:
        raise InvalidInput("Export format must be json, csv or xlsx.", field="format")
    return chosen


def export(book: Book, selection: TransactionFilter, file_format: str, out: IO[bytes]) -> int:
    """Write the filtered transactions to `out` and return how many were written."""
    return WRITERS[file_format](book, selection, out)
