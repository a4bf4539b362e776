"""MT940 (and MT942) SWIFT statements, read line by line with a tolerant parser of our own.

The BSD `mt-940` library was tried on the real-world fixtures and not used: it signs "RC"
(reversal of a credit) as money in although the statements' balances show money out,
quietly turns 30 February into the 29th, gives no line numbers for the problems a user
must see, and needs the whole file as one string. This parser streams, keeps the line of
every :61:, and takes what banks really write: SWIFT blocks, bank header lines, no "-"
terminators, amounts without decimals, control characters, CRLF or LF, legacy code pages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import IO

from ourmoney.errors import N_, Message
from ourmoney.services.importing.formats import ReadOptions, register
from ourmoney.services.importing.mt940_details import describe
from ourmoney.services.importing.rows import ImportRow, RowProblem
from ourmoney.services.validation import FIRST_DAY, LAST_DAY

HEAD = 65536
ENCODINGS = ("cp1252", "cp1250", "iso8859_2", "cp852", "cp850")
PLACEHOLDERS = frozenset({"", "NONREF", "NOTPROVIDED", "NONE"})
CLOSING = frozenset({"62F", "62M", "64", "65", "90D", "90C"})
_FIELD = re.compile(r"^:(\d{2}[A-Z]?|NS):(.*)$")
_HEADER_TAG = re.compile(r"^:\d{3}:")
_END = re.compile(r"^-(\}.*|X*)\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STATEMENT_LINE = re.compile(r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>R?[CD])"
                             r"(?P<funds>[A-Z](?=[\d,]))?(?P<amount>[\d,]*)(?P<rest>.*)$")
_AMOUNT = re.compile(r"^\d{1,15}(,\d*)?$")
_TYPE = re.compile(r"^[A-Z][A-Z0-9 ]{3}")


@dataclass
class _Field:
    """One tag and its lines (the first after the tag, then the continuation lines)."""

    tag: str
    line: int
    lines: list[str]


@dataclass
class _Pending:
    """A :61: read, waiting for the :86: (or :NS:) that may follow it."""

    row: ImportRow
    supplement: str
    details: list[_Field] = field(default_factory=list)


@dataclass
class _State:
    account: str | None = None
    pending: _Pending | None = None
    statements: int = 0
    opened_at: int = 0
    entries: int = 0


@register("mt940")
def read(stream: IO[bytes], options: ReadOptions) -> Iterator[ImportRow | RowProblem]:
    """Read every :61: of every statement in an MT940 or MT942 file."""
    head = stream.read(HEAD)
    if not head.strip():
        yield RowProblem(0, Message(N_("This is not an MT940 file: it is empty.")))
        return
    if b"\x00" in head:
        yield RowProblem(0, Message(N_("This is not an MT940 file: it holds binary data.")))
        return
    encoding = _encoding(head)
    state = _State()
    for item in _fields(_lines(chain([head], iter(lambda: stream.read(HEAD), b"")), encoding)):
        yield from _take(state, item)
    yield from _flush(state)
    if not state.statements and not state.entries:
        yield RowProblem(0, Message(N_("This is not an MT940 file: it has no :20: statement and"
                                       " no :61: transaction.")))
    elif state.opened_at:
        yield RowProblem(state.opened_at, Message(N_("The file ends inside a statement (no"
                                                     " closing balance :62F:); it may be cut"
                                                     " short.")))


def _encoding(head: bytes) -> str:
    """UTF-8 when the bytes are UTF-8; else the legacy code page whose decoding reads best."""
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3 and error.reason == "unexpected end of data":
            return "utf-8-sig"
    return max(ENCODINGS, key=lambda name: (_readability(head, name), -ENCODINGS.index(name)))


def _readability(head: bytes, encoding: str) -> int:
    """Score a decoding: letters count for it, symbols, box drawing and controls against it."""
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError:
        return -len(head)
    score = 0
    for char in text:
        if ord(char) > 127:
            score += 1 if char.isalpha() else -2 if unicodedata.category(char)[0] in "SC" else 0
    return score


def _lines(chunks: Iterable[bytes], encoding: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) for CRLF, LF or CR lines, control characters removed."""
    number, rest = 0, b""
    for chunk in chain(chunks, [b"\n"]):
        rest += chunk
        *complete, rest = rest.split(b"\n")
        for raw in complete:
            for piece in raw.rstrip(b"\r").split(b"\r"):
                number += 1
                text = piece.decode(encoding, errors="replace")
                # ING writes U+00AD (a soft hyphen, invisible) where dates have hyphens.
                yield number, _CONTROL.sub("", text).replace("\u00ad", "-")


def _fields(lines: Iterator[tuple[int, str]]) -> Iterator[_Field | int]:
    """Group lines into fields; yield the line number of each end of message ("-")."""
    current: _Field | None = None
    for number, text in lines:
        if text.startswith("{"):
            text = text.split("{4:", 1)[1] if "{4:" in text else ""
        found = _FIELD.match(text)
        if found or _END.match(text) or _HEADER_TAG.match(text):
            if current:
                yield current
            current = _Field(found.group(1), number, [found.group(2)]) if found else None
            if _END.match(text):
                yield number
        elif current is not None:
            current.lines.append(text)
    if current:
        yield current


def _take(state: _State, item: _Field | int) -> Iterator[ImportRow | RowProblem]:
    """Apply one field to the state, yielding finished transactions and problems."""
    if isinstance(item, int):
        yield from _flush(state)
        return
    if item.tag in ("86", "NS") and state.pending:
        state.pending.details.append(item)
        return
    yield from _flush(state)
    if item.tag == "20":
        state.statements += 1
        state.opened_at = 0
    elif item.tag == "25":
        state.account = item.lines[0].strip() or None
    elif item.tag in ("60F", "60M"):
        state.opened_at = item.line
    elif item.tag in CLOSING:
        state.opened_at = 0
    elif item.tag == "61":
        state.entries += 1
        read_line = _statement_line(item, state.account)
        if isinstance(read_line, RowProblem):
            yield read_line
        else:
            state.pending = read_line


def _flush(state: _State) -> Iterator[ImportRow]:
    pending, state.pending = state.pending, None
    if pending is None:
        return
    description, notes = describe(pending.details, pending.supplement)
    yield replace(pending.row, description=description, notes=notes)


def _statement_line(item: _Field, account: str | None) -> _Pending | RowProblem:
    """Read a :61: line: dates, debit/credit mark, amount, type and references."""
    line, text = item.line, item.lines[0].strip()
    found = _STATEMENT_LINE.match(text)
    if not found:
        return RowProblem(line, Message(N_("Line %(line)d: the :61: line %(text)r is not date,"
                                           " debit/credit mark and amount."), line=line,
                                        text=text[:60]))
    written = found.group("amount")
    if not _AMOUNT.match(written):
        return RowProblem(line, Message(N_("Line %(line)d: the amount %(text)r is not a number."),
                                        line=line, text=written or found.group("rest")[:20]))
    value_date = _value_date(found.group("value"))
    if value_date is None:
        return RowProblem(line, Message(N_("Line %(line)d: the value date %(text)r is not a real"
                                           " date."), line=line, text=found.group("value")))
    booked = _entry_date(found.group("entry"), value_date) if found.group("entry") else value_date
    if booked is None:
        return RowProblem(line, Message(N_("Line %(line)d: the entry date %(text)r is not a real"
                                           " date."), line=line, text=found.group("entry")))
    amount = Decimal(written.replace(",", ".")) * _sign(found.group("mark"))
    reference = _reference(found.group("rest"))
    bank_id = f"{reference}/{value_date.isoformat()}/{amount:f}" if reference else None
    supplement = " ".join(" ".join(extra.split()) for extra in item.lines[1:] if extra.strip())
    return _Pending(ImportRow(line=line, occurred_on=booked, amount=amount, description="",
                              bank_id=bank_id, account=account), supplement)


def _sign(mark: str) -> int:
    # RC reverses a credit (money out), RD reverses a debit (money in).
    return 1 if mark in ("C", "RD") else -1


def _value_date(written: str) -> date | None:
    year = int(written[:2])
    return _real(1900 + year if year >= 80 else 2000 + year, written[2:])


def _entry_date(written: str, value_date: date) -> date | None:
    """The entry date has no year: take the one nearest the value date (December/January)."""
    candidates = [found for year in (value_date.year - 1, value_date.year, value_date.year + 1)
                  if (found := _real(year, written))]
    return min(candidates, key=lambda day: abs((day - value_date).days), default=None)


def _real(year: int, month_day: str) -> date | None:
    try:
        found = date(year, int(month_day[:2]), int(month_day[2:]))
    except ValueError:
        return None
    return found if FIRST_DAY <= found <= LAST_DAY else None


def _reference(rest: str) -> str:
    """Return the bank's reference (after //), else the customer's, skipping NONREF."""
    kind = _TYPE.match(rest)
    customer, _, bank = rest[kind.end() if kind else 0:].partition("//")
    for reference in (bank.strip(), customer.strip()):
        if len(reference) > 1 and reference.upper() not in PLACEHOLDERS:
            return reference
    return ""
