"""Read one table cell as a date or an amount, the way banks write them.

Written here rather than taken from a library: dateutil guesses day/month order per value
(we decide it once for the whole column), and no number library accepts the mix banks use
(decimal comma, grouping dots or spaces, currency symbols or codes on either side,
parentheses or a trailing minus for negatives) while refusing NaN, infinities and exponents.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ourmoney.errors import N_, Message, Term
from ourmoney.money import MAX_AMOUNT
from ourmoney.services.validation import FIRST_DAY, LAST_DAY

Cell = str | int | float | Decimal | date | None

# Every date format a column can be read with, in the order preferred when several fit.
DATE_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y:%m:%d", "%Y%m%d",
    "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%d/%m/%y", "%d-%m-%y",
    "%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y", "%m-%d-%y",
    "%d %b %Y", "%d-%b-%Y", "%d %b %y", "%d-%b-%y", "%d %B %Y", "%d%b%Y",
    "%b %d, %Y", "%b %d %Y", "%B %d, %Y", "%B %d %Y",
)
_TIME = r"(?:[ T]+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[.,:]\d{1,9})?(?:\s*[AaPp]\.?[Mm]\.?)?" \
        r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?)?"
_DATE_SHAPE = re.compile(
    r"\s*(\d{4}[-./:]\d{1,2}[-./:]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|\d{8}"
    r"|\d{1,2}[ -]?[A-Za-z]{3,9}\.?[ -]?\d{2,4}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4})"
    + _TIME + r"\s*", re.ASCII)
_DIRECTIVES = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"\d{1,2}",
               "%b": r"[A-Za-z]{3}\.?", "%B": r"[A-Za-z]{4,9}"}
_SHOWN = {"%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%b": "Mon", "%B": "Month"}
_MARKS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\ufeff"
_SPACES = " \u00a0\u202f\u2009\u2007'’"
_DIGITS = re.compile(r"(?:(?<![^\W\d_])[.,](?=\d))?\d(?:[\d.,\s'’]*\d)?")
LOCAL_UNITS = frozenset({"kr", "zł", "zl", "kč", "kc", "ft", "rs", "lei", "lt", "ls", "din",
                         "fr", "sfr", "lv", "kn", "eur", "usd", "gbp", "chf", "dkk", "sek",
                         "nok", "pln", "czk", "huf", "ron", "bgn"})
MAX_DIGITS = 30
NOT_A_NUMBER = N_("The %(what)s %(text)r is not a number.")


# The words a cell's message names it by, so the catalog translates them with the message.
CELL_NAMES = (N_("date"), N_("amount"), N_("debit"), N_("credit"), N_("fee"))


class CellError(ValueError):
    """A cell that cannot be read as what the mapping says it is: a message template and values."""

    def __init__(self, template: str, **values: Any) -> None:
        super().__init__(Message(template, **values))

    @property
    def message(self) -> Message:
        """Return the message shown to the user (English text that pages translate)."""
        found: Message = self.args[0]
        return found


def cell_text(cell: Cell) -> str:
    """Return a cell as the text a person sees (dates as YYYY-MM-DD)."""
    if isinstance(cell, str):
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() \
            else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float):
        return repr(cell) if not cell.is_integer() else str(int(cell))
    return str(cell).strip()


def shown(date_format: str) -> str:
    """Return a date format as people write it, e.g. DD.MM.YYYY."""
    for directive, text in _SHOWN.items():
        date_format = date_format.replace(directive, text)
    return date_format


def date_shaped(cell: Cell) -> bool:
    """Return True when the cell looks like a date in any supported way."""
    if isinstance(cell, date):
        return True
    return isinstance(cell, str) and _DATE_SHAPE.fullmatch(cell) is not None


def _date_part(text: str) -> str:
    match = _DATE_SHAPE.fullmatch(text)
    return match.group(1) if match else text.strip()


def _strptime(text: str, date_format: str) -> date | None:
    """Read a date with a format (a regex per format: strptime is 20x slower and locale-bound)."""
    found = _PATTERNS[date_format].fullmatch(text)
    if not found:
        return None
    parts = found.groupdict()
    year = int(parts["Y"]) if parts.get("Y") else _century(int(parts["y"]))
    month = int(parts["m"]) if parts.get("m") else _month(parts.get("b") or parts["B"])
    try:
        parsed = date(year, month, int(parts["d"]))
    except ValueError:
        return None
    return parsed if FIRST_DAY <= parsed <= LAST_DAY else None


def _month(name: str) -> int:
    folded = name.casefold().rstrip(".")
    number = _MONTHS.get(folded[:3], 0)
    return number if len(folded) == 3 or folded in _FULL_MONTHS else 0


def _century(year: int) -> int:
    return year + (1900 if year >= 69 else 2000)  # as strptime's %y


def _compiled(date_format: str) -> re.Pattern[str]:
    compact = not re.search(r"%\w[^%\w]+%", date_format) and "%b" not in date_format
    widths = {"%m": r"\d{2}", "%d": r"\d{2}"} if compact else {}
    pattern, position = "", 0
    while position < len(date_format):
        directive = date_format[position:position + 2]
        if directive in _DIRECTIVES:
            body = widths.get(directive, _DIRECTIVES[directive])
            pattern += f"(?P<{directive[1]}>{body})"
            position += 2
        else:
            pattern, position = pattern + re.escape(date_format[position]), position + 1
    return re.compile(pattern, re.ASCII | re.IGNORECASE)


_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_FULL_MONTHS = {"january", "february", "march", "april", "june", "july", "august", "sept",
                "september", "october", "november", "december"}
_PATTERNS = {date_format: _compiled(date_format) for date_format in DATE_FORMATS}


def formats_of(text: str, among: Iterable[str] = DATE_FORMATS) -> list[str]:
    """Return every supported format (of `among`) that reads this text as a real date."""
    if not _DATE_SHAPE.fullmatch(text):
        return []
    part = _date_part(text)
    return [f for f in among if _strptime(part, f) is not None]


def count_formats(values: Iterable[Cell], counts: Counter[str] | None = None,
                  among: Iterable[str] = DATE_FORMATS) -> Counter[str]:
    """Count, per date format, how many of the text values it reads."""
    counts = Counter() if counts is None else counts
    for value in values:
        if isinstance(value, str) and value.strip():
            counts.update(formats_of(value, among))
    return counts


def count_down(cells: Iterable[Cell], formats: list[str]) -> Counter[str]:
    """Count `formats` down a whole column, stopping once one of them reads more values."""
    counts: Counter[str] = Counter({f: 0 for f in formats})
    for cell in cells:
        count_formats([cell], counts, formats)
        top = sorted(counts.values(), reverse=True)
        if len(top) > 1 and top[0] > top[1]:
            break
    return counts


def best_formats(counts: Counter[str]) -> list[str]:
    """Return the formats that read the most values, in order of preference."""
    if not counts:
        return []
    top = max(counts.values())
    return [f for f in DATE_FORMATS if counts[f] == top]


def parse_date(cell: Cell, date_format: str | None) -> date:
    """Read a date cell with the column's format (or any one format that fits, when None)."""
    if isinstance(cell, datetime):
        return _in_range(cell.date(), cell_text(cell))
    if isinstance(cell, date):
        return _in_range(cell, cell.isoformat())
    text = cell_text(cell)
    if not text:
        raise CellError(N_("The date is missing."))
    if date_format is None:
        found = {day for f in formats_of(text)
                 if (day := _strptime(_date_part(text), f)) is not None}
        if len(found) == 1:
            return found.pop()
        if found:
            raise CellError(N_("Date %(text)r could be read more than one way; choose its format."),
                            text=text)
        raise CellError(N_("%(text)r is not a date."), text=text)
    part = _date_part(text)
    pattern = _PATTERNS.get(date_format) or _compiled(date_format)
    _PATTERNS.setdefault(date_format, pattern)
    parsed = _strptime(part, date_format)
    if parsed is not None:
        return parsed
    if pattern.fullmatch(part):
        raise CellError(N_("Date %(text)r is not in the calendar."), text=text)
    raise CellError(N_("Date %(text)r is not written %(format)s."), text=text,
                    format=shown(date_format))


def _in_range(day: date, text: str) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CellError(N_("Date %(text)r is not in the calendar."), text=text)
    return day


def decimal_votes(values: Iterable[Cell]) -> Counter[str]:
    """Count which mark ("." or ",") the text amounts use for decimals, where they tell."""
    votes: Counter[str] = Counter()
    for value in values:
        if isinstance(value, str):
            mark = _decimal_hint(value)
            if mark:
                votes[mark] += 1
    return votes


def _decimal_hint(text: str) -> str | None:
    match = _DIGITS.search(_strip_marks(text))
    if not match:
        return None
    digits = re.sub(f"[{_SPACES}\\s]", "", match.group())
    marks = [c for c in digits if c in ".,"]
    if not marks:
        return None
    if len(set(marks)) == 2:
        return marks[-1]
    if len(marks) > 1:
        return "," if marks[0] == "." else "."
    whole, _, fraction = digits.partition(marks[0])
    if len(fraction) != 3 or whole in ("", "0") or len(whole) > 3:
        return marks[0]
    return None


def _strip_marks(text: str) -> str:
    return text.translate({ord(c): None for c in _MARKS}).strip()


def parse_amount(cell: Cell, decimal: str, what: str = "amount") -> Decimal:
    """Read an amount cell: numbers as they are, text with the column's decimal mark."""
    if isinstance(cell, bool):
        raise CellError(NOT_A_NUMBER, what=Term(what), text=cell_text(cell))
    if isinstance(cell, int | Decimal):
        return _sane(Decimal(cell), cell_text(cell), what)
    if isinstance(cell, float):
        return _sane(Decimal(repr(cell)), repr(cell), what)
    text = cell_text(cell)
    if not text:
        raise CellError(N_("The %(what)s is missing."), what=Term(what))
    return _sane(_parse_text(text, decimal, what), text, what)


def amount_or_none(cell: Cell, decimal: str, what: str) -> Decimal | None:
    """Read an amount cell that may be empty (a debit or credit column)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    return parse_amount(cell, decimal, what)


def is_number(cell: Cell) -> bool:
    """Return True when the cell reads as an amount with either decimal mark."""
    if isinstance(cell, bool | date):
        return False
    for mark in ".,":
        try:
            parse_amount(cell, mark)
            return True
        except CellError:
            continue
    return False


def _sane(value: Decimal, text: str, what: str) -> Decimal:
    if not value.is_finite():
        raise CellError(NOT_A_NUMBER, what=Term(what), text=text)
    if abs(value) > MAX_AMOUNT:
        raise CellError(N_("The %(what)s %(text)r is too large."), what=Term(what), text=text)
    return value


def _parse_text(text: str, decimal: str, what: str) -> Decimal:
    """Find the number in the text; anything around it may only be a sign or a currency."""
    cleaned = text.strip() if text.isascii() else _strip_marks(
        unicodedata.normalize("NFKC", text)).replace("\u2212", "-")
    match = _DIGITS.search(cleaned)
    if not match or len(match.group()) > MAX_DIGITS:
        raise CellError(NOT_A_NUMBER, what=Term(what), text=text)
    before, after = cleaned[:match.start()], cleaned[match.end():]
    negative = _sign(before, after)
    if negative is None:
        raise CellError(NOT_A_NUMBER, what=Term(what), text=text)
    number = _digits(match.group(), decimal)
    if number is None:
        raise CellError(N_("The %(what)s %(text)r is not a number written with %(decimal)r"
                           " for decimals."), what=Term(what), text=text, decimal=decimal)
    return -number if negative else number


def _sign(before: str, after: str) -> bool | None:
    """Return whether the affixes make the number negative; None when they are not allowed."""
    left, right = before.strip(), after.strip()
    negative = "(" in left and right.endswith(")")
    if negative:
        left, right = left.replace("(", "", 1), right[:-1]
    signs = [c for c in left + right if c in "+-"]
    if len(signs) > 1 or (negative and signs):
        return None
    left, right = left.replace(signs[0], "") if signs else left, \
        right.replace(signs[0], "") if signs else right
    if not (_currency(left) and _currency(right)):
        return None
    return negative or signs == ["-"]


def _currency(text: str) -> bool:
    """Return True when the text beside a number is only currency: $, EUR, kr, د.ا. and such."""
    for part in text.split():
        bare = "".join(c for c in part if unicodedata.category(c) != "Sc").strip(".")
        if not bare or re.fullmatch(r"[A-Z]{3}", bare) or bare.casefold() in LOCAL_UNITS:
            continue
        if len(bare) > 6 or not all(c == "." or (c.isalpha() and not _latin(c)) for c in bare):
            return False
    return True


def _latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def _digits(span: str, decimal: str) -> Decimal | None:
    """Turn "1.234,56" (decimal ",") or "1 234.56" (decimal ".") into a Decimal."""
    grouping = "," if decimal == "." else "."
    if span.count(decimal) > 1:
        return None
    whole, _, fraction = span.partition(decimal)
    groups = re.split(r"[\s'’" + re.escape(grouping) + "]", whole)
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3
                                and all(len(group) == 3 for group in groups[1:])):
        return None
    whole = "".join(groups)
    if (whole and not whole.isdigit()) or (fraction and not fraction.isdigit()):
        return None
    try:
        return Decimal(f"{whole or '0'}.{fraction}" if fraction else whole)
    except InvalidOperation:
        return None
