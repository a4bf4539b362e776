"""A hand-built ledger for report tests, and the same facts written out as plain Python."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ourmoney.services import ledger, members
from ourmoney.services.book import Book
from tests.support.books import draft

# (day, description, kind, amount, category, member): the live rows of the ledger.
ROWS = [
    (date(2025, 1, 10), "Shop", "expense", "100.00", "Groceries", "Rui"),
    (date(2025, 2, 10), "Shop", "expense", "100.00", "Groceries", "Rui"),
    (date(2025, 3, 10), "Shop", "expense", "100.00", "Groceries", "Rui"),
    (date(2025, 4, 1), "Salary", "income", "2000.00", "Salary", "Ana"),
    (date(2025, 4, 2), "Rent", "expense", "800.00", "Housing", "Rui"),
    (date(2025, 4, 5), "Shop", "expense", "100.00", "Groceries", "Ana"),
    (date(2025, 5, 1), "Salary", "income", "2000.00", "Salary", "Ana"),
    (date(2025, 5, 2), "Rent", "expense", "800.00", "Housing", "Rui"),
    (date(2025, 5, 10), "Market", "expense", "150.25", "Groceries", "Rui"),
    (date(2025, 5, 20), "shop", "expense", "49.75", "Groceries", "Ana"),
    (date(2025, 6, 1), "Salary", "income", "2000.00", "Salary", "Ana"),
    (date(2025, 6, 2), "Rent", "expense", "800.00", "Housing", "Rui"),
    (date(2025, 6, 9), "Shop", "expense", "400.00", "Groceries", "Rui"),
    (date(2025, 6, 15), "Cash", "expense", "10.00", None, "Rui"),
]
DELETED = (date(2025, 6, 20), "Sofa", "expense", "999.99", "Housing", "Rui")


def build(book: Book) -> dict[str, str]:
    """Write ROWS (and one deleted row) into the book; return the member ids by name."""
    ids = {name: members.add_member(book, name).id for name in ("Ana", "Rui")}
    for on, description, kind, amount, category, member in ROWS:
        ledger.add_transaction(book, draft(description, amount, kind=kind, on=on,
                                           category=category, member_id=ids[member]))
    on, description, kind, amount, category, member = DELETED
    gone = ledger.add_transaction(book, draft(description, amount, kind=kind, on=on,
                                              category=category, member_id=ids[member]))
    ledger.delete_transaction(book, gone.id)
    return ids


def rows_between(first: date, last: date, member: str | None = None) -> list[tuple]:
    """Return ROWS in [first, last] (of one member), with amounts as Decimal."""
    return [(on, d, k, Decimal(a), c, m) for on, d, k, a, c, m in ROWS
            if first <= on <= last and (member is None or m == member)]


def total(rows: list[tuple], kind: str, category: object = ...) -> Decimal:
    """Sum the amounts of one kind (and category, when given)."""
    return sum((r[3] for r in rows if r[2] == kind and (category is ... or r[4] == category)),
               Decimal("0.00"))
