"""Files in the original OurMoney app's format, and importing bytes through the JSON reader."""

from __future__ import annotations

import io
import json
from typing import Any

from ourmoney.services.book import Book
from ourmoney.services.importing import ReadOptions, reader_for, run_import
from ourmoney.services.importing.rows import ImportSummary

TABLES = ("transactions", "change", "category", "member", "import_batch", "import_item")


def seed_item(number: int = 1, **given: Any) -> dict[str, Any]:
    """One record of the seed app's array, with everyday values unless `given`."""
    item: dict[str, Any] = {
        "id": f"seed-{number}", "description": f"Groceries {number}", "type": "outcome",
        "category": "Food", "price": 12.5, "owner": "Ana", "email": "ana@example.org",
        "createdAt": "2025-01-20T14:03:11.123Z", "status": "done"}
    item.update(given)
    return item


def seed_bytes(*items: dict[str, Any]) -> bytes:
    """Write records as the seed app did: one JSON array."""
    return json.dumps(list(items)).encode()


def read_json(data: bytes) -> list[Any]:
    """Return everything the JSON reader yields for `data`."""
    return list(reader_for("json")(io.BytesIO(data), ReadOptions(source="test.json")))


def import_json(book: Book, data: bytes, **options: Any) -> ImportSummary:
    """Import JSON bytes through the registered reader and the batch writer."""
    rows = reader_for("json")(io.BytesIO(data), ReadOptions(source="test.json"))
    return run_import(book, rows, source="test.json", file_format="json", **options)


def counts(book: Book) -> dict[str, int]:
    """Count the rows of every table an import writes to."""
    return {table: int(book.store.value(f"SELECT count(*) FROM {table}")) for table in TABLES}
