"""JSON: OurMoney's own export and the original desktop app's array, streamed with ijson."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import ijson

from ourmoney.errors import OurMoneyError
from ourmoney.services.importing import json_banks
from ourmoney.services.importing.formats import ReadOptions, register
from ourmoney.services.importing.rows import CategoryRow, ImportRow, MemberRow, RowProblem
from ourmoney.services.validation import day

HEAD = 4096
OWN_LISTS = frozenset({"categories.item", "members.item", "transactions.item"})
Entry = ImportRow | CategoryRow | MemberRow | RowProblem


@register("json")
def read(stream: IO[bytes], options: ReadOptions) -> Iterator[Entry]:
    """Read any supported JSON file, choosing the shape from its first bytes."""
    head = stream.peek(HEAD)[:HEAD] if hasattr(stream, "peek") else b""
    start = head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1]
    try:
        if start == b"[":
            yield from _seed(stream)
        elif b'"format"' in head and b'"ourmoney"' in head:
            yield from _own(stream)
        elif start == b"{":
            yield from json_banks.read(stream)
        else:
            yield RowProblem(1, "This is not a JSON file.")
    except ijson.JSONError as error:
        yield RowProblem(0, f"The JSON is not valid or is cut short ({_short(error)}).")


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def _seed(stream: IO[bytes]) -> Iterator[Entry]:
    """The original app: [{"id","description","type":"income|outcome","price",...}]."""
    for index, item in enumerate(ijson.items(stream, "item", use_float=False), start=1):
        yield _guard(index, item, _seed_row)


def _own(stream: IO[bytes]) -> Iterator[Entry]:
    """OurMoney's export in one streamed pass: categories, members, then transactions."""
    counts: Counter[str] = Counter()
    for prefix, item in _items(ijson.parse(stream, use_float=False), OWN_LISTS):
        counts[prefix] += 1
        if prefix == "transactions.item":
            yield _guard(counts[prefix], item, _own_row)
        else:
            yield _guard(counts[prefix], item, _own_category if prefix == "categories.item"
                         else _own_member)


def _items(events: Iterator[tuple[str, str, Any]], prefixes: frozenset[str]
           ) -> Iterator[tuple[str, Any]]:
    """Build the objects found at any of `prefixes` from one stream of parser events."""
    builder, current = None, ""
    for prefix, event, value in events:
        if builder is None:
            if prefix in prefixes and event == "start_map":
                builder, current = ijson.ObjectBuilder(), prefix
                builder.event(event, value)
            continue
        builder.event(event, value)
        if prefix == current and event == "end_map":
            yield current, builder.value
            builder = None


def _own_category(index: int, item: dict[str, Any]) -> CategoryRow:
    return CategoryRow(_required(item, "id"), _required(item, "name"),
                       _kind(item.get("kind", "expense")), _text(item.get("color")) or None)


def _own_member(index: int, item: dict[str, Any]) -> MemberRow:
    return MemberRow(_required(item, "id"), _required(item, "name"))


def _required(item: dict[str, Any], name: str) -> str:
    value = _text(item.get(name)).strip()
    if not value:
        raise OurMoneyError(f"{name} is missing.")
    return value


def _guard(index: int, item: Any, build: Any) -> Entry:
    if not isinstance(item, dict):
        return RowProblem(index, f"Transaction {index} is not a JSON object.")
    try:
        row: Entry = build(index, item)
    except OurMoneyError as error:
        return RowProblem(index, f"Transaction {index}: {error.message}")
    return row


def _seed_row(index: int, item: dict[str, Any]) -> ImportRow:
    created = _timestamp(item.get("createdAt"), "createdAt")
    kind = _kind(item.get("type"))
    price = _number(item.get("price"), "price")
    return ImportRow(
        line=index, occurred_on=created.date(), amount=-abs(price) if kind == "expense"
        else abs(price), description=_text(item.get("description")), kind=kind,
        category=_text(item.get("category")) or None,
        member=_text(item.get("owner")) or _text(item.get("email")) or None,
        id=_text(item.get("id")) or None, created_at=_format(created))


def _own_row(index: int, item: dict[str, Any]) -> ImportRow:
    kind = _kind(item.get("type"))
    amount = _number(item.get("amount"), "amount")
    created = item.get("created_at")
    return ImportRow(
        line=index, occurred_on=_day(item.get("occurred_on")),
        amount=-abs(amount) if kind == "expense" else abs(amount),
        description=_text(item.get("description")), notes=_text(item.get("notes")), kind=kind,
        category=_text(item.get("category")) or None,
        category_id=_text(item.get("category_id")) or None,
        member=_text(item.get("member")) or None, member_id=_text(item.get("member_id")) or None,
        id=_text(item.get("id")) or None,
        created_at=_format(_timestamp(created, "created_at")) if created else None)


def _kind(value: Any) -> str:
    word = value.strip().lower() if isinstance(value, str) else ""
    if word in ("outcome", "expense"):
        return "expense"
    if word == "income":
        return "income"
    raise OurMoneyError(f"type must be income or expense, not {str(value)[:40]!r}.")


def _number(value: Any, name: str) -> Decimal:
    """Take a JSON number (exact: ijson gives its decimal text) or a numeric string."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise OurMoneyError(f"{name} must be a number.")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise OurMoneyError(f"{name} must be a number, not {str(value)[:40]!r}.") from None
    if not number.is_finite():
        raise OurMoneyError(f"{name} must be a finite number.")
    return number


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise OurMoneyError("a text field holds a list or an object.")


def _day(value: Any) -> date:
    return day(value)


def _timestamp(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise OurMoneyError(f"{name} must be a date and time such as 2025-01-20T14:03:11.123Z.")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise OurMoneyError(f"{name} {value[:40]!r} is not a date and time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    day(parsed.date())
    return parsed.astimezone(UTC)


def _format(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
