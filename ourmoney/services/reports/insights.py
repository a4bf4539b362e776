"""Insights: plain sentences with numbers, kept as translatable templates and typed values.

Each sentence is an ourmoney.errors.Message (an `N_` template and its values). Values are
typed so they can be formatted for the reader's locale when shown (`render`): Money is an
amount in the household currency, Share a fraction shown as a percentage, MonthName a
"YYYY-MM" month, Day an ISO date, Term a fixed word translated with the sentence; anything
else (category names, descriptions: user text) is shown as it is — escape it in HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_percent

from ourmoney.errors import N_, Message, Term
from ourmoney.services.reports.model import CategoryRef, Insight, Report, UnusualMonth

TOP_CATEGORIES = 3
TOP_CHANGES = 3
TOP_UNUSUAL = 3  # the most unusual; the report's `unusual` lists every one


class Money(Decimal):
    """An amount in the household currency, formatted with Babel when shown."""

    __slots__ = ()


class Share(Decimal):
    """A fraction (0.25) shown as a percentage (25 %)."""

    __slots__ = ()


class MonthName(str):
    """A "YYYY-MM" month, shown as its name and year."""

    __slots__ = ()


class Day(str):
    """An ISO date, shown in the reader's date format."""

    __slots__ = ()


def render(insight: Insight, gettext: Callable[[str], str], locale: str, currency: str) -> str:
    """Return the insight as plain text in the reader's language and number formats."""
    message = insight.message
    shown = {name: _shown(value, gettext, locale, currency)
             for name, value in message.values.items()}
    try:
        return gettext(message.template) % shown
    except (KeyError, ValueError, TypeError):  # a broken translation: English beats a crash
        return message.template % shown


def _shown(value: Any, gettext: Callable[[str], str], locale: str, currency: str) -> Any:
    if isinstance(value, Money):
        return str(format_currency(Decimal(value), currency, locale=locale))
    if isinstance(value, Share):
        return str(format_percent(Decimal(value), "#,##0.#%", locale=locale))
    if isinstance(value, MonthName):
        return str(format_date(date.fromisoformat(value + "-01"), "LLLL yyyy", locale=locale))
    if isinstance(value, Day):
        return str(format_date(date.fromisoformat(value), "medium", locale=locale))
    if isinstance(value, Term):
        return gettext(value)
    return value


def category_name(category: CategoryRef) -> str:
    """Return the category's name, or the translatable word for uncategorised."""
    return category.name if category.name is not None else Term(N_("Uncategorised"))


def insights_of(report: Report) -> tuple[Insight, ...]:
    """Return the report's sentences, most telling first; none for an empty period."""
    if report.is_empty:
        return ()
    return (*_top_categories(report), *_savings(report), *_daily(report), *_changes(report),
            *_unusual(report), *_largest(report), *_recurring(report))


def _top_categories(report: Report) -> list[Insight]:
    return [Insight("top_category", Message(
        N_("%(category)s took %(share)s of spending: %(amount)s."),
        category=category_name(item.category), share=Share(item.share),
        amount=Money(item.amount))) for item in report.spending[:TOP_CATEGORIES]]


def _savings(report: Report) -> list[Insight]:
    summary = report.summary
    if summary.savings_rate is None:
        if not summary.expense:
            return []
        return [Insight("savings_rate", Message(
            N_("There was no income in this period; spending was %(expense)s."),
            expense=Money(summary.expense)))]
    if summary.balance < 0:
        return [Insight("savings_rate", Message(
            N_("Spending was %(over)s more than income (%(income)s in, %(expense)s out)."),
            over=Money(-summary.balance), income=Money(summary.income),
            expense=Money(summary.expense)))]
    return [Insight("savings_rate", Message(
        N_("The savings rate was %(rate)s: %(balance)s of %(income)s income kept."),
        rate=Share(summary.savings_rate), balance=Money(summary.balance),
        income=Money(summary.income)))]


def _daily(report: Report) -> list[Insight]:
    if not report.summary.expense:
        return []
    return [Insight("daily_spending", Message(
        N_("Average daily spending was %(amount)s over %(days)s days."),
        amount=Money(report.summary.daily_spending), days=report.summary.days))]


def _changes(report: Report) -> list[Insight]:
    found = []
    for item in report.changes[:TOP_CHANGES]:
        change = item.change
        if change is None:
            continue
        template = (N_("%(category)s rose %(change)s in %(month)s: %(amount)s against %(before)s"
                       " the month before.") if change > 0 else
                    N_("%(category)s fell %(change)s in %(month)s: %(amount)s against %(before)s"
                       " the month before."))
        found.append(Insight("month_change", Message(
            template, category=category_name(item.category), change=Share(abs(change)),
            month=MonthName(item.month), amount=Money(item.amount), before=Money(item.before))))
    return found


def _unusual(report: Report) -> list[Insight]:
    return [Insight("unusual_month", Message(
        N_("%(category)s was unusually high in %(month)s: %(amount)s against an average of"
           " %(mean)s over the six months before."),
        category=category_name(item.category), month=MonthName(item.month),
        amount=Money(item.amount), mean=Money(item.mean)))
        for item in sorted(report.unusual, key=_how_unusual)[:TOP_UNUSUAL]]


def _how_unusual(item: UnusualMonth) -> tuple[Decimal, str, str]:
    """Sort key: the furthest above its threshold (as a multiple) first."""
    times = item.amount / item.threshold if item.threshold else Decimal("Infinity")
    return -times, item.month, item.category.id


def _largest(report: Report) -> list[Insight]:
    return [Insight("largest", Message(
        N_("The largest expense was %(description)s: %(amount)s on %(day)s."),
        description=item.description, amount=Money(item.amount),
        day=Day(item.occurred_on.isoformat()))) for item in report.largest[:1]]


def _recurring(report: Report) -> list[Insight]:
    return [Insight("recurring", Message(
        N_("%(description)s looks recurring: %(amount)s a month, seen in %(months)s months."),
        description=item.description, amount=Money(item.amount), months=item.months))
        for item in report.recurring[:TOP_CHANGES]]
