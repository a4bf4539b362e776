"""The reports' payee totals (`payee_month`) on the paths triggers do not cover.

Triggers keep a group's count and sum for every single write, and its smallest and largest
amount as rows arrive. When a row leaves a group holding the smallest or largest of differing
amounts, the trigger only marks the group's month and category in `payee_stale`: `settle`
reads those months and categories again in one statement before the write commits, so an
undo of a big import reads each month once instead of once per row.
"""

from __future__ import annotations

import sqlite3

_COLUMNS = "type, month, category_id, member_id, description, amount, count, low, high"
_GROUP = ("type, substr(occurred_on, 1, 7), coalesce(category_id, ''), coalesce(member_id, ''),"
          " description")
# NOT INDEXED: as for the daily totals, a rowid range beats walking an index of every row.
_ADD_AFTER = (
    f"INSERT INTO payee_month ({_COLUMNS})"
    f" SELECT {_GROUP}, sum(amount), count(*), min(amount), max(amount)"
    " FROM transactions NOT INDEXED WHERE rowid > ? AND deleted = 0 GROUP BY 1, 2, 3, 4, 5"
    " ON CONFLICT DO UPDATE SET amount = amount + excluded.amount,"
    " count = count + excluded.count, low = min(low, excluded.low),"
    " high = max(high, excluded.high)")
_SETTLE = (
    f"INSERT INTO payee_month ({_COLUMNS})"
    " SELECT t.type, substr(t.occurred_on, 1, 7), coalesce(t.category_id, ''),"
    " coalesce(t.member_id, ''), t.description, sum(t.amount), count(*), min(t.amount),"
    " max(t.amount) FROM payee_stale s JOIN transactions t"  # '' is no category: ids never are
    " ON t.category_id IS nullif(s.category_id, '')"
    " AND t.occurred_on BETWEEN s.month || '-01' AND s.month || '-31'"
    " WHERE t.deleted = 0 GROUP BY 1, 2, 3, 4, 5"
    " ON CONFLICT DO UPDATE SET low = excluded.low, high = excluded.high")


def add_rows_after(cursor: sqlite3.Cursor, rowid: int) -> None:
    """Add the live transactions after `rowid` (a bulk batch) to the payee totals."""
    cursor.execute(_ADD_AFTER, (rowid,))


def settle(cursor: sqlite3.Cursor) -> None:
    """Read the smallest and largest amounts of the marked months and categories again."""
    if cursor.execute("SELECT 1 FROM payee_stale LIMIT 1").fetchone() is None:
        return
    cursor.execute(_SETTLE)
    cursor.execute("DELETE FROM payee_stale")
