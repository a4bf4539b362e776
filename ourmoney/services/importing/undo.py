"""Undo an import as a whole: tombstone its rows (each change syncs) and forget its keys."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ourmoney.clock import hlc_time, utc_now_text
from ourmoney.db import bulk
from ourmoney.db.entities import TRANSACTION
from ourmoney.errors import N_, Conflict, NotFound
from ourmoney.services.book import Book

CHUNK = 2000
# The live rows a batch added: those with an import_item, and those its changes created
# (rows imported with their own id keep no item; batches from before seqs were kept, none).
BATCH_ROWS = (
    "SELECT i.transaction_id FROM import_item i JOIN transactions t ON t.id = i.transaction_id"
    " WHERE i.batch_id = ? AND t.deleted = 0"
    " UNION SELECT c.row_id FROM change c JOIN transactions t ON t.id = c.row_id"
    " WHERE c.seq BETWEEN ? AND ? AND c.entity = 'transaction' AND t.deleted = 0")


def undo_import(book: Book, batch_id: str) -> int:
    """Delete every live transaction a batch added (tombstones that sync) and forget its keys."""
    with book.write() as cursor:
        found = cursor.execute("SELECT undone_at, first_seq, last_seq FROM import_batch"
                               " WHERE id = ?", (batch_id,)).fetchone()
        if found is None:
            raise NotFound(N_("There is no import with that batch id."), field="batch")
        if found[0]:
            raise Conflict(N_("That import was already undone."), field="batch")
        ids = [r[0] for r in cursor.execute(BATCH_ROWS, (batch_id, found[1], found[2]))]
        _tombstone(book, cursor, ids)
        cursor.execute("DELETE FROM import_item WHERE batch_id = ?", (batch_id,))
        cursor.execute("UPDATE import_batch SET undone_at = ? WHERE id = ?",
                       (utc_now_text(), batch_id))
    return len(ids)


def _tombstone(book: Book, cursor: sqlite3.Cursor, ids: list[str]) -> None:
    """Mark rows deleted, logging one change each, in chunks."""
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        stamps = list(book.clock.ticks(len(part)))
        first_seq = bulk.next_seq(cursor)
        cursor.executemany(bulk.INSERT_CHANGE, [
            (stamp, book.device_id, "transaction", transaction_id, '{"deleted":true}')
            for transaction_id, stamp in zip(part, stamps, strict=True)])
        cursor.executemany(
            TRANSACTION.update_sql(("deleted",)),
            [(1, hlc_time(stamp), first_seq + n, stamp, transaction_id)
             for n, (transaction_id, stamp) in enumerate(zip(part, stamps, strict=True))])


@dataclass(frozen=True)
class Batch:
    """A past import, for the list of imports that can be undone."""

    id: str
    created_at: str
    source: str
    format: str
    added: int
    duplicates: int
    errors: int
    undone_at: str | None


def list_batches(book: Book, limit: int = 20) -> list[Batch]:
    """Return the most recent imports, newest first."""
    rows = book.store.rows("SELECT id, created_at, source, format, added, duplicates, errors,"
                           " undone_at FROM import_batch ORDER BY created_at DESC, id DESC"
                           " LIMIT ?", (limit,))
    return [Batch(*row) for row in rows]
