"""What a report holds: frozen dataclasses of exact amounts (Decimal, never float).

Amounts are in the household currency (`Report.currency`). Shares and rates are Decimal
fractions rounded half-even to four places (0.2512 is 25.12 %), or None when undefined
(a savings rate with no income). Category names are what people typed: escape them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ourmoney.errors import Message
from ourmoney.services.reports.period import Period

UNCATEGORISED_COLOR = "#9e9e9e"


@dataclass(frozen=True)
class CategoryRef:
    """A category as a report shows it; `id` is "" and `name` None for uncategorised rows."""

    id: str
    name: str | None
    color: str


@dataclass(frozen=True)
class Summary:
    """Income, expense, their balance and the share of income kept."""

    income: Decimal
    expense: Decimal
    count: int
    days: int

    @property
    def balance(self) -> Decimal:
        """Return income minus expense."""
        return self.income - self.expense

    @property
    def savings_rate(self) -> Decimal | None:
        """Return balance / income as a fraction (4 places), None without income."""
        return ratio(self.balance, self.income)

    @property
    def daily_spending(self) -> Decimal:
        """Return the average expense per calendar day of the period, to the cent."""
        return (self.expense / self.days).quantize(self.expense) if self.days else self.expense


@dataclass(frozen=True)
class CategoryTotal:
    """What one category adds up to in the period and its share of the kind's total."""

    category: CategoryRef
    amount: Decimal
    count: int
    share: Decimal


@dataclass(frozen=True)
class MonthFlow:
    """Income and expense of one month ("YYYY-MM")."""

    month: str
    income: Decimal
    expense: Decimal

    @property
    def balance(self) -> Decimal:
        """Return income minus expense."""
        return self.income - self.expense


@dataclass(frozen=True)
class BalancePoint:
    """The running balance (income minus expense since the period began) at the end of a step."""

    label: str
    on: date
    balance: Decimal


@dataclass(frozen=True)
class CategoryTrend:
    """A category's expense in each month of the period (aligned with `Report.months`)."""

    category: CategoryRef
    amounts: tuple[Decimal, ...]


@dataclass(frozen=True)
class HeatMap:
    """Expense by row (week of month 1-5, or weekday 0=Monday..6) and category.

    `cells[r][c]` is the amount of `rows[r]` and `categories[c]`.
    """

    by: str  # "week" (week of month) or "weekday"
    rows: tuple[int, ...]
    categories: tuple[CategoryRef, ...]
    cells: tuple[tuple[Decimal, ...], ...]


@dataclass(frozen=True)
class PayeeTotal:
    """Expense grouped by description (as first written), largest first."""

    description: str
    amount: Decimal
    count: int


@dataclass(frozen=True)
class LargeTransaction:
    """One of the largest expenses of the period."""

    id: str
    occurred_on: date
    description: str
    amount: Decimal
    category: CategoryRef
    member: str | None


@dataclass(frozen=True)
class Recurring:
    """An expense with the same description and amount in several months."""

    description: str
    amount: Decimal
    months: int
    category: CategoryRef


@dataclass(frozen=True)
class UnusualMonth:
    """A month whose spending on a category was above its previous-6-months mean + 2 sigma."""

    month: str
    category: CategoryRef
    amount: Decimal
    mean: Decimal
    threshold: Decimal


@dataclass(frozen=True)
class CategoryChange:
    """A category's expense in the last month of the period against the month before."""

    category: CategoryRef
    month: str
    amount: Decimal
    before: Decimal

    @property
    def change(self) -> Decimal | None:
        """Return (amount - before) / before as a fraction (4 places), None if before is 0."""
        return ratio(self.amount - self.before, self.before)


@dataclass(frozen=True)
class Insight:
    """A plain sentence with numbers: a translatable template and its values.

    `message` is an ourmoney.errors.Message whose values may be Money, Share or MonthName
    (ourmoney.services.reports.insights); show it with insights.render(...).
    """

    kind: str
    message: Message


@dataclass(frozen=True)
class Report:
    """Everything the dashboard, the print page and the API show for a period."""

    period: Period
    member_id: str | None
    currency: str
    precision: int
    months: tuple[str, ...]
    summary: Summary
    spending: tuple[CategoryTotal, ...]
    earning: tuple[CategoryTotal, ...]
    monthly: tuple[MonthFlow, ...]
    balance: tuple[BalancePoint, ...]
    trends: tuple[CategoryTrend, ...]
    heatmap: HeatMap
    payees: tuple[PayeeTotal, ...]
    largest: tuple[LargeTransaction, ...]
    recurring: tuple[Recurring, ...]
    unusual: tuple[UnusualMonth, ...]
    changes: tuple[CategoryChange, ...]
    insights: tuple[Insight, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """Return True when no transaction falls in the period."""
        return self.summary.count == 0


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """Return part / whole rounded half-even to 4 places, None when whole is zero."""
    if not whole:
        return None
    return (part / whole).quantize(Decimal("0.0001"))
