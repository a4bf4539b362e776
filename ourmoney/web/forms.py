"""Read filters from query strings and write services' values as JSON."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from ourmoney.errors import N_, InvalidInput, NotFound
from ourmoney.services import categories, members
from ourmoney.services.book import Book
from ourmoney.services.models import KINDS, Category, Member, Totals, Transaction, TransactionFilter
from ourmoney.services.validation import day, text

FILTER_NAMES = ("q", "type", "category", "member", "month", "from", "to", "status")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


def selection_from(args: Mapping[str, str], book: Book) -> TransactionFilter:
    """Build a filter from query parameters, refusing values that cannot match anything sane."""
    kind = args.get("type") or None
    if kind and kind not in KINDS:
        raise InvalidInput(N_("Type must be income or expense."), field="type")
    status = args.get("status") or None
    if status and status not in ("pending", "synced"):
        raise InvalidInput(N_("Status must be pending or synced."), field="status")
    date_from, date_to = _period(args)
    return TransactionFilter(
        q=text(args.get("q", ""), "q", limit=200), type=kind,
        category_id=_category(book, args.get("category", "")),
        member_id=_member(book, args.get("member", "")),
        date_from=date_from, date_to=date_to, status=status)


def _period(args: Mapping[str, str]) -> tuple[date | None, date | None]:
    month = args.get("month", "")
    if month:
        match = _MONTH.match(month)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise InvalidInput(N_("Month must be written YYYY-MM."), field="month")
        year, number = int(match.group(1)), int(match.group(2))
        first = day(f"{year:04d}-{number:02d}-01", "month")
        return first, first.replace(day=calendar.monthrange(year, number)[1])
    date_from = day(args["from"], "from") if args.get("from") else None
    date_to = day(args["to"], "to") if args.get("to") else None
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(N_("The start date is after the end date."), field="from")
    return date_from, date_to


def _category(book: Book, given: str) -> str | None:
    if not given:
        return None
    found = categories.resolve(book, given)
    if found is None:
        raise NotFound(N_("That category does not exist."), field="category")
    return found.id


def _member(book: Book, given: str) -> str | None:
    if not given:
        return None
    found = members.resolve(book, given)
    if found is None:
        raise NotFound(N_("That member does not exist."), field="member")
    return found.id


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
