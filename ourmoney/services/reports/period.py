"""Report periods: a month ("2025-06"), a quarter ("2025-Q2"), a year ("2025") or months from/to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ourmoney.errors import N_, InvalidInput

MONTH, QUARTER, YEAR, CUSTOM = "month", "quarter", "year", "custom"
MAX_MONTHS = 120  # ten years: longer reports are typos and would only draw noise
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class InvalidPeriod(InvalidInput):
    __doc__ = N_("Period must be a month (2025-06), a quarter (2025-Q2) or a year (2025).")


@dataclass(frozen=True)
class Period:
    """The whole months a report covers, first day to last day inclusive."""

    kind: str
    start: date
    end: date

    @property
    def key(self) -> str:
        """Return the period as a URL has it: "2025-06", "2025-Q2", "2025", "2025-01..2025-06"."""
        if self.kind == MONTH:
            return month_key(self.start)
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == YEAR:
            return str(self.start.year)
        return f"{month_key(self.start)}..{month_key(self.end)}"

    @property
    def months(self) -> tuple[str, ...]:
        """Return every month of the period as "YYYY-MM", in order."""
        found, current = [], self.start
        while current <= self.end:
            found.append(month_key(current))
            current = add_months(current, 1)
        return tuple(found)

    @property
    def days(self) -> int:
        """Return how many calendar days the period has."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """Return the period of the same length just before this one."""
        count = len(self.months)
        start = add_months(self.start, -count)
        return Period(self.kind, start, self.start - timedelta(days=1))


def month_key(day: date) -> str:
    """Return "YYYY-MM" for a date."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(day: date, count: int) -> date:
    """Return the first day of the month `count` months after `day`'s month."""
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    """Return the last day of `first`'s month."""
    return add_months(first, 1) - timedelta(days=1)


def current_month(today: date) -> Period:
    """Return the month `today` falls in: the dashboard's default period."""
    first = today.replace(day=1)
    return Period(MONTH, first, month_end(first))


def parse_period(text: object = None, *, date_from: object = None, date_to: object = None,
                 today: date) -> Period:
    """Read "2025-06", "2025-Q2", "2025" or from/to months; the current month if none."""
    if _blank(text) and _blank(date_from) and _blank(date_to):
        return current_month(today)
    if not _blank(text):
        if not (_blank(date_from) and _blank(date_to)):
            raise InvalidPeriod(N_("Give either a period or from/to months, not both."),
                                field="period")
        return _named(text)
    return between(date_from, date_to)


def between(date_from: object, date_to: object) -> Period:
    """Return the months from `date_from` to `date_to` ("2025-01", "2025-06"), both included."""
    first = _month(date_from, "from")
    last = _month(date_to, "to")
    if last < first:
        raise InvalidPeriod(N_("The last month must not be before the first."), field="to")
    period = Period(CUSTOM, first, month_end(last))
    if len(period.months) > MAX_MONTHS:
        raise InvalidPeriod(N_("A report covers at most %(count)s months."), field="to",
                            count=MAX_MONTHS)
    return period


def _named(text: object) -> Period:
    value = text.strip() if isinstance(text, str) else ""
    if found := _MONTH.match(value):
        first = _first_of(int(found[1]), int(found[2]), "period")
        return Period(MONTH, first, month_end(first))
    if found := _QUARTER.match(value):
        first = _first_of(int(found[1]), (int(found[2]) - 1) * 3 + 1, "period")
        return Period(QUARTER, first, month_end(add_months(first, 2)))
    if found := _YEAR.match(value):
        first = _first_of(int(found[1]), 1, "period")
        return Period(YEAR, first, date(first.year, 12, 31))
    if "-" in value and ".." in value:
        start, _, end = value.partition("..")
        return between(start, end)
    raise InvalidPeriod(field="period")


def _month(text: object, field: str) -> date:
    value = text.strip() if isinstance(text, str) else ""
    found = _MONTH.match(value)
    if not found:
        raise InvalidPeriod(N_("A month must be written YYYY-MM, such as 2025-06."), field=field)
    return _first_of(int(found[1]), int(found[2]), field)


def _first_of(year: int, month: int, field: str) -> date:
    if not 1900 <= year <= 9998 or not 1 <= month <= 12:
        raise InvalidPeriod(N_("There is no month %(year)s-%(month)s."), field=field,
                            year=f"{year:04d}", month=f"{month:02d}")
    return date(year, month, 1)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
