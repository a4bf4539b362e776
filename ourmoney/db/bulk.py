"""Bulk inserts of transactions and changes: raw executemany, indexed set-wise per batch."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ourmoney.db import payees

INSERT_TRANSACTION = (
    "INSERT INTO transactions (id, occurred_on, description, type, amount, category_id,"
    " member_id, notes, created_at, updated_at, hlc, local_seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
# Revives a tombstoned row with the same id (an import undone, then imported again): every
# field but created_at is rewritten by the new change, so each gets its clock; the UPDATE
# triggers keep its totals and search entry right.
_REVIVED = ("occurred_on", "description", "type", "amount", "category", "member", "notes",
            "deleted")
REVIVE = (" ON CONFLICT (id) DO UPDATE SET occurred_on = excluded.occurred_on,"
          " description = excluded.description, type = excluded.type, amount = excluded.amount,"
          " category_id = excluded.category_id, member_id = excluded.member_id,"
          " notes = excluded.notes, updated_at = excluded.updated_at,"
          " local_seq = excluded.local_seq, deleted = 0, field_hlc = json_object("
          + ", ".join(f"'{name}', excluded.hlc" for name in _REVIVED)
          + ") WHERE transactions.deleted = 1")
INSERT_CHANGE = "INSERT INTO change (hlc, origin, entity, row_id, fields) VALUES (?, ?, ?, ?, ?)"
DROP_TRIGGERS_FROM = 100  # rows; fewer are not worth changing the schema for
# The insert triggers that stand aside while bulk_write is marked (their WHEN says so).
_BULK_TRIGGERS = ("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'"
                  " AND tbl_name = 'transactions' AND sql LIKE '%AFTER INSERT%bulk_write%'")


def insert_transactions(cursor: sqlite3.Cursor, rows: Sequence[Sequence[Any]], *,
                        revive: bool = False,
                        before_upkeep: Callable[[], None] | None = None) -> None:
    """Insert new transaction rows (INSERT_TRANSACTION order) inside the caller's write.

    `before_upkeep` runs once the rows are in, before the search index and the totals are
    brought up to date: long statements during which SQLite lets other threads run Python.
    """
    after = int(cursor.execute("SELECT coalesce(max(rowid), 0) FROM transactions").fetchone()[0])
    cursor.execute("INSERT INTO bulk_write (id) VALUES (1)")
    try:
        with _bulk_triggers_dropped(cursor, len(rows) >= DROP_TRIGGERS_FROM):
            cursor.executemany(INSERT_TRANSACTION + (REVIVE if revive else ""), rows)
    finally:
        cursor.execute("DELETE FROM bulk_write")
    if before_upkeep:
        before_upkeep()
    cursor.execute("INSERT INTO transaction_search (rowid, description, notes)"
                   " SELECT rowid, description, notes FROM transactions WHERE rowid > ?", (after,))
    # NOT INDEXED: the planner would walk the whole transactions_order index for the GROUP BY,
    # reading every earlier row once per batch (a 1M import spent a third of its time there).
    cursor.execute(
        "INSERT INTO daily_total (day, type, category_id, member_id, amount, count)"
        " SELECT occurred_on, type, coalesce(category_id, ''), coalesce(member_id, ''),"
        " sum(amount), count(*) FROM transactions NOT INDEXED WHERE rowid > ? AND deleted = 0"
        " GROUP BY 1, 2, 3, 4"
        " ON CONFLICT DO UPDATE SET amount = amount + excluded.amount,"
        " count = count + excluded.count", (after,))
    payees.add_rows_after(cursor, after)


@contextmanager
def _bulk_triggers_dropped(cursor: sqlite3.Cursor, drop: bool) -> Iterator[None]:
    """Drop the insert triggers that a bulk batch skips, and create them again after it.

    Skipped or not, SQLite enters every trigger for every row: for a large batch that cost
    more than the insert itself. Dropped and created again inside the caller's transaction,
    they are missing for no one else, and a rollback brings them back too.
    """
    triggers = cursor.execute(_BULK_TRIGGERS).fetchall() if drop else []
    for name, _sql in triggers:
        cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            cursor.execute(sql)


def next_seq(cursor: sqlite3.Cursor) -> int:
    """Return the seq the next change appended to the log will get."""
    return int(cursor.execute("SELECT coalesce(max(seq), 0) + 1 FROM change").fetchone()[0])
