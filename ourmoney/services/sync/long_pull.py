"""A long pull into a ledger that holds less than it is about to receive (a first sync).

Such a pull sets the lookup indexes of the transactions table aside and builds them once
at the end (see ourmoney.db.indexes: reads stay right meanwhile, only slower; a crash
leaves a record that the next open or sync repairs). Every page is still applied in one
write together with the advance of the peer's cursor, so resuming works as ever.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ourmoney.db import indexes
from ourmoney.db.store import PRAGMAS
from ourmoney.services.book import Book

SET_ASIDE_FROM = 20_000  # changes still to pull; below this, keeping the indexes costs little


@contextmanager
def lookups_set_aside(book: Book, coming: int) -> Iterator[None]:
    """Around a pull of `coming` more changes: set the indexes aside if worth it, then rebuild."""
    if coming >= SET_ASIDE_FROM:
        with book.store.write() as cursor:
            if coming > _transactions_held(cursor):
                indexes.set_aside(cursor)
    try:
        yield
    finally:
        rebuild_lookups(book)


def rebuild_lookups(book: Book) -> None:
    """Build the indexes again if they are set aside (by this pull, or one that was killed)."""
    if not book.store.value("SELECT 1 FROM setting WHERE key = ?", (indexes.SET_ASIDE_KEY,)):
        return
    # CREATE INDEX sorts every row: in a temporary file, so memory stays flat at any size.
    book.store.db.execute_sql("PRAGMA temp_store = FILE")
    try:
        with book.store.write() as cursor:
            indexes.rebuild(cursor)
    finally:
        book.store.db.execute_sql(f"PRAGMA temp_store = {PRAGMAS['temp_store']}")


def _transactions_held(cursor: sqlite3.Cursor) -> int:
    return int(cursor.execute("SELECT count(*) FROM transactions").fetchone()[0])
