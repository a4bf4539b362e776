"""OFX, QFX and QBO statements (OFX 1.x SGML and 2.x XML): every STMTTRN becomes a row.

Written here rather than taken from a library: ofxtools is GPL; ofxparse (MIT) is not
maintained since 2021, loads the whole file into BeautifulSoup (and lxml), stops at the
first bad transaction instead of reporting each with its line, needs a FITID on every
transaction, and warns where the tests treat warnings as errors. This reader streams the
file through a small tokenizer (ofx_tokens), follows only the few aggregates that matter
(statements, the account they belong to, transactions and their payee) and reads each
value as UTF-8 when it is valid, else in the header's code page.

Dates are the calendar day the bank wrote (the time and the time zone, even a fractional
one such as [-3.5], are checked but never move the day: a statement shows the bank's day).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO

from ourmoney.errors import N_, Message
from ourmoney.services.importing import ofx_tokens
from ourmoney.services.importing.formats import ReadOptions, register
from ourmoney.services.importing.ofx_tokens import Token
from ourmoney.services.importing.rows import ImportRow, RowProblem

HEAD = 64 * 1024
MAX_VALUE = 32 * 1024
STATEMENTS = frozenset({"STMTRS", "CCSTMTRS", "INVSTMTRS"})
ACCOUNTS = frozenset({"BANKACCTFROM", "CCACCTFROM", "INVACCTFROM"})
NESTED = frozenset({"PAYEE", "BANKACCTTO", "CCACCTTO", "CURRENCY", "ORIGCURRENCY"})
# Ends that also end a transaction whose </STMTTRN> a sloppy bank left out.
CLOSERS = STATEMENTS | {"BANKTRANLIST", "INVTRANLIST", "INVBANKTRAN", "OFX"}
_DATETIME = re.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?(?:[.:]\d{1,6})?)?"
    r"\s*(?:\[\s*[+-]?\d{1,2}(?:[.:]\d{1,2})?\s*(?::[^\]]*)?\])?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


@dataclass
class _Transaction:
    """One STMTTRN being read: where it starts and the values found in it so far."""

    number: int
    line: int
    depth: int
    account: str | None
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class _State:
    """What the reader knows at the current token."""

    codec: str
    account: str | None = None
    open: list[str] = field(default_factory=list)
    transaction: _Transaction | None = None
    count: int = 0
    leaf: str = ""
    raw: bytearray = field(default_factory=bytearray)
    parts: list[str] = field(default_factory=list)
    seen_ofx: bool = False
    closed_ofx: bool = False
    statements: int = 0
    line: int = 1


@register("ofx")
def read(stream: IO[bytes], options: ReadOptions) -> Iterator[ImportRow | RowProblem]:
    """Read every transaction of every statement in an OFX/QFX/QBO file."""
    head = read_head(stream, HEAD)
    if not head.strip(b"\x00\r\n\t \xef\xbb\xbf"):
        yield RowProblem(0, Message(N_("The file is empty.")))
        return
    if b"<ofx" not in head.lower() and b"ofxheader" not in head.lower():
        yield RowProblem(0, Message(N_("This is not an OFX file: it has no OFX header and no <OFX>"
                                       " tag.")))
        return
    state = _State(ofx_tokens.fallback_codec(head))
    chunks = itertools.chain([head], iter(lambda: stream.read(ofx_tokens.CHUNK), b""))
    for token in ofx_tokens.tokens(chunks):
        state.line = token.line
        yield from _follow(state, token)
    yield from _ending(state)


def read_head(stream: IO[bytes], size: int) -> bytes:
    """Read the first `size` bytes (fewer only at the end), even from a stream that trickles."""
    head = b""
    while len(head) < size and (more := stream.read(size - len(head))):
        head += more
    return head


def _follow(state: _State, token: Token) -> Iterator[ImportRow | RowProblem]:
    """Update the state with one token; yield a row when a transaction ends."""
    if token.kind == "text":
        _collect(state, token)
        return
    _finish_leaf(state)
    if token.kind == "start":
        yield from _start(state, token)
    else:
        yield from _end(state, token.name)


def _start(state: _State, token: Token) -> Iterator[ImportRow | RowProblem]:
    name = token.name
    if name == "OFX":
        state.seen_ofx = True
    elif name in STATEMENTS:
        yield from _close_transaction(state)
        state.statements += 1
        state.account, state.open = None, []
    elif name == "STMTTRN":
        yield from _close_transaction(state)
        state.count += 1
        state.transaction = _Transaction(state.count, token.line, len(state.open), state.account)
    if name in ACCOUNTS or name in NESTED:
        state.open.append(name)
    elif name not in STATEMENTS and name != "STMTTRN":
        state.leaf = name


def _end(state: _State, name: str) -> Iterator[ImportRow | RowProblem]:
    if name == "STMTTRN" or name in CLOSERS:
        yield from _close_transaction(state)
    if name in STATEMENTS:
        state.account, state.open = None, []
    elif name == "OFX":
        state.closed_ofx = True
    elif name in state.open:
        del state.open[len(state.open) - 1 - state.open[::-1].index(name)]


def _collect(state: _State, token: Token) -> None:
    """Add a piece of text to the value of the leaf tag being read."""
    if not state.leaf or len(state.raw) + sum(map(len, state.parts)) > MAX_VALUE:
        return
    if token.literal:
        _flush(state)
        state.parts.append(ofx_tokens.decode(token.text, state.codec, literal=True))
    else:
        state.raw += token.text


def _flush(state: _State) -> None:
    if state.raw:
        state.parts.append(ofx_tokens.decode(bytes(state.raw), state.codec))
        state.raw.clear()


def _finish_leaf(state: _State) -> None:
    """Store the value of the leaf tag that the current tag ends (SGML leaves are not closed)."""
    if not state.leaf:
        return
    _flush(state)
    value = " ".join("".join(state.parts).split())
    name, state.leaf = state.leaf, ""
    state.parts.clear()
    context = state.open[-1] if state.open else ""
    transaction = state.transaction
    if name == "ACCTID" and context in ACCOUNTS:
        state.account = value or None
    elif transaction is not None and len(state.open) == transaction.depth:
        transaction.values.setdefault(name, value)
    elif transaction is not None and context == "PAYEE" and name == "NAME":
        transaction.values.setdefault("PAYEE", value)


def _close_transaction(state: _State) -> Iterator[ImportRow | RowProblem]:
    if state.transaction is not None:
        transaction, state.transaction = state.transaction, None
        yield _row(transaction)


def _ending(state: _State) -> Iterator[RowProblem]:
    """Problems only visible at the end: a cut-short file, or no OFX content at all."""
    if state.transaction is not None:
        yield RowProblem(state.transaction.line, Message(
            N_("Transaction %(number)s is cut short: the file ends before </STMTTRN>."),
            number=state.transaction.number))
    elif not state.seen_ofx:
        yield RowProblem(0, Message(N_("This is not an OFX file: it has no <OFX> tag.")))
    elif not state.closed_ofx:
        yield RowProblem(state.line, Message(N_("The file is cut short: it ends before </OFX>.")))
    elif not state.statements and not state.count:
        yield RowProblem(0, Message(N_("This OFX file holds no bank, credit-card or investment"
                                       " statement.")))


def _row(transaction: _Transaction) -> ImportRow | RowProblem:
    """Turn one STMTTRN into a row, or a problem naming every bad value in it."""
    values = transaction.values
    occurred_on, date_problem = _posted(values.get("DTPOSTED", ""))
    amount, amount_problem = _amount(values.get("TRNAMT", ""))
    problems = [p for p in (date_problem, amount_problem) if p]
    if occurred_on is None or amount is None:
        return RowProblem(transaction.line, Message(
            N_("Transaction %(number)s: %(problems)s."), number=transaction.number,
            problems=Message.joined("; ", problems)))
    description, notes = _texts(values)
    return ImportRow(line=transaction.line, occurred_on=occurred_on, amount=amount,
                     description=description, notes=notes,
                     bank_id=values.get("FITID") or None, account=transaction.account)


def _posted(text: str) -> tuple[date | None, str]:
    """Read DTPOSTED (YYYYMMDD[HHMM[SS[.XXX]]][[offset:zone]]) as the day it names."""
    if not text:
        return None, Message(N_("the date (DTPOSTED) is missing"))
    match = _DATETIME.match(text)
    if match:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            if 1900 <= year <= 2199 and hour < 24 and minute < 60 and second <= 60:
                return date(year, month, day), ""
        except ValueError:
            pass
    return None, Message(N_("date %(text)r is not a valid date"), text=text[:40])


def _amount(text: str) -> tuple[Decimal | None, str]:
    """Read TRNAMT: a point or a comma as the decimal mark, an explicit sign, zero padding."""
    if not text:
        return None, Message(N_("the amount (TRNAMT) is missing"))
    number = text.replace(" ", "")
    if "," in number and "." in number:
        mark = "," if number.rfind(",") > number.rfind(".") else "."
        number = number.replace("." if mark == "," else ",", "")
    number = number.replace(",", ".")
    if not _NUMBER.match(number):
        return None, Message(N_("amount %(text)r is not a number"), text=text[:40])
    return Decimal(number), ""


def _texts(values: dict[str, str]) -> tuple[str, str]:
    """Description: the payee (NAME), else the memo; notes: the memo and check number if new."""
    name = values.get("PAYEE") or values.get("NAME", "")
    memo = values.get("MEMO", "")
    notes = []
    if name and memo and not _within(memo, name):
        notes.append(memo)
    check = values.get("CHECKNUM", "")
    if check.strip("0") and not _within(check, f"{name} {memo}"):
        notes.append(f"Check {check}")
    return name or memo, " · ".join(notes)


def _within(part: str, whole: str) -> bool:
    return part.casefold() in whole.casefold()
