"""The reports' payee totals (`payee_month`) where the triggers leave off.

Triggers keep a group's count and sum for every single write, and its smallest and largest
amount and category as rows arrive. When a row leaves a group holding the smallest or largest
of differing values, the trigger only marks the group in `payee_stale`: `settle` reads the
marked groups again set-wise before the write commits, so an undo of a big import reads each
group once instead of once per removed row. Bulk inserts skip the triggers and add their
batch set-wise (`add_rows_after`).

Settle finds rows by `transactions_category` (a text filed under one category, the usual
case) or by `transactions_member`; while a long first sync has set the member index aside
(ourmoney.db.indexes), by the categories the daily totals list for that month and member.
"""

from __future__ import annotations

import sqlite3

_COLUMNS = ("month, member_id, description, amount, count, low, high, low_category,"
            " high_category")
_EXACT = ("ON CONFLICT DO UPDATE SET low = excluded.low, high = excluded.high,"
          " low_category = excluded.low_category, high_category = excluded.high_category")
# NOT INDEXED: as for the daily totals, a rowid range beats walking an index of every row.
_ADD_AFTER = (
    f"INSERT INTO payee_month ({_COLUMNS})"
    " SELECT substr(occurred_on, 1, 7), coalesce(member_id, ''), description, sum(amount),"
    " count(*), min(amount), max(amount), min(coalesce(category_id, '')),"
    " max(coalesce(category_id, '')) FROM transactions NOT INDEXED"
    " WHERE rowid > ? AND deleted = 0 AND type = 'expense' GROUP BY 1, 2, 3"
    " ON CONFLICT DO UPDATE SET amount = amount + excluded.amount,"
    " count = count + excluded.count, low = min(low, excluded.low),"
    " high = max(high, excluded.high), low_category = min(low_category, excluded.low_category),"
    " high_category = max(high_category, excluded.high_category)")
# A marked group's rows again, by the category index when the group has one category (the
# usual case, and that index stays through a long first sync; "+" keeps SQLite from taking
# the member index instead). '' stands for none (ids are never empty), so IS NULL finds those
# rows by the index too.
_SETTLE_ONE_CATEGORY = (
    f"INSERT INTO payee_month ({_COLUMNS})"
    " SELECT s.month, s.member_id, s.description, sum(t.amount), count(*), min(t.amount),"
    " max(t.amount), min(coalesce(t.category_id, '')), max(coalesce(t.category_id, ''))"
    " FROM payee_stale s JOIN payee_month p USING (month, member_id, description)"
    " JOIN transactions t ON t.category_id IS nullif(p.low_category, '')"
    " AND t.occurred_on BETWEEN s.month || '-01' AND s.month || '-31'"
    " AND +t.member_id IS nullif(s.member_id, '') AND t.description = s.description"
    " WHERE p.low_category = p.high_category AND t.deleted = 0 AND t.type = 'expense'"
    f" GROUP BY 1, 2, 3 {_EXACT}")
# A text filed under several categories: every group of its month and member again, once per
# month and member (a category merge marks every text of the category in each of them).
_SETTLE_MIXED = (
    f"INSERT INTO payee_month ({_COLUMNS})"
    " SELECT s.month, s.member_id, t.description, sum(t.amount), count(*), min(t.amount),"
    " max(t.amount), min(coalesce(t.category_id, '')), max(coalesce(t.category_id, ''))"
    " FROM (SELECT DISTINCT month, member_id FROM payee_stale"
    " JOIN payee_month USING (month, member_id, description)"
    " WHERE low_category < high_category) s"
    " JOIN transactions t ON t.member_id IS nullif(s.member_id, '')"
    " AND t.occurred_on BETWEEN s.month || '-01' AND s.month || '-31'"
    f" WHERE t.deleted = 0 AND t.type = 'expense' GROUP BY 1, 2, 3 {_EXACT}")

_MEMBER_INDEX = "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = 'transactions_member'"
# Without the member index: the categories each marked text's month and member hold (the
# daily totals know them), then those categories' months by the category index.
_SCAN_TABLE = ("CREATE TEMP TABLE IF NOT EXISTS payee_scan (month TEXT NOT NULL,"
               " member_id TEXT NOT NULL, category_id TEXT NOT NULL,"
               " PRIMARY KEY (month, member_id, category_id)) WITHOUT ROWID")
_CATEGORIES_TO_SCAN = (
    "INSERT OR IGNORE INTO temp.payee_scan (month, member_id, category_id)"
    " SELECT s.month, s.member_id, d.category_id FROM payee_stale s"
    " CROSS JOIN payee_month p CROSS JOIN daily_total d"
    " WHERE p.month = s.month AND p.member_id = s.member_id AND p.description = s.description"
    " AND p.low_category < p.high_category"
    " AND d.day BETWEEN s.month || '-01' AND s.month || '-31' AND +d.type = 'expense'"
    " AND d.category_id BETWEEN p.low_category AND p.high_category"
    " AND d.member_id = s.member_id AND d.count > 0")
_SETTLE_MIXED_BY_CATEGORY = (
    f"INSERT INTO payee_month ({_COLUMNS})"
    " SELECT s.month, s.member_id, s.description, sum(t.amount), count(*), min(t.amount),"
    " max(t.amount), min(coalesce(t.category_id, '')), max(coalesce(t.category_id, ''))"
    " FROM payee_stale s CROSS JOIN payee_month p CROSS JOIN temp.payee_scan c"
    " CROSS JOIN transactions t"
    " WHERE p.month = s.month AND p.member_id = s.member_id AND p.description = s.description"
    " AND p.low_category < p.high_category AND c.month = s.month"
    " AND c.member_id = s.member_id AND c.category_id BETWEEN p.low_category AND p.high_category"
    " AND t.category_id IS nullif(c.category_id, '')"
    " AND t.occurred_on BETWEEN s.month || '-01' AND s.month || '-31'"
    " AND +t.member_id IS nullif(s.member_id, '') AND t.description = s.description"
    f" AND t.deleted = 0 AND t.type = 'expense' GROUP BY 1, 2, 3 {_EXACT}")


def add_rows_after(cursor: sqlite3.Cursor, rowid: int) -> None:
    """Add the live expenses after `rowid` (a bulk batch) to the payee totals."""
    cursor.execute(_ADD_AFTER, (rowid,))


def settle(cursor: sqlite3.Cursor) -> None:
    """Read the smallest and largest values of the marked groups again."""
    if cursor.execute("SELECT 1 FROM payee_stale LIMIT 1").fetchone() is None:
        return
    cursor.execute(_SETTLE_ONE_CATEGORY)
    if cursor.execute(_MEMBER_INDEX).fetchone():
        cursor.execute(_SETTLE_MIXED)
    else:  # set aside by a long first sync (ourmoney.db.indexes): by category instead
        cursor.execute(_SCAN_TABLE)
        cursor.execute(_CATEGORIES_TO_SCAN)
        cursor.execute(_SETTLE_MIXED_BY_CATEGORY)
        cursor.execute("DELETE FROM temp.payee_scan")
    cursor.execute("DELETE FROM payee_stale")
