"""The SQL behind a report: kept totals for sums and shapes, transactions for a few rows.

Every sum comes from `daily_total` (kept right by the ledger's triggers and bulk paths, one
row per day, type, category and member), so a year is a few thousand rows whatever the
ledger's size. Payees and recurring expenses come from `payee_month` (kept the same way, one
row of expenses per month, member and exact description, with the smallest and largest
amount). Only the largest expenses read `transactions`, and only the rows of the groups that
`payee_month` says can hold them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ourmoney.services.book import Book
from ourmoney.services.reports.period import month_key

TOP = 10


def _scope(column_day: str, first: str, last: str, member_id: str | None,
           member_column: str) -> tuple[str, list[Any]]:
    clauses, params = [f"{column_day} >= ?", f"{column_day} <= ?"], [first, last]
    if member_id is not None:
        clauses.append(f"{member_column} = ?")
        params.append(member_id)
    return " AND ".join(clauses), params


def _days(start: date, end: date, member_id: str | None) -> tuple[str, list[Any]]:
    return _scope("day", start.isoformat(), end.isoformat(), member_id, "member_id")


def monthly(book: Book, start: date, end: date,
            member_id: str | None) -> list[tuple[str, str, str, int, int]]:
    """Return (month, type, category_id, amount, count) rows from the daily totals."""
    where, params = _days(start, end, member_id)
    return book.store.rows(
        "SELECT substr(day, 1, 7), type, category_id, sum(amount), sum(count) FROM daily_total"
        f" WHERE {where} GROUP BY 1, 2, 3 HAVING sum(count) > 0", params)


def daily_balance(book: Book, start: date, end: date,
                  member_id: str | None) -> list[tuple[str, int]]:
    """Return (day, income minus expense) for each day with a transaction."""
    where, params = _days(start, end, member_id)
    return book.store.rows(
        "SELECT day, sum(CASE type WHEN 'income' THEN amount ELSE -amount END) FROM daily_total"
        f" WHERE {where} GROUP BY day HAVING sum(count) > 0 ORDER BY day", params)


def heat(book: Book, start: date, end: date, member_id: str | None,
         by: str) -> list[tuple[int, str, int]]:
    """Return (row, category_id, expense) with row = week of month (1-5) or weekday (0=Monday)."""
    row = ("(CAST(substr(day, 9, 2) AS INTEGER) - 1) / 7 + 1" if by == "week"
           else "(CAST(strftime('%w', day) AS INTEGER) + 6) % 7")
    where, params = _days(start, end, member_id)
    return book.store.rows(
        f"SELECT {row}, category_id, sum(amount) FROM daily_total"
        f" WHERE type = 'expense' AND {where} GROUP BY 1, 2 HAVING sum(count) > 0", params)


def first_day(book: Book, member_id: str | None) -> str | None:
    """Return the day of the ledger's first live transaction (of the member), if any."""
    if member_id is None:
        found = book.store.value("SELECT min(day) FROM daily_total WHERE count > 0")
    else:
        found = book.store.value(
            "SELECT min(day) FROM daily_total WHERE count > 0 AND member_id = ?", (member_id,))
    return str(found) if found else None


def descriptions(book: Book, window_start: date, period_start: date, end: date,
                 member_id: str | None) -> list[tuple[str, int, int, int, int, int, str, str, str]]:
    """Return expense by exact description, from the payee totals.

    Each row: (description, amount and count in the period, count in the window, smallest
    and largest amount in the window, first and last month "YYYY-MM" in the window, the
    largest category id, '' for none). The window starts at or before the period (recurring
    expenses need a few months). Callers fold the descriptions.
    """
    where, params = _scope("month", month_key(window_start), month_key(end), member_id,
                           "member_id")
    since = month_key(period_start)
    return book.store.rows(
        "SELECT description, sum(CASE WHEN month >= ? THEN amount ELSE 0 END),"
        " sum(CASE WHEN month >= ? THEN count ELSE 0 END), sum(count), min(low), max(high),"
        " min(month), max(month), max(high_category) FROM payee_month"
        f" WHERE {where} GROUP BY description", (since, since, *params))


def largest(book: Book, start: date, end: date,
            member_id: str | None) -> list[tuple[str, str, str, int, str, str | None]]:
    """Return (id, day, description, amount, category_id, member name) of the largest expenses.

    The TOP highest payee groups each hold an expense of at least the lowest of their highs,
    so every one of the TOP largest expenses is at least that and lies in a group that high:
    only the rows of those groups' months, members and categories are read.
    """
    where, params = _scope("g.month", month_key(start), month_key(end), member_id,
                           "g.member_id")
    highs = book.store.rows(f"SELECT g.high FROM payee_month g WHERE {where}"
                            " ORDER BY g.high DESC LIMIT ?", (*params, TOP))
    floor = highs[-1][0] if len(highs) == TOP else 1
    day_where, day_params = _scope("t.occurred_on", start.isoformat(), end.isoformat(),
                                   member_id, "t.member_id")
    return book.store.rows(
        "SELECT t.id, t.occurred_on, t.description, t.amount, coalesce(t.category_id, ''),"
        " (SELECT m.name FROM member m WHERE m.id = t.member_id) FROM transactions t"
        f" WHERE t.rowid IN ({_CANDIDATES.format(where=where)})"
        f" AND t.deleted = 0 AND t.type = 'expense' AND t.amount >= ? AND {day_where}"
        " ORDER BY t.amount DESC, t.occurred_on, t.id LIMIT ?",
        (*params, floor, *params, floor, floor, *day_params, TOP))


# The rows of the months, members and categories of the payee groups as high as a floor (a
# few more rows than the groups' own do no harm): by the category index when a group has one
# category, else by the member index ("+" keeps SQLite from taking the member index instead).
_GROUP_ROWS = ("SELECT c.rowid FROM (SELECT DISTINCT g.month, nullif(g.member_id, '') AS member,"
               " nullif(g.low_category, '') AS category FROM payee_month g"
               " WHERE {{where}} AND g.high >= ? AND {groups}) g JOIN transactions c ON {rows}"
               " AND c.occurred_on BETWEEN g.month || '-01' AND g.month || '-31'"
               " AND c.deleted = 0")
_CANDIDATES = (
    _GROUP_ROWS.format(rows="c.category_id IS g.category AND +c.member_id IS g.member",
                       groups="g.low_category = g.high_category")
    + " UNION ALL "
    + _GROUP_ROWS.format(rows="c.member_id IS g.member",
                         groups="g.low_category < g.high_category"))


def categories(book: Book) -> dict[str, tuple[str, str]]:
    """Return every category (deleted ones too: their past spending still counts) by id."""
    return {row[0]: (row[1], row[2]) for row in
            book.store.rows("SELECT id, name, color FROM category")}
