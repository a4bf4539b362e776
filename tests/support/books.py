"""Real ledgers on disk for service and database tests, and brute-force checks against them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ourmoney.services import household
from ourmoney.services.book import Book, open_book
from ourmoney.services.models import TransactionDraft


@contextmanager
def ledger_at(path: Path, currency: str = "EUR") -> Iterator[Book]:
    """Open (creating) a ledger with a fixed currency, and close it afterwards."""
    book = open_book(path, device_name="Test device")
    try:
        household.save_preferences(book, currency=currency)
        yield book
    finally:
        book.close()


def draft(description: str = "Lunch", amount: str = "12.50", *, kind: str = "expense",
          on: date = date(2024, 5, 1), category: str | None = None,
          member_id: str | None = None, notes: str = "") -> TransactionDraft:
    """Build a transaction draft with everyday defaults."""
    return TransactionDraft(on, description, kind, Decimal(amount), category, member_id, notes)


def changes(book: Book, after: int = 0) -> list[dict[str, Any]]:
    """Return the change log after seq `after`, fields decoded."""
    rows = book.store.rows("SELECT seq, hlc, origin, entity, row_id, fields FROM change"
                           " WHERE seq > ? ORDER BY seq", (after,))
    return [{"seq": seq, "hlc": hlc, "origin": origin, "entity": entity, "row_id": row_id,
             "fields": json.loads(fields)} for seq, hlc, origin, entity, row_id, fields in rows]


def last_seq(book: Book) -> int:
    """Return the seq of the newest change, 0 for an empty log."""
    return int(book.store.value("SELECT coalesce(max(seq), 0) FROM change"))


def daily_totals(book: Book) -> dict[tuple[str, str, str, str], tuple[int, int]]:
    """Return the daily_total table without its emptied rows."""
    return {(day, kind, category, member): (amount, count) for day, kind, category, member,
            amount, count in book.store.rows("SELECT * FROM daily_total WHERE count != 0")}


def recomputed_totals(book: Book) -> dict[tuple[str, str, str, str], tuple[int, int]]:
    """Recompute the daily totals from the transactions themselves."""
    rows = book.store.rows(
        "SELECT occurred_on, type, coalesce(category_id, ''), coalesce(member_id, ''),"
        " sum(amount), count(*) FROM transactions WHERE deleted = 0 GROUP BY 1, 2, 3, 4")
    return {(day, kind, category, member): (amount, count)
            for day, kind, category, member, amount, count in rows}


def payee_totals(book: Book) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Return payee_month: (amount, count, low, high, low and high category) by month, member
    and description."""
    return {tuple(row[:3]): tuple(row[3:]) for row in book.store.rows(
        "SELECT month, member_id, description, amount, count, low, high, low_category,"
        " high_category FROM payee_month")}


def recomputed_payees(book: Book) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Recompute the payee totals from the expenses themselves."""
    return {tuple(row[:3]): tuple(row[3:]) for row in book.store.rows(
        "SELECT substr(occurred_on, 1, 7), coalesce(member_id, ''), description, sum(amount),"
        " count(*), min(amount), max(amount), min(coalesce(category_id, '')),"
        " max(coalesce(category_id, '')) FROM transactions"
        " WHERE deleted = 0 AND type = 'expense' GROUP BY 1, 2, 3")}
