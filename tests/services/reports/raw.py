"""Every report query again, straight from the transactions: the reference the kept totals match.

`raw_report` builds a report with these in place of ourmoney.services.reports.queries (which
reads `daily_total` and `payee_month`), so a test can compare every figure of the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from ourmoney.services.book import Book
from ourmoney.services.reports import Period, Report, build, queries

LIVE = "FROM transactions t WHERE t.deleted = 0"


def _scope(start: date, end: date, member_id: str | None) -> tuple[str, list[Any]]:
    where, params = "t.occurred_on >= ? AND t.occurred_on <= ?", [start.isoformat(),
                                                                  end.isoformat()]
    if member_id is not None:
        where, params = where + " AND t.member_id = ?", [*params, member_id]
    return where, params


def monthly(book: Book, start: date, end: date, member_id: str | None) -> list[tuple[Any, ...]]:
    where, params = _scope(start, end, member_id)
    return book.store.rows(
        "SELECT substr(t.occurred_on, 1, 7), t.type, coalesce(t.category_id, ''),"
        f" sum(t.amount), count(*) {LIVE} AND {where} GROUP BY 1, 2, 3", params)


def daily_balance(book: Book, start: date, end: date,
                  member_id: str | None) -> list[tuple[Any, ...]]:
    where, params = _scope(start, end, member_id)
    return book.store.rows(
        "SELECT t.occurred_on, sum(CASE t.type WHEN 'income' THEN t.amount ELSE -t.amount END)"
        f" {LIVE} AND {where} GROUP BY 1 ORDER BY 1", params)


def heat(book: Book, start: date, end: date, member_id: str | None,
         by: str) -> list[tuple[Any, ...]]:
    day = "t.occurred_on"
    row = (f"(CAST(substr({day}, 9, 2) AS INTEGER) - 1) / 7 + 1" if by == "week"
           else f"(CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7")
    where, params = _scope(start, end, member_id)
    return book.store.rows(
        f"SELECT {row}, coalesce(t.category_id, ''), sum(t.amount) {LIVE}"
        f" AND t.type = 'expense' AND {where} GROUP BY 1, 2", params)


def first_day(book: Book, member_id: str | None) -> str | None:
    member = "" if member_id is None else " AND t.member_id = ?"
    found = book.store.value(f"SELECT min(t.occurred_on) {LIVE}{member}",
                             () if member_id is None else (member_id,))
    return str(found) if found else None


def descriptions(book: Book, window_start: date, period_start: date, end: date,
                 member_id: str | None) -> list[tuple[Any, ...]]:
    """The query reports ran before `payee_month`: one pass over the window's expenses."""
    where, params = _scope(window_start, end, member_id)
    since = period_start.isoformat()
    return book.store.rows(
        "SELECT t.description,"
        " coalesce(sum(CASE WHEN t.occurred_on >= ? THEN t.amount END), 0),"
        " count(CASE WHEN t.occurred_on >= ? THEN 1 END), count(*), min(t.amount),"
        " max(t.amount), min(t.occurred_on), max(t.occurred_on),"
        f" coalesce(max(t.category_id), '') {LIVE} AND t.type = 'expense' AND {where}"
        " GROUP BY t.description", (since, since, *params))


def largest(book: Book, start: date, end: date,
            member_id: str | None) -> list[tuple[Any, ...]]:
    """The largest expenses by sorting every expense of the period."""
    where, params = _scope(start, end, member_id)
    return book.store.rows(
        "SELECT t.id, t.occurred_on, t.description, t.amount, coalesce(t.category_id, ''),"
        f" (SELECT m.name FROM member m WHERE m.id = t.member_id) {LIVE}"
        f" AND t.type = 'expense' AND {where}"
        " ORDER BY t.amount DESC, t.occurred_on, t.id LIMIT ?", (*params, queries.TOP))


RAW = {"monthly": monthly, "daily_balance": daily_balance, "heat": heat,
       "first_day": first_day, "descriptions": descriptions, "largest": largest}


@contextmanager
def _raw_queries() -> Iterator[None]:
    kept = {name: getattr(queries, name) for name in RAW}
    try:
        for name, function in RAW.items():
            setattr(queries, name, function)
        yield
    finally:
        for name, function in kept.items():
            setattr(queries, name, function)


def raw_report(book: Book, period: Period, member_id: str | None = None) -> Report:
    """Build the report of `period` from the transactions alone (never remembered)."""
    with _raw_queries():
        return build._build(book, period, member_id, period.end)


def kept_report(book: Book, period: Period, member_id: str | None = None) -> Report:
    """Build the report of `period` as the app does, from the kept totals (never remembered)."""
    return build._build(book, period, member_id, period.end)
