"""JSON: OurMoney's own export and the original desktop app's array, streamed with ijson."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any, cast

import ijson

from ourmoney.errors import N_, Message, OurMoneyError
from ourmoney.services.importing import json_banks
from ourmoney.services.importing.formats import ReadOptions, register
from ourmoney.services.importing.rows import (
    CategoryRow,
    ImportRow,
    MemberRow,
    RowProblem,
    exact_number,
    guard,
)
from ourmoney.services.validation import day

HEAD = 4096
BOM = b"\xef\xbb\xbf"
OWN_LISTS = {"categories.item": N_("Category"), "members.item": N_("Member"),
             "transactions.item": N_("Transaction")}
Entry = ImportRow | CategoryRow | MemberRow | RowProblem
Build = Callable[[int, dict[str, Any]], Entry]
# A bare NaN/Infinity (Python's json writes them) is not JSON: quoted, it reaches the row check.
_BARE = re.compile(rb'\\.|"|-?Infinity|NaN', re.DOTALL)
_ESCAPED_QUOTE = re.compile(rb'(\\+)"')
_STORED = re.compile(r"\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z")


@dataclass
class Position:
    """How many records of the file have been read, for the message when the JSON breaks."""

    records: int = 0


@register("json")
def read(stream: IO[bytes], options: ReadOptions) -> Iterator[Entry]:
    """Read any supported JSON file, choosing the shape from its first bytes."""
    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(cast(Any, stream))
    head = buffered.peek(HEAD)[:HEAD]
    if head.startswith(BOM):
        buffered.read(len(BOM))
        head = head[len(BOM):]
    position = Position()
    try:
        yield from _entries(buffered, head, position)
    except ijson.JSONError as error:
        yield RowProblem(position.records + 1, Message(N_(
            "The JSON is not valid or is cut short here; nothing after this point can be read"
            " (%(error)s)."), error=_short(error)))


def _entries(stream: IO[bytes], head: bytes, position: Position) -> Iterator[Entry]:
    """Read the file as the shape its first bytes show."""
    start = head.lstrip(b" \r\n\t")[:1]
    if not start:
        yield RowProblem(0, Message(N_("The file is empty.")))
    elif start == b"[":
        yield from _seed(QuotedNonFinite(stream), position)
    elif b'"format"' in head and b'"ourmoney"' in head:
        yield from _own(QuotedNonFinite(stream), position)
    elif start == b"{":
        yield from json_banks.read(stream)
    else:
        yield RowProblem(0, Message(N_("This is not a JSON file.")))


class QuotedNonFinite:
    """Pass JSON bytes through, quoting bare NaN and Infinity tokens outside strings."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.held, self.in_string = raw, b"", False

    def read(self, size: int = -1) -> bytes:
        """Return the next bytes up to a comma, so no token or escape is cut in two."""
        if size == 0:
            return b""
        while True:
            more = self.raw.read(size)
            data, self.held = self.held + more, b""
            cut = data.rfind(b",") + 1 if more else len(data)
            part, self.held = data[:cut], data[cut:]
            if part or not more:
                return self._scan(part)

    def _scan(self, part: bytes) -> bytes:
        if b"NaN" in part or b"Infinity" in part:
            return self._quote(part)
        escaped = sum(len(m.group(1)) % 2 for m in _ESCAPED_QUOTE.finditer(part)) \
            if b'\\"' in part else 0
        self.in_string ^= bool((part.count(b'"') - escaped) % 2)
        return part

    def _quote(self, part: bytes) -> bytes:
        pieces, start = [], 0
        for match in _BARE.finditer(part):
            token = match.group()
            if token == b'"':
                self.in_string = not self.in_string
            elif token[:1] != b"\\" and not self.in_string:
                pieces += [part[start:match.start()], b'"', token, b'"']
                start = match.end()
        return b"".join([*pieces, part[start:]])


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def _seed(stream: IO[bytes] | QuotedNonFinite, position: Position) -> Iterator[Entry]:
    """The original app: [{"id","description","type":"income|outcome","price",...}]."""
    for index, item in enumerate(ijson.items(stream, "item", use_float=False), start=1):
        position.records = index
        yield guard(N_("Transaction"), index, item, _seed_row)


def _own(stream: IO[bytes] | QuotedNonFinite, position: Position) -> Iterator[Entry]:
    """OurMoney's export in one streamed pass: categories, members, then transactions."""
    counts: Counter[str] = Counter()
    builders: dict[str, Build] = {"categories.item": _own_category,
                                  "members.item": _own_member, "transactions.item": _own_row}
    for prefix, item in _items(ijson.parse(stream, use_float=False), frozenset(OWN_LISTS)):
        counts[prefix] += 1
        position.records = counts[prefix]
        yield guard(OWN_LISTS[prefix], counts[prefix], item, builders[prefix])


def _items(events: Iterator[tuple[str, str, Any]], prefixes: frozenset[str]
           ) -> Iterator[tuple[str, Any]]:
    """Build the objects found at any of `prefixes` from one stream of parser events."""
    builder, current = None, ""
    for prefix, event, value in events:
        if builder is None:
            if prefix in prefixes and event in ("start_map", "start_array", "string", "number",
                                                "boolean", "null"):
                if event != "start_map":  # not an object: let the guard name the record
                    yield prefix, value
                    continue
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
        raise OurMoneyError(N_("%(name)s is missing."), name=name)
    return value




def _seed_row(index: int, item: dict[str, Any]) -> ImportRow:
    occurred_on, created_at = _moment(item.get("createdAt"), "createdAt")
    kind = _kind(item.get("type"))
    price = exact_number(item.get("price"), "price")
    return ImportRow(
        line=index, occurred_on=occurred_on, amount=-abs(price) if kind == "expense"
        else abs(price), description=_text(item.get("description")), kind=kind,
        category=_text(item.get("category")) or None,
        member=_text(item.get("owner")).strip() or _text(item.get("email")).strip() or None,
        id=_text(item.get("id")) or None, created_at=created_at)


def _own_row(index: int, item: dict[str, Any]) -> ImportRow:
    kind = _kind(item.get("type"))
    amount = exact_number(item.get("amount"), "amount")
    created = item.get("created_at")
    return ImportRow(
        line=index, occurred_on=day(item.get("occurred_on")),
        amount=-abs(amount) if kind == "expense" else abs(amount),
        description=_text(item.get("description")), notes=_text(item.get("notes")), kind=kind,
        category=_text(item.get("category")) or None,
        category_id=_text(item.get("category_id")) or None,
        member=_text(item.get("member")) or None, member_id=_text(item.get("member_id")) or None,
        id=_text(item.get("id")) or None, own=True,
        created_at=_moment(created, "created_at")[1] if created else None)


def _kind(value: Any) -> str:
    word = value.strip().lower() if isinstance(value, str) else ""
    if word in ("outcome", "expense"):
        return "expense"
    if word == "income":
        return "income"
    raise OurMoneyError(N_("type must be income or outcome, not %(value)r."),
                        value=str(value)[:40])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise OurMoneyError(N_("a text field holds a list, an object or true/false."))


def _moment(value: Any, name: str) -> tuple[date, str]:
    """Return the date written in a timestamp and the moment as created_at (UTC, ms, Z)."""
    if isinstance(value, str) and _STORED.fullmatch(value):  # the usual form: no parsing
        written = _calendar_day(value[:10])
        if written is not None:  # else an impossible date: the full parse below says so
            try:
                return day(written), value
            except OurMoneyError as error:
                raise OurMoneyError(N_("%(name)s: %(problem)s"), name=name,
                                    problem=error.message) from None
    moment = _timestamp(value, name)
    return moment.date(), _utc(moment)


@lru_cache(maxsize=4096)
def _calendar_day(text: str) -> date | None:
    """Return the date a YYYY-MM-DD text names, or None (remembered: rows share days)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _timestamp(value: Any, name: str) -> datetime:
    """Parse an ISO date and time; the date stays the one written (its own time zone)."""
    if not isinstance(value, str):
        raise OurMoneyError(
            N_("%(name)s must be a date and time such as 2025-01-20T14:03:11.123Z."), name=name)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise OurMoneyError(N_("%(name)s %(value)r is not a date and time."), name=name,
                            value=value[:40]) from None
    try:
        day(parsed.date())
    except OurMoneyError as error:
        raise OurMoneyError(N_("%(name)s: %(problem)s"), name=name,
                            problem=error.message) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _utc(moment: datetime) -> str:
    """Write a moment as the ledger stores created_at: UTC, milliseconds, Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

