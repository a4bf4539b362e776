"""A long pull into a ledger that holds less than it is about to receive (a first sync).

Such a pull sets lookup indexes (of the transactions and the daily totals) aside and
builds them once at the end (see ourmoney.db.indexes: reads stay right meanwhile, only
slower; a crash leaves a record that the next open or sync repairs). Every page is still
applied in one write together with the advance of the peer's cursor, so resuming works as
ever.

Python's cycle collector is paused meanwhile: each page makes tens of thousands of
short-lived objects, none in a cycle, and collecting them cost ~6% of a first sync's CPU.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext

from ourmoney.db import indexes
from ourmoney.services.book import Book
from ourmoney.services.sync import turns

SET_ASIDE_FROM = 20_000  # changes still to pull; below this, keeping the indexes costs little
# While a long pull writes: 16 MB of pages kept in memory (flat at any size), and the WAL
# folded back into the database every 16 MB rather than every 4 MB.
LONG_WRITE = {"cache_size": -16_000, "wal_autocheckpoint": 4_000}
# CREATE INDEX sorts every row: in a temporary file, so memory stays flat at any size.
REBUILD = {"temp_store": "FILE"}


@contextmanager
def lookups_set_aside(book: Book, coming: int) -> Iterator[None]:
    """Around a pull of `coming` more changes: set the indexes aside if worth it, then rebuild."""
    many = coming >= SET_ASIDE_FROM
    long = many and _set_aside_if_worth(book, coming)
    with (_pragmas(book, LONG_WRITE if long else {}), _collector_paused(many),
          turns.quick_switches() if many else nullcontext()):
        try:
            yield
        finally:
            rebuild_lookups(book)


def rebuild_lookups(book: Book) -> None:
    """Build the indexes again if they are set aside (by this pull, or one that was killed)."""
    if not book.store.value("SELECT 1 FROM setting WHERE key = ?", (indexes.SET_ASIDE_KEY,)):
        return
    with _pragmas(book, REBUILD), book.store.write() as cursor:
        indexes.rebuild(cursor)


def _set_aside_if_worth(book: Book, coming: int) -> bool:
    """Set the indexes aside when the pull brings more than the ledger holds."""
    with book.store.write() as cursor:
        if coming <= int(cursor.execute("SELECT count(*) FROM transactions").fetchone()[0]):
            return False
        indexes.set_aside(cursor)
        return True


@contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cycle collector for a while (if it runs), then let it run again."""
    paused = pause and gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@contextmanager
def _pragmas(book: Book, wanted: Mapping[str, object]) -> Iterator[None]:
    """Change settings of this thread's connection for a while, then put them back."""
    db = book.store.db
    before = {name: db.execute_sql(f"PRAGMA {name}").fetchone()[0] for name in wanted}
    for name, value in wanted.items():
        db.execute_sql(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        for name, value in before.items():
            db.execute_sql(f"PRAGMA {name} = {value}")
