"""Read the page size from query strings and write services' values as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ourmoney.errors import N_, InvalidInput
from ourmoney.services.filters import FILTER_NAMES, selection_from
from ourmoney.services.models import Category, Member, Totals, Transaction

__all__ = ["FILTER_NAMES", "selection_from"]  # parsed in services; pages and API use them


def limit_from(args: Mapping[str, str], default: int) -> int:
    """Read the page size: a whole number from 1 to 500."""
    raw = args.get("limit", "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 500:
        raise InvalidInput(N_("Limit must be a whole number from 1 to 500."), field="limit")
    return int(raw)


def transaction_json(txn: Transaction) -> dict[str, Any]:
    """Return a transaction as the API shows it (amounts as decimal strings)."""
    return {"id": txn.id, "occurred_on": txn.occurred_on.isoformat(),
            "description": txn.description, "type": txn.type, "amount": str(txn.amount),
            "currency": txn.currency, "category": txn.category, "category_id": txn.category_id,
            "member": txn.member, "member_id": txn.member_id, "notes": txn.notes,
            "created_at": txn.created_at, "updated_at": txn.updated_at, "sync": txn.sync}


def totals_json(totals: Totals) -> dict[str, str]:
    """Return totals as decimal strings."""
    return {"income": str(totals.income), "expense": str(totals.expense),
            "balance": str(totals.balance)}


def category_json(category: Category) -> dict[str, Any]:
    """Return a category as the API shows it."""
    return {"id": category.id, "name": category.name, "kind": category.kind,
            "color": category.color}


def member_json(member: Member) -> dict[str, Any]:
    """Return a member as the API shows it."""
    return {"id": member.id, "name": member.name}
