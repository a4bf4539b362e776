"""QIF dates: one day/month/year order chosen from the whole file, then each date read in it.

QIF dates come as 12/19/18, 6/24/2024, 22/12/2017, 1/ 5'04, 2024-9-2, 24.9.4 ... with any
of / - . ' as separators, even mixed in one file. The order is decided once for the file:
the order under which the most dates exist; among those, the one whose dates lie closest
together in file order (a statement moves day by day, not month by month); then, as
Quicken writes it, month/day/year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

ORDERS = ("mdy", "dmy", "ymd")
NAMES = {"mdy": "month/day/year", "dmy": "day/month/year", "ymd": "year/month/day"}
_PARTS = re.compile(r"^(\d{1,4})\s*[-/.']\s*(\d{1,2})\s*[-/.']\s*(\d{1,4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parts(text: str) -> tuple[str, str, str] | None:
    """Split a date into its three numbers (as written), or None when it is no date at all."""
    match = _PARTS.match(text.strip()) or _COMPACT.match(text.strip())
    return (match.group(1), match.group(2), match.group(3)) if match else None


def read(text: str, order: str) -> date | None:
    """Return the date `text` names in `order`, or None when it names none."""
    found = parts(text)
    if found is None:
        return None
    first, second, third = found
    if order == "ymd":
        if len(first) not in (2, 4) or len(third) > 2:
            return None
        year, month, day = first, second, third
    elif len(first) > 2 or len(third) == 3:
        return None
    else:
        month, day = (first, second) if order == "mdy" else (second, first)
        year = third
    return _valid(_century(year), int(month), int(day))


def _century(year: str) -> int:
    """Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999."""
    number = int(year)
    if len(year) > 2:
        return number
    return 2000 + number if number < 70 else 1900 + number


def _valid(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2199:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass
class OrderVote:
    """Evidence for each order, gathered one date at a time in file order."""

    valid: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ORDERS, 0))
    spread: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ORDERS, 0))
    previous: dict[str, date | None] = field(default_factory=lambda: dict.fromkeys(ORDERS))

    def add(self, text: str) -> None:
        """Count one date of the file under every order."""
        for order in ORDERS:
            day = read(text, order)
            if day is None:
                continue
            last = self.previous[order]
            self.valid[order] += 1
            self.spread[order] += abs((day - last).days) if last else 0
            self.previous[order] = day

    def choice(self) -> str:
        """The order most dates exist in, then the tightest, then month/day/year."""
        return min(ORDERS, key=lambda order: (-self.valid[order], self.spread[order],
                                              ORDERS.index(order)))
