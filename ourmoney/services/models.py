"""The values services take and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

INCOME, EXPENSE = "income", "expense"
KINDS = (INCOME, EXPENSE)


@dataclass(frozen=True)
class Category:
    """A spending or income category."""

    id: str
    name: str
    kind: str
    color: str
    count: int = 0


@dataclass(frozen=True)
class Member:
    """A person in the household."""

    id: str
    name: str
    count: int = 0


@dataclass(frozen=True)
class TransactionDraft:
    """What a person enters to record a transaction."""

    occurred_on: date
    description: str
    type: str
    amount: Decimal
    category: str | None = None
    member_id: str | None = None
    notes: str = ""


@dataclass(frozen=True)
class Transaction:
    """A recorded income or expense."""

    id: str
    occurred_on: date
    description: str
    type: str
    amount: Decimal
    currency: str
    category_id: str | None
    category: str | None
    category_color: str | None
    member_id: str | None
    member: str | None
    notes: str
    created_at: str
    updated_at: str
    pending: bool
    deleted: bool = False

    @property
    def sync(self) -> str:
        """Return "pending" until a peer has acknowledged the latest local change, else "synced"."""
        return "pending" if self.pending else "synced"


@dataclass(frozen=True)
class TransactionFilter:
    """Which transactions a list, its totals or an export covers."""

    q: str = ""
    type: str | None = None
    category_id: str | None = None
    member_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None

    @property
    def is_empty(self) -> bool:
        """Return True when nothing narrows the list."""
        return self == TransactionFilter()


@dataclass(frozen=True)
class Totals:
    """Income, expense and their balance for a filter."""

    income: Decimal
    expense: Decimal
    count: int

    @property
    def balance(self) -> Decimal:
        """Return income minus expense."""
        return self.income - self.expense


@dataclass(frozen=True)
class Page:
    """One page of a list and the cursor for the next, if any."""

    items: list[Transaction] = field(default_factory=list)
    next_cursor: str | None = None
