"""Build a report: sums from the daily totals, rows from the transactions, then insights."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ourmoney.money import from_minor
from ourmoney.services.book import Book
from ourmoney.services.household import preferences
from ourmoney.services.models import EXPENSE, INCOME
from ourmoney.services.reports import queries
from ourmoney.services.reports.insights import insights_of
from ourmoney.services.reports.model import (
    UNCATEGORISED_COLOR,
    BalancePoint,
    CategoryChange,
    CategoryRef,
    CategoryTotal,
    CategoryTrend,
    HeatMap,
    LargeTransaction,
    MonthFlow,
    PayeeTotal,
    Recurring,
    Report,
    Summary,
    UnusualMonth,
    ratio,
)
from ourmoney.services.reports.period import MONTH, Period, add_months, month_key

HISTORY = 6  # months before a month that "unusual" compares it with
MIN_HISTORY = 3  # fewer known months than this say nothing about what is usual
MIN_RECURRING = 3  # months an expense must repeat in to count as recurring

REMEMBERED_REPORTS = 16
_REMEMBERED: OrderedDict[tuple[Any, ...], Report] = OrderedDict()
_REMEMBERED_LOCK = threading.Lock()
# (month, type, category_id) -> (amount in minor units, count)
Flows = dict[tuple[str, str, str], tuple[int, int]]


class _Context:
    """What the parts of one report share: the book, the scope and how to make values."""

    def __init__(self, book: Book, period: Period, member_id: str | None, until: date) -> None:
        self.book, self.period, self.member_id, self.until = book, period, member_id, until
        self.precision = preferences(book).precision
        self.names = queries.categories(book)

    def money(self, minor: int) -> Decimal:
        return from_minor(minor, self.precision)

    def ref(self, category_id: str) -> CategoryRef:
        name, color = self.names.get(category_id, (None, UNCATEGORISED_COLOR))
        if not category_id:
            name = None
        return CategoryRef(category_id, name, color)


def build_report(book: Book, period: Period, member_id: str | None = None,
                 today: date | None = None) -> Report:
    """Return the report of `period`, for one member when `member_id` is given.

    With `today` inside the period, the days and months still to come are left out of the
    average daily spending and of the month-over-month change (December has not "fallen
    100%" in November). Remembered until the ledger changes (every write appends to the
    change log, so its highest seq is the ledger's version), so moving between periods and
    pages is instant.
    """
    until = elapsed_end(period, today)
    version = (str(book.store.path), period, member_id, until, preferences(book).currency,
               book.store.value("SELECT max(seq) FROM change"))
    with _REMEMBERED_LOCK:
        if version in _REMEMBERED:
            _REMEMBERED.move_to_end(version)
            return _REMEMBERED[version]
    report = _build(book, period, member_id, until)
    with _REMEMBERED_LOCK:
        _REMEMBERED[version] = report
        while len(_REMEMBERED) > REMEMBERED_REPORTS:
            _REMEMBERED.popitem(last=False)
    return report


def elapsed_end(period: Period, today: date | None) -> date:
    """Return the last day of the period that has begun: `today` when it falls inside."""
    if today is None or not period.start <= today < period.end:
        return period.end
    return today


def _build(book: Book, period: Period, member_id: str | None, until: date) -> Report:
    ctx = _Context(book, period, member_id, until)
    history = add_months(period.start, -HISTORY)
    flows: Flows = {(m, kind, c): (a, n) for m, kind, c, a, n in
                    queries.monthly(book, history, period.end, member_id)}
    current = {key: value for key, value in flows.items() if key[0] >= month_key(period.start)}
    spending = _by_category(ctx, current, EXPENSE)
    payees, recurring = _by_description(ctx)
    report = Report(
        period=period, member_id=member_id, currency=preferences(book).currency,
        precision=ctx.precision, months=period.months, summary=_summary(ctx, current),
        spending=spending, earning=_by_category(ctx, current, INCOME),
        monthly=_monthly(ctx, current), balance=_balance(ctx, current),
        trends=_trends(ctx, current, spending), heatmap=_heatmap(ctx, spending),
        payees=payees, largest=_largest(ctx), recurring=recurring,
        unusual=_unusual(ctx, flows), changes=_changes(ctx, flows))
    return dataclasses.replace(report, insights=insights_of(report))


def _summary(ctx: _Context, flows: Flows) -> Summary:
    income = sum(a for (_, kind, _), (a, _) in flows.items() if kind == INCOME)
    expense = sum(a for (_, kind, _), (a, _) in flows.items() if kind == EXPENSE)
    count = sum(n for a, n in flows.values())
    return Summary(ctx.money(income), ctx.money(expense), count,
                   (ctx.until - ctx.period.start).days + 1)


def _by_category(ctx: _Context, flows: Flows, kind: str) -> tuple[CategoryTotal, ...]:
    amounts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_, row_kind, category_id), (amount, count) in flows.items():
        if row_kind == kind:
            amounts[category_id][0] += amount
            amounts[category_id][1] += count
    total = sum(a for a, _ in amounts.values())
    ordered = sorted(amounts.items(), key=lambda item: (-item[1][0], _sort_name(ctx, item[0])))
    return tuple(CategoryTotal(ctx.ref(c), ctx.money(a), n,
                               ratio(Decimal(a), Decimal(total)) or Decimal(0))
                 for c, (a, n) in ordered)


def _sort_name(ctx: _Context, category_id: str) -> str:
    return (ctx.ref(category_id).name or "\uffff").casefold()


def _monthly(ctx: _Context, flows: Flows) -> tuple[MonthFlow, ...]:
    per: dict[tuple[str, str], int] = defaultdict(int)
    for (month, kind, _), (amount, _) in flows.items():
        per[month, kind] += amount
    return tuple(MonthFlow(m, ctx.money(per[m, INCOME]), ctx.money(per[m, EXPENSE]))
                 for m in ctx.period.months)


def _balance(ctx: _Context, flows: Flows) -> tuple[BalancePoint, ...]:
    """Return the running balance at the end of each day (a month) or each month (longer)."""
    period = ctx.period
    if period.kind == MONTH:
        by_day = dict(queries.daily_balance(ctx.book, period.start, period.end, ctx.member_id))
        days = [period.start + timedelta(days=n) for n in range(period.days)]
        steps: Iterable[tuple[str, date, int]] = (
            (d.isoformat(), d, by_day.get(d.isoformat(), 0)) for d in days)
    else:
        net = {m.month: 0 for m in _monthly(ctx, flows)}
        for (month, kind, _), (amount, _) in flows.items():
            net[month] += amount if kind == INCOME else -amount
        steps = ((m, add_months(date.fromisoformat(m + "-01"), 1) - timedelta(days=1), net[m])
                 for m in period.months)
    points, running = [], 0
    for label, on, change in steps:
        running += change
        points.append(BalancePoint(label, on, ctx.money(running)))
    return tuple(points)


def _trends(ctx: _Context, flows: Flows,
            spending: tuple[CategoryTotal, ...]) -> tuple[CategoryTrend, ...]:
    return tuple(CategoryTrend(item.category, tuple(
        ctx.money(flows.get((m, EXPENSE, item.category.id), (0, 0))[0])
        for m in ctx.period.months)) for item in spending)


def _heatmap(ctx: _Context, spending: tuple[CategoryTotal, ...]) -> HeatMap:
    by = "week" if ctx.period.kind == MONTH else "weekday"
    rows = tuple(range(1, 6)) if by == "week" else tuple(range(7))
    cells = {(r, c): a for r, c, a in
             queries.heat(ctx.book, ctx.period.start, ctx.period.end, ctx.member_id, by)}
    columns = tuple(item.category for item in spending)
    return HeatMap(by, rows, columns, tuple(
        tuple(ctx.money(cells.get((r, c.id), 0)) for c in columns) for r in rows))


def _largest(ctx: _Context) -> tuple[LargeTransaction, ...]:
    found = queries.largest(ctx.book, ctx.period.start, ctx.period.end, ctx.member_id)
    return tuple(LargeTransaction(i, date.fromisoformat(d), text, ctx.money(a), ctx.ref(c), m)
                 for i, d, text, a, c, m in found)


def _by_description(ctx: _Context) -> tuple[tuple[PayeeTotal, ...], tuple[Recurring, ...]]:
    """Return the top payees (case folded) and the recurring expenses from one pass.

    Recurring: the same description with the same amount every time, as many times as the
    months from its first to its last (at least MIN_RECURRING), so once a month. The window
    reaches back MIN_RECURRING months from the period's end, so a one-month report can tell.
    """
    period = ctx.period
    window = min(period.start, add_months(period.end.replace(day=1), 1 - MIN_RECURRING))
    rows = queries.descriptions(ctx.book, window, period.start, period.end, ctx.member_id)
    return _payees(ctx, rows), _recurring(ctx, rows)


def _payees(ctx: _Context, rows: list[tuple[str, int, int, int, int, int, str, str, str]],
            ) -> tuple[PayeeTotal, ...]:
    folded: dict[str, list[Any]] = {}
    for description, amount, count, *_ in sorted(rows):
        if count:
            entry = folded.setdefault(description.casefold(), [description, 0, 0])
            entry[1] += amount
            entry[2] += count
    ordered = sorted(folded.values(), key=lambda e: (-e[1], e[0].casefold(), e[0]))
    return tuple(PayeeTotal(d, ctx.money(a), n) for d, a, n in ordered[:queries.TOP])


def _recurring(ctx: _Context, rows: list[tuple[str, int, int, int, int, int, str, str, str]],
               ) -> tuple[Recurring, ...]:
    found = []
    for description, _, _, count, low, high, first, last, category_id in rows:
        span = _months_between(first, last)
        if low == high and count == span >= MIN_RECURRING:
            found.append(Recurring(description, ctx.money(low), count, ctx.ref(category_id)))
    found.sort(key=lambda r: (-r.amount, r.description.casefold(), r.description))
    return tuple(found[:queries.TOP])


def _months_between(first: str, last: str) -> int:
    """Return how many months "YYYY-MM" to "YYYY-MM" touch, both included (days may follow)."""
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1


def _unusual(ctx: _Context, flows: Flows) -> tuple[UnusualMonth, ...]:
    """Find months where a category beat its previous-6-months mean + 2 population sigma."""
    first = queries.first_day(ctx.book, ctx.member_id)
    if first is None:
        return ()
    found = []
    for month in ctx.period.months:
        earlier = [m for m in (_shift(month, -k) for k in range(HISTORY, 0, -1))
                   if m >= first[:7]]
        if len(earlier) < MIN_HISTORY:
            continue
        for category_id in sorted({c for (m, kind, c) in flows if m == month and kind == EXPENSE}):
            amount = flows[month, EXPENSE, category_id][0]
            past = [flows.get((m, EXPENSE, category_id), (0, 0))[0] for m in earlier]
            mean, threshold = _threshold(past)
            if mean and amount > threshold:  # a category never seen before is new, not unusual
                found.append(UnusualMonth(month, ctx.ref(category_id), ctx.money(amount),
                                          _minor_decimal(ctx, mean),
                                          _minor_decimal(ctx, threshold)))
    return tuple(found)


def _threshold(past: list[int]) -> tuple[Decimal, Decimal]:
    """Return the mean and mean + 2 sigma (population) of minor-unit amounts, exactly."""
    mean = Decimal(sum(past)) / len(past)
    variance = sum((Decimal(x) - mean) ** 2 for x in past) / Decimal(len(past))
    return mean, mean + 2 * variance.sqrt()


def _minor_decimal(ctx: _Context, minor: Decimal) -> Decimal:
    return minor.scaleb(-ctx.precision).quantize(Decimal(1).scaleb(-ctx.precision))


def _changes(ctx: _Context, flows: Flows) -> tuple[CategoryChange, ...]:
    """Compare each category's expense in the period's last begun month with the month before."""
    last = month_key(ctx.until)
    before = _shift(last, -1)
    categories = {c for (m, kind, c) in flows if kind == EXPENSE and m in (last, before)}
    changes = [CategoryChange(ctx.ref(c), last,
                              ctx.money(flows.get((last, EXPENSE, c), (0, 0))[0]),
                              ctx.money(flows.get((before, EXPENSE, c), (0, 0))[0]))
               for c in categories]
    return tuple(sorted(changes, key=lambda x: (-abs(x.amount - x.before),
                                                (x.category.name or "").casefold(),
                                                x.category.id)))


def _shift(month: str, count: int) -> str:
    return month_key(add_months(date.fromisoformat(month + "-01"), count))
