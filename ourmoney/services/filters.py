"""Which transactions a list, its totals or an export covers, read from query parameters."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from datetime import date

from ourmoney.errors import N_, InvalidInput, NotFound
from ourmoney.services import categories, members
from ourmoney.services.book import Book
from ourmoney.services.models import KINDS, Category, Member, TransactionFilter
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
        category_id=_known(book, args.get("category"), categories.resolve,
                           N_("That category does not exist."), "category"),
        member_id=_known(book, args.get("member"), members.resolve,
                         N_("That member does not exist."), "member"),
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


def _known(book: Book, given: str | None, find: Callable[[Book, str], Category | Member | None],
           message: str, field: str) -> str | None:
    """Return the id of the category or member a filter names, or refuse one that is unknown."""
    if not given:
        return None
    found = find(book, given)
    if found is None:
        raise NotFound(message, field=field)
    return found.id
