"""Budget against actual spending: per month what remains or was overspent, and warnings.

Spending is summed in SQL from the daily totals. A budget is the category's current monthly
amount, applied to every month of the period (budgets keep no history of past amounts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ourmoney.services.book import Book
from ourmoney.services.budgets import Budget, list_budgets
from ourmoney.services.reports.period import Period, current_month

NEAR, OVER = "near", "over"
NEAR_SHARE = Fraction(80, 100)


@dataclass(frozen=True)
class BudgetMonth:
    """One month of one budget: what was budgeted and what was spent (minor units)."""

    month: str
    budget: int
    spent: int

    @property
    def remaining(self) -> int:
        """Return what is left of the budget; negative is the overspend."""
        return self.budget - self.spent

    @property
    def over(self) -> bool:
        """Return whether more was spent than budgeted."""
        return self.spent > self.budget


@dataclass(frozen=True)
class BudgetLine:
    """A category's budget against its spending, month by month, over a period."""

    budget: Budget
    months: tuple[BudgetMonth, ...]

    @property
    def budgeted(self) -> int:
        """Return the budget of the whole period."""
        return sum(m.budget for m in self.months)

    @property
    def spent(self) -> int:
        """Return the spending of the whole period."""
        return sum(m.spent for m in self.months)

    @property
    def remaining(self) -> int:
        """Return what is left of the period's budget; negative is the overspend."""
        return self.budgeted - self.spent

    @property
    def months_over(self) -> int:
        """Return how many months went over budget."""
        return sum(1 for m in self.months if m.over)

    @property
    def share_over(self) -> Fraction:
        """Return the share of months over budget (0 to 1)."""
        return Fraction(self.months_over, len(self.months)) if self.months else Fraction(0)


@dataclass(frozen=True)
class BudgetWarning:
    """A budget this month's spending has used 80% or more of."""

    budget: Budget
    spent: int
    level: str  # NEAR (80% or more used) or OVER (more than the budget spent)

    @property
    def percent(self) -> int:
        """Return the whole percentage of the budget used (rounded down)."""
        return self.spent * 100 // self.budget.amount


def budget_lines(book: Book, period: Period, member_id: str | None = None) -> list[BudgetLine]:
    """Return every budget against the spending of each month of the period."""
    budgets = list_budgets(book)
    if not budgets:
        return []
    spent = _spent_by_month(book, period, member_id)
    return [BudgetLine(b, tuple(BudgetMonth(m, b.amount, spent[b.category_id].get(m, 0))
                                for m in period.months)) for b in budgets]


def warnings(book: Book, today: date) -> list[BudgetWarning]:
    """Return the budgets this month has used at least 80% of, the worst first."""
    found = []
    for line in budget_lines(book, current_month(today)):
        spent, amount = line.spent, line.budget.amount
        if spent > amount:
            found.append(BudgetWarning(line.budget, spent, OVER))
        elif Fraction(spent, amount) >= NEAR_SHARE:
            found.append(BudgetWarning(line.budget, spent, NEAR))
    return sorted(found, key=lambda w: (-Fraction(w.spent, w.budget.amount), w.budget.category))


def _spent_by_month(book: Book, period: Period,
                    member_id: str | None) -> dict[str, dict[str, int]]:
    """Return expense totals by category and month ("YYYY-MM") within the period."""
    sql = ("SELECT category_id, substr(day, 1, 7), sum(amount) FROM daily_total"
           " WHERE type = 'expense' AND day BETWEEN ? AND ?")
    params: list[str] = [period.start.isoformat(), period.end.isoformat()]
    if member_id is not None:
        sql += " AND member_id = ?"
        params.append(member_id)
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for category_id, month, amount in book.store.rows(sql + " GROUP BY 1, 2", params):
        found[category_id][month] = int(amount)
    return found
