"""A small household ledger with awkward text, for the export tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from ourmoney.services import categories, ledger, members
from ourmoney.services.book import Book
from ourmoney.services.models import Transaction
from tests.support.books import draft


@dataclass(frozen=True)
class Household:
    """The ledger and its transactions, newest first (the order every export uses)."""

    book: Book
    transactions: list[Transaction]


@pytest.fixture
def household(book: Book) -> Household:
    """Two members, three categories (one unused), five live transactions and a deleted one."""
    ana, bo = members.add_member(book, "Ana"), members.add_member(book, "Bo")
    categories.add_category(book, "Salary", "income", "#3cb44b")
    categories.add_category(book, "Unused", "expense", "#123456")
    added = [
        ledger.add_transaction(book, draft("Market", "12.50", on=date(2024, 5, 3),
                                           category="Food", member_id=ana.id)),
        ledger.add_transaction(book, draft("Pay", "2500", kind="income", on=date(2024, 5, 1),
                                           category="Salary", member_id=bo.id)),
        ledger.add_transaction(book, draft("=SUM(A1:A9)", "3.99", on=date(2024, 4, 30),
                                           notes="+1 line\nsecond line")),
        ledger.add_transaction(book, draft("-5 refund, \"quoted\"", "5", kind="income",
                                           on=date(2024, 4, 2), category="@risk")),
        ledger.add_transaction(book, draft("Café ☕", "0.01", on=date(2024, 4, 2),
                                           member_id=ana.id)),
    ]
    gone = ledger.add_transaction(book, draft("Deleted", "1", on=date(2024, 5, 2)))
    ledger.delete_transaction(book, gone.id)
    newest_first = sorted(added, key=lambda t: (t.occurred_on, t.created_at, t.id), reverse=True)
    return Household(book, [ledger.get_transaction(book, t.id) for t in newest_first])
