"""Lookup indexes set aside during a long bulk write, then rebuilt.

Building an index once over every row (CREATE INDEX sorts them) costs much less than
keeping it up to date row by row through a first sync of a long history.

Reads stay right while indexes are set aside: these indexes only find rows faster, so every
query returns the same rows without them (SQLite scans the table instead), only slower. The
tables that hold data derived from the rows (the search index, daily and payee totals) are
never set aside: every write keeps them right, so lists, totals, search and reports are
exact at every commit. `transactions_category` stays too: the payee totals' settle step
looks rows up by category before every commit (and, while the member index is set aside,
finds a text in several categories through it as well: see ourmoney.db.payees).

Crash safety: the indexes are dropped in the same transaction that records how to build
them (their SQL, in `setting` under SET_ASIDE_KEY), and built again in the same transaction
that clears the record, so after any crash the record names exactly the indexes missing. A
ledger left that way is repaired when it is next opened (`open_store`) and when a sync
starts.
"""

from __future__ import annotations

import json
import sqlite3

SET_ASIDE_KEY = "indexes_set_aside"
# Four of the transactions table's, and the daily totals' covering index for unfiltered
# totals (every page of a first sync moves its amounts and counts).
LOOKUP_INDEXES = ("transactions_order", "transactions_member", "transactions_pending",
                  "transactions_income", "daily_total_type")


def set_aside(cursor: sqlite3.Cursor) -> None:
    """Drop the lookup indexes, recording how to build them again."""
    marks = ", ".join("?" * len(LOOKUP_INDEXES))
    found = dict(cursor.execute(
        f"SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND name IN ({marks})",
        LOOKUP_INDEXES).fetchall())
    if not found:
        return
    cursor.execute("INSERT INTO setting (key, value) VALUES (?, ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   (SET_ASIDE_KEY, json.dumps({**_recorded(cursor), **found})))
    for name in found:
        cursor.execute(f'DROP INDEX "{name}"')


def rebuild(cursor: sqlite3.Cursor) -> bool:
    """Build again every index set aside; return whether any was."""
    recorded = _recorded(cursor)
    if not recorded:
        return False
    for name, sql in recorded.items():
        if cursor.execute("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?",
                          (name,)).fetchone() is None:
            cursor.execute(sql)
    cursor.execute("DELETE FROM setting WHERE key = ?", (SET_ASIDE_KEY,))
    return True


def are_set_aside(cursor: sqlite3.Cursor) -> bool:
    """Tell whether some indexes are set aside now."""
    return bool(_recorded(cursor))


def _recorded(cursor: sqlite3.Cursor) -> dict[str, str]:
    row = cursor.execute("SELECT value FROM setting WHERE key = ?", (SET_ASIDE_KEY,)).fetchone()
    return dict(json.loads(row[0])) if row else {}
