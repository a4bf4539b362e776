"""Budgets: a monthly amount per expense category, synced like categories.

A budget's row id is its category's id, so two devices that budget the same category offline
edit one row and the last writer wins; removing a budget is the tombstone `deleted=true`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, InvalidInput, NotFound
from ourmoney.money import to_minor
from ourmoney.services import categories, household, validation
from ourmoney.services.book import Book
from ourmoney.services.models import EXPENSE, Category


@dataclass(frozen=True)
class Budget:
    """A category's monthly budget, in integer minor units."""

    category_id: str
    category: str
    color: str
    amount: int


_LIVE = ("SELECT b.id, c.name, c.color, b.amount FROM budget b JOIN category c ON c.id = b.id"
         " AND c.deleted = 0 WHERE b.deleted = 0")


def list_budgets(book: Book) -> list[Budget]:
    """Return the budgets of live categories, by category name."""
    rows = book.store.rows(f"{_LIVE} ORDER BY c.name COLLATE NOCASE")
    return [Budget(*row) for row in rows]


def get_budget(book: Book, category_id: str) -> Budget | None:
    """Return the budget of one category, if it has one."""
    row = book.store.row(f"{_LIVE} AND b.id = ?", (category_id,))
    return Budget(*row) if row else None


def set_budget(book: Book, category_id: object, amount: object, *,
               decimal_symbol: str = ".") -> Budget:
    """Give an expense category a monthly budget (or change it); amounts are typed text."""
    category = _expense_category(book, category_id)
    precision = household.preferences(book).precision
    minor = to_minor(validation.amount(amount, precision=precision,
                                       decimal_symbol=decimal_symbol), precision)
    with book.write() as cursor:
        found = cursor.execute("SELECT amount, deleted FROM budget WHERE id = ?",
                               (category.id,)).fetchone()
        if found is None:
            now = utc_now_text()
            hlc, seq = book.record(cursor, "budget", category.id,
                                   {"amount": minor, "deleted": False, "created_at": now})
            cursor.execute("INSERT INTO budget (id, amount, created_at, updated_at, hlc,"
                           " local_seq) VALUES (?, ?, ?, ?, ?, ?)",
                           (category.id, minor, now, now, hlc, seq))
        else:
            changed = {k: v for k, v in (("amount", minor), ("deleted", False))
                       if v != (found[0] if k == "amount" else bool(found[1]))}
            if changed:
                book.change(cursor, "budget", category.id, changed)
    return Budget(category.id, category.name, category.color, minor)


def remove_budget(book: Book, category_id: object) -> None:
    """Stop budgeting a category (a tombstone, so the removal syncs)."""
    key = category_id if isinstance(category_id, str) else ""
    if get_budget(book, key) is None:
        raise NotFound(N_("That category has no budget."), field="category")
    with book.write() as cursor:
        book.change(cursor, "budget", key, {"deleted": True})


def _expense_category(book: Book, category_id: object) -> Category:
    """Return the live expense category a budget is for, or a clear error."""
    if not isinstance(category_id, str) or not category_id.strip():
        raise InvalidInput(N_("Choose a category for the budget."), field="category")
    category = categories.get_category(book, category_id.strip())
    if category.kind != EXPENSE:
        raise InvalidInput(N_("Budgets are for expense categories."), field="category")
    return category
