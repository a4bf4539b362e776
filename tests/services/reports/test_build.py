"""build_report on a hand-built ledger: every number against one computed here, exactly."""

from __future__ import annotations

import statistics
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from ourmoney.services import ledger
from ourmoney.services.book import Book
from ourmoney.services.reports import build_report, parse_period, render
from tests.services.reports.ledger import DELETED, build, rows_between, total
from tests.support.books import draft

TODAY = date(2025, 7, 1)
Q2 = (date(2025, 4, 1), date(2025, 6, 30))
CENT = Decimal("0.01")


def four(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


@pytest.fixture
def ids(book: Book) -> dict[str, str]:
    return build(book)


def test_totals_and_savings_rate(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-Q2", today=TODAY))
    rows = rows_between(*Q2)
    income, expense = total(rows, "income"), total(rows, "expense")
    assert (report.summary.income, report.summary.expense) == (Decimal("6000.00"),
                                                               Decimal("3110.00"))
    assert (income, expense) == (report.summary.income, report.summary.expense)
    assert report.summary.balance == income - expense == Decimal("2890.00")
    assert report.summary.savings_rate == four((income - expense) / income) == Decimal("0.4817")
    assert report.summary.count == len(rows) == 11  # the deleted sofa never counts
    assert report.summary.daily_spending == (expense / 91).quantize(CENT) == Decimal("34.18")
    assert DELETED[1] not in {t.description for t in report.largest}


def test_spending_by_category_with_shares(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-Q2", today=TODAY))
    rows = rows_between(*Q2)
    expense = total(rows, "expense")
    expected = sorted(((total(rows, "expense", c), c) for c in ("Housing", "Groceries", None)),
                      reverse=True, key=lambda x: x[0])
    assert [(s.category.name, s.amount, s.share, s.count) for s in report.spending] == [
        (c, a, four(a / expense), sum(1 for r in rows if r[2] == "expense" and r[4] == c))
        for a, c in expected]
    assert [(s.category.name, s.amount, s.share) for s in report.spending] == [
        ("Housing", Decimal("2400.00"), Decimal("0.7717")),
        ("Groceries", Decimal("700.00"), Decimal("0.2251")),
        (None, Decimal("10.00"), Decimal("0.0032"))]
    assert report.spending[2].category.id == ""
    assert [(e.category.name, e.amount, e.share) for e in report.earning] == [
        ("Salary", Decimal("6000.00"), Decimal("1.0000"))]


def test_months_balance_and_trends(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-Q2", today=TODAY))
    months = [(date(2025, m, 1), date(2025, m, d)) for m, d in ((4, 30), (5, 31), (6, 30))]
    assert report.months == ("2025-04", "2025-05", "2025-06")
    assert [(m.month, m.income, m.expense) for m in report.monthly] == [
        (f"2025-{first.month:02d}", total(rows_between(first, last), "income"),
         total(rows_between(first, last), "expense")) for first, last in months]
    running, expected = Decimal("0.00"), []
    for first, last in months:
        rows = rows_between(first, last)
        running += total(rows, "income") - total(rows, "expense")
        expected.append((last, running))
    assert [(p.on, p.balance) for p in report.balance] == expected
    assert [p.balance for p in report.balance] == [Decimal("1100.00"), Decimal("2100.00"),
                                                   Decimal("2890.00")]
    assert [(t.category.name, t.amounts) for t in report.trends] == [
        (c, tuple(total(rows_between(f, last), "expense", c) for f, last in months))
        for c in ("Housing", "Groceries", None)]


def test_month_balance_is_daily(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-06", today=TODAY))
    assert len(report.balance) == 30 and report.balance[0].on == date(2025, 6, 1)
    by_day = {}
    running = Decimal("0.00")
    for day in range(1, 31):
        rows = rows_between(date(2025, 6, day), date(2025, 6, day))
        running += total(rows, "income") - total(rows, "expense")
        by_day[date(2025, 6, day)] = running
    assert {p.on: p.balance for p in report.balance} == by_day
    assert report.heatmap.by == "week" and report.heatmap.rows == (1, 2, 3, 4, 5)


def test_heat_map_by_weekday(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-Q2", today=TODAY))
    grid = report.heatmap
    assert grid.by == "weekday" and grid.rows == tuple(range(7))
    for c, category in enumerate(grid.categories):
        for weekday in range(7):
            expected = sum((r[3] for r in rows_between(*Q2) if r[2] == "expense"
                            and r[4] == category.name and r[0].weekday() == weekday),
                           Decimal("0.00"))
            assert grid.cells[weekday][c] == expected
    assert sum(sum(row) for row in grid.cells) == Decimal("3110.00")


def test_payees_largest_and_recurring(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-Q2", today=TODAY))
    assert [(p.description, p.amount, p.count) for p in report.payees] == [
        ("Rent", Decimal("2400.00"), 3), ("Shop", Decimal("549.75"), 3),
        ("Market", Decimal("150.25"), 1), ("Cash", Decimal("10.00"), 1)]
    expenses = sorted((r for r in rows_between(*Q2) if r[2] == "expense"),
                      key=lambda r: (-r[3], r[0]))
    assert [(t.occurred_on, t.description, t.amount) for t in report.largest] == [
        (r[0], r[1], r[3]) for r in expenses]
    assert report.largest[0].member == "Rui" and report.largest[0].category.name == "Housing"
    assert [(r.description, r.amount, r.months, r.category.name) for r in report.recurring] == [
        ("Rent", Decimal("800.00"), 3, "Housing")]


def test_unusual_months_and_changes(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-Q2", today=TODAY))
    expected = []
    for month in (5, 6):  # April has only three known months before it, all 100.00
        past = [total(rows_between(date(2025, m, 1), date(2025, m, 28)), "expense", "Groceries")
                for m in range(1, month)]
        mean = statistics.mean(past)
        threshold = mean + 2 * statistics.pstdev(past)
        spent = total(rows_between(date(2025, month, 1), date(2025, month + 1, 1)), "expense",
                      "Groceries")
        assert spent > threshold
        expected.append((f"2025-{month:02d}", "Groceries", spent, mean.quantize(CENT),
                         threshold.quantize(CENT)))
    assert [(u.month, u.category.name, u.amount, u.mean, u.threshold)
            for u in report.unusual] == expected
    assert expected[1][2:] == (Decimal("400.00"), Decimal("120.00"), Decimal("200.00"))
    assert [(c.category.name, c.amount, c.before, c.change) for c in report.changes] == [
        ("Groceries", Decimal("400.00"), Decimal("200.00"), Decimal("1.0000")),
        (None, Decimal("10.00"), Decimal("0.00"), None),
        ("Housing", Decimal("800.00"), Decimal("800.00"), Decimal("0.0000"))]


def test_member_filter(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-Q2", today=TODAY), ids["Ana"])
    rows = rows_between(*Q2, member="Ana")
    assert (report.summary.income, report.summary.expense) == (
        total(rows, "income"), total(rows, "expense")) == (Decimal("6000.00"), Decimal("149.75"))
    assert [p.description for p in report.payees] == ["Shop"]
    assert report.recurring == () and report.member_id == ids["Ana"]


def test_insights_are_sentences_with_the_numbers(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2025-Q2", today=TODAY))
    english = [render(i, lambda s: s, "en", "EUR") for i in report.insights]
    assert english[:5] == [
        "Housing took 77.2% of spending: €2,400.00.",
        "Groceries took 22.5% of spending: €700.00.",
        "Uncategorised took 0.3% of spending: €10.00.",
        "The savings rate was 48.2%: €2,890.00 of €6,000.00 income kept.",
        "Average daily spending was €34.18 over 91 days."]
    assert "Groceries rose 100% in June 2025: €400.00 against €200.00 the month before." in english
    assert ("Groceries was unusually high in June 2025: €400.00 against an average of €120.00"
            " over the six months before.") in english
    assert "The largest expense was Rent: €800.00 on Apr 2, 2025." in english
    assert "Rent looks recurring: €800.00 a month, seen in 3 months." in english
    portuguese = [render(i, lambda s: s, "pt_PT", "EUR") for i in report.insights]
    assert portuguese[0] == "Housing took 77,2% of spending: 2\xa0400,00\xa0€."
    assert [i.kind for i in report.insights].count("top_category") == 3


def test_empty_period(book: Book, ids: dict[str, str]) -> None:
    report = build_report(book, parse_period("2024-03", today=TODAY))
    assert report.is_empty and report.insights == () and report.spending == ()
    assert report.summary.savings_rate is None and report.summary.expense == Decimal("0.00")
    assert [p.balance for p in report.balance] == [Decimal("0.00")] * 31
    assert report.monthly[0].income == Decimal("0.00") and report.payees == ()


def test_one_transaction_negative_balance_single_category(book: Book) -> None:
    ledger.add_transaction(book, draft("Bus", "2.50", on=date(2025, 3, 4), category="Transport"))
    report = build_report(book, parse_period("2025-03", today=TODAY))
    assert report.summary.balance == Decimal("-2.50") and report.summary.savings_rate is None
    assert [(s.category.name, s.amount, s.share) for s in report.spending] == [
        ("Transport", Decimal("2.50"), Decimal("1.0000"))]
    assert report.balance[-1].balance == Decimal("-2.50") and report.unusual == ()
    english = [render(i, lambda s: s, "en", "EUR") for i in report.insights]
    assert "There was no income in this period; spending was €2.50." in english
    ledger.add_transaction(book, draft("Gift", "1.00", kind="income", on=date(2025, 3, 5)))
    report = build_report(book, parse_period("2025-03", today=TODAY))
    assert report.summary.savings_rate == Decimal("-1.5000")
    assert ("Spending was €1.50 more than income (€1.00 in, €2.50 out)." in
            [render(i, lambda s: s, "en", "EUR") for i in report.insights])


def test_report_follows_writes(book: Book) -> None:
    period = parse_period("2025-03", today=TODAY)
    assert build_report(book, period).summary.count == 0
    txn = ledger.add_transaction(book, draft("Bus", "2.50", on=date(2025, 3, 4)))
    assert build_report(book, period).summary.expense == Decimal("2.50")
    ledger.delete_transaction(book, txn.id)
    assert build_report(book, period).is_empty


def test_a_period_under_way_counts_only_what_has_begun(book: Book) -> None:
    for month in range(1, 12):  # rent every month up to November 2026, nothing after
        ledger.add_transaction(book, draft("Rent", "900.00", on=date(2026, month, 1),
                                           category="Housing"))
    ledger.add_transaction(book, draft("Rent", "950.00", on=date(2026, 10, 1),
                                       category="Housing"))
    year = parse_period("2026", today=date(2026, 11, 21))
    report = build_report(book, year, today=date(2026, 11, 21))
    assert report.summary.days == 325  # 1 January to 21 November
    assert report.summary.daily_spending == (Decimal("10850.00") / 325).quantize(CENT)
    assert [(c.month, c.amount, c.before) for c in report.changes] == [
        ("2026-11", Decimal("900.00"), Decimal("1850.00"))]
    texts = [render(i, lambda s: s, "en", "EUR") for i in report.insights]
    assert not [t for t in texts if "December" in t]
    # The same year seen once it is over compares December with November.
    later = build_report(book, year, today=date(2027, 1, 5))
    assert later.summary.days == 365
    assert [(c.month, c.amount, c.before) for c in later.changes] == [
        ("2026-12", Decimal("0.00"), Decimal("900.00"))]
