"""QIF (Quicken Interchange Format): the records of the Bank, Cash, CCard, Oth A/L and Invst
sections become rows; category, class, memorized and security lists are skipped.

Written here rather than taken from a library: quiffen (MIT) needs pydantic and dateutil,
reads the whole file, fails on its own test files (an Invst record without an amount) and
on mixed date separators, and guesses each date on its own instead of for the file;
qifparse is unmaintained since 2013. The file is read twice, line by line: once to choose
the day/month order from every date (qif_dates), once to build the rows; a stream that
cannot seek is first spooled to a temporary file, so memory stays flat.

Splits (S/E/$ lines): the transaction is imported once, with its total (T). Its category
is the L category, or, when L is empty, "--Split--" or a transfer, the first split's
category; every split is listed in the notes ("Splits: Food -5.00 (50%); ...").
Transfers (L[Account]) get no category and a note "Transfer: Account".
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from ourmoney.errors import N_, Message
from ourmoney.services.importing import qif_dates
from ourmoney.services.importing.formats import ReadOptions, register
from ourmoney.services.importing.ofx_source import read_head
from ourmoney.services.importing.rows import ImportRow, RowProblem

MAX_LINE = 64 * 1024
SPOOL = 8 * 1024 * 1024
TRANSACTIONS = frozenset({"bank", "cash", "ccard", "oth a", "oth l", "invst"})
LISTS = frozenset({"cat", "class", "memorized", "security", "prices", "budget", "template",
                   "invitem", "payee"})
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_BLANKS = re.compile(r"[\s\u00a0\u202f']")


@dataclass
class _Record:
    """The lines of one record (up to "^") in a transaction section."""

    line: int
    section: str
    fields: list[tuple[int, str, str]] = field(default_factory=list)
    ended: bool = False

    def first(self, code: str) -> tuple[int, str]:
        """Return the line and value of the first field with this code ("" when absent)."""
        for line, found, value in self.fields:
            if found == code:
                return line, value
        return self.line, ""


@dataclass(frozen=True)
class _Split:
    category: str
    memo: str
    amount: str


@register("qif")
def read(stream: IO[bytes], options: ReadOptions) -> Iterator[ImportRow | RowProblem]:
    """Read every transaction of a QIF file, its dates in the order the whole file uses."""
    source = stream if _seekable(stream) else _spooled(stream)
    try:
        yield from _read(source)
    finally:
        if source is not stream:
            source.close()


def _read(source: IO[bytes]) -> Iterator[ImportRow | RowProblem]:
    """Choose the date order in a first pass, build the rows in a second."""
    start = source.tell()
    problem = _not_qif(read_head(source, MAX_LINE))
    if problem:
        yield problem
        return
    source.seek(start)
    vote = qif_dates.OrderVote()
    for record in _records(source):
        if isinstance(record, _Record):
            vote.add(record.first("D")[1])
    source.seek(start)
    order = vote.choice()
    for record in _records(source):
        yield _row(record, order) if isinstance(record, _Record) else record


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def _spooled(stream: IO[bytes]) -> IO[bytes]:
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 - returned open
    shutil.copyfileobj(stream, copy)
    copy.seek(0)
    return copy


def _not_qif(head: bytes) -> RowProblem | None:
    """A problem for a file that is empty, binary or does not start with a QIF header."""
    if not head.strip(b"\r\n\t \xef\xbb\xbf"):
        return RowProblem(0, Message(N_("The file is empty.")))
    if b"\x00" in head:
        return RowProblem(0, Message(N_("This is not a QIF file: it holds binary data.")))
    for line in head.splitlines():
        text = line.strip(b"\t \xef\xbb\xbf")
        if text and not text.startswith(b"#"):
            if text.startswith(b"!"):
                return None
            break
    return RowProblem(0, Message(N_("This is not a QIF file: it does not start with a !Type"
                                    " or !Account header.")))


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, str | None]]:
    """Yield (line number, text) pairs; text is None for a line too long to be QIF."""
    number = 0
    while raw := stream.readline(MAX_LINE):
        number += 1
        if len(raw) == MAX_LINE and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        yield number, text.lstrip("\ufeff").rstrip("\r\n").replace("\x00", "")


def _records(stream: IO[bytes]) -> Iterator[_Record | RowProblem]:
    """Yield the records of transaction sections, and problems with the file's structure."""
    section, record = "", None
    for number, text in _lines(stream):
        if text is None:
            yield RowProblem(number, Message(N_("Line %(line)d is longer than %(limit)d"
                                                " characters."), line=number, limit=MAX_LINE))
            continue
        if not text.strip() or text.startswith("#"):
            continue
        if text.startswith("!"):
            if record is not None and record.fields:
                yield record
            record = None
            section, problem = _section(number, text, section)
            if problem:
                yield problem
        elif text.lstrip().startswith("^"):
            if record is not None and record.section in TRANSACTIONS and record.fields:
                record.ended = True
                yield record
            record = None
        else:
            record = record or _Record(number, section)
            field_text = text.lstrip()
            record.fields.append((number, field_text[0], field_text[1:].strip()))
    if record is not None and record.section in TRANSACTIONS and record.fields:
        yield record


def _section(number: int, header: str, current: str) -> tuple[str, RowProblem | None]:
    """The section a "!" line starts ("" to skip records), and a problem if it is unknown."""
    word = header[1:].strip().casefold()
    if word.startswith("type:"):
        kind = " ".join(word[5:].split())
        if kind in TRANSACTIONS:
            return kind, None
        if kind not in LISTS:
            return "", RowProblem(number, Message(
                N_("Section %(section)r is not one OurMoney can import; its records were"
                   " skipped."), section=header.strip()))
        return "", None
    if word == "account":
        return "", None
    return current, None  # !Option:AutoSwitch, !Clear:AutoSwitch


def _row(record: _Record, order: str) -> ImportRow | RowProblem:
    """Turn one record into a row, or a problem naming every bad value in it."""
    date_line, written = record.first("D")
    occurred_on = qif_dates.read(written, order) if written else None
    amount_line, total = record.first("T") if record.first("T")[1] else record.first("U")
    amount = _amount(total) if total else Decimal(0)
    if not total and not record.ended:
        return RowProblem(record.line, Message(N_("The file is cut short: it ends inside this"
                                                  " transaction (no amount and no ^ line).")))
    problems = []
    if occurred_on is None:
        problems.append((date_line, Message(N_("The date (D line) is missing.")) if not written
                         else Message(N_("Date %(text)r is not a valid date (this file's dates"
                                         " read as %(order)s)."), text=written[:40],
                                      order=qif_dates.NAMES[order])))
    if amount is None:
        problems.append((amount_line, Message(N_("Amount %(text)r is not a number."),
                                              text=total[:40])))
    if occurred_on is None or amount is None:
        return RowProblem(problems[0][0], Message.joined(" ", [text for _, text in problems]))
    description, notes, category = _texts(record)
    return ImportRow(line=record.line, occurred_on=occurred_on, amount=amount,
                     description=description, notes=notes, category=category)


def _amount(text: str) -> Decimal | None:
    """Read T/U: thousands commas (1,211.45), or a decimal comma (12,50 or 1.234,56)."""
    number = _BLANKS.sub("", text)
    if "," in number and "." in number and number.rfind(",") > number.rfind("."):
        number = number.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(number):
        number = number.replace(",", "")
    else:
        number = number.replace(",", ".")
    return Decimal(number) if _NUMBER.match(number) else None


def _texts(record: _Record) -> tuple[str, str, str | None]:
    """Description, notes and category of a record."""
    payee, memo = record.first("P")[1], record.first("M")[1]
    target = record.first("L")[1]
    transfer = target[1:-1].strip() if target.startswith("[") and target.endswith("]") else ""
    invest = record.section == "invst"
    action = " ".join(part for part in (record.first("N")[1], record.first("Y")[1]) if part)
    fallback = (f"Transfer: {transfer}" if transfer else "") or (action if invest else "")
    description = payee or memo or fallback
    notes = [memo] if payee and memo and memo.casefold() not in payee.casefold() else []
    if invest and action and action != description:
        notes.append(action)
    number = record.first("N")[1]
    if not invest and number and number not in f"{payee} {memo}":
        notes.append(f"Check {number}" if number.isdigit() else f"Number {number}")
    if transfer and fallback != description:
        notes.append(f"Transfer: {transfer}")
    splits = [] if invest else _splits(record)
    if splits:
        notes.append("Splits: " + "; ".join(_split_text(split) for split in splits))
    return description, " · ".join(notes), _category(target, splits)


def _splits(record: _Record) -> list[_Split]:
    found: list[_Split] = []
    category, memo, amount, started = "", "", "", False
    for _, code, value in record.fields:
        if code == "S":
            if started:
                found.append(_Split(category, memo, amount))
            category, memo, amount, started = value, "", "", True
        elif code == "E" and started:
            memo = value
        elif code == "$" and started:
            amount = value
    if started:
        found.append(_Split(category, memo, amount))
    return found


def _split_text(split: _Split) -> str:
    words = " ".join(part for part in (split.category, split.amount) if part)
    return f"{words} ({split.memo})" if split.memo else words


def _category(target: str, splits: list[_Split]) -> str | None:
    """The L category without its /class, else the first split's; None for transfers."""
    for name in [target, *(split.category for split in splits)]:
        plain = name.split("/", 1)[0].strip()
        if plain and not plain.startswith("[") and plain.casefold() != "--split--":
            return plain
    return None
