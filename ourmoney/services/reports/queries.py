"""The SQL behind a report: daily totals for sums and shapes, transactions for rows.

Every sum comes from `daily_total` (kept right by the ledger's triggers and bulk paths, one
row per day, type, category and member), so a year is a few thousand rows whatever the
ledger's size. Only payees and recurring expenses (one pass grouped by description) and the largest
expenses read `transactions`, through the partial date index (deleted rows are not in it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ourmoney.services.book import Book

TOP = 10


def _scope(column_day: str, start: date, end: date, member_id: str | None,
           member_column: str) -> tuple[str, list[Any]]:
    clauses, params = [f"{column_day} >= ?", f"{column_day} <= ?"], [start.isoformat(),
                                                                      end.isoformat()]
    if member_id is not None:
        clauses.append(f"{member_column} = ?")
        params.append(member_id)
    return " AND ".join(clauses), params


def monthly(book: Book, start: date, end: date,
            member_id: str | None) -> list[tuple[str, str, str, int, int]]:
    """Return (month, type, category_id, amount, count) rows from the daily totals."""
    where, params = _scope("day", start, end, member_id, "member_id")
    return book.store.rows(
        "SELECT substr(day, 1, 7), type, category_id, sum(amount), sum(count) FROM daily_total"
        f" WHERE {where} GROUP BY 1, 2, 3 HAVING sum(count) > 0", params)


def daily_balance(book: Book, start: date, end: date,
                  member_id: str | None) -> list[tuple[str, int]]:
    """Return (day, income minus expense) for each day with a transaction."""
    where, params = _scope("day", start, end, member_id, "member_id")
    return book.store.rows(
        "SELECT day, sum(CASE type WHEN 'income' THEN amount ELSE -amount END) FROM daily_total"
        f" WHERE {where} GROUP BY day HAVING sum(count) > 0 ORDER BY day", params)


def heat(book: Book, start: date, end: date, member_id: str | None,
         by: str) -> list[tuple[int, str, int]]:
    """Return (row, category_id, expense) with row = week of month (1-5) or weekday (0=Monday)."""
    row = ("(CAST(substr(day, 9, 2) AS INTEGER) - 1) / 7 + 1" if by == "week"
           else "(CAST(strftime('%w', day) AS INTEGER) + 6) % 7")
    where, params = _scope("day", start, end, member_id, "member_id")
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
    """Return expense by exact description, in one pass over the rows.

    Each row: (description, amount and count in the period, count in the window, smallest
    and largest amount in the window, first and last day in the window, a category). The
    window starts at or before the period (recurring expenses need a few months). Grouping
    by the exact text lets SQLite skip folding 100,000s of rows; callers fold the groups.
    """
    where, params = _scope("t.occurred_on", window_start, end, member_id, "t.member_id")
    since = period_start.isoformat()
    return book.store.rows(
        "SELECT t.description,"
        " coalesce(sum(CASE WHEN t.occurred_on >= ? THEN t.amount END), 0),"
        " count(CASE WHEN t.occurred_on >= ? THEN 1 END), count(*), min(t.amount),"
        " max(t.amount), min(t.occurred_on), max(t.occurred_on),"
        " coalesce(max(t.category_id), '') FROM transactions t"
        f" WHERE t.deleted = 0 AND t.type = 'expense' AND {where}"
        " GROUP BY t.description", (since, since, *params))


def largest(book: Book, start: date, end: date,
            member_id: str | None) -> list[tuple[str, str, str, int, str, str | None]]:
    """Return (id, day, description, amount, category_id, member name) of the largest expenses."""
    where, params = _scope("t.occurred_on", start, end, member_id, "t.member_id")
    return book.store.rows(
        "SELECT t.id, t.occurred_on, t.description, t.amount, coalesce(t.category_id, ''),"
        " (SELECT m.name FROM member m WHERE m.id = t.member_id) FROM transactions t"
        f" WHERE t.deleted = 0 AND t.type = 'expense' AND {where}"
        " ORDER BY t.amount DESC, t.occurred_on, t.id LIMIT ?", (*params, TOP))


def categories(book: Book) -> dict[str, tuple[str, str]]:
    """Return every category (deleted ones too: their past spending still counts) by id."""
    return {row[0]: (row[1], row[2]) for row in
            book.store.rows("SELECT id, name, color FROM category")}
