"""ourmoney.services.budgets and budget_progress: set, change, remove, sync, against actual."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from ourmoney.errors import InvalidAmount, InvalidInput, NotFound
from ourmoney.services import budgets, categories, ledger, members
from ourmoney.services.book import Book
from ourmoney.services.budget_progress import NEAR, OVER, budget_lines, warnings
from ourmoney.services.reports.period import parse_period
from tests.support.books import changes, draft, last_seq, ledger_at
from tests.support.sync import introduce, sync


def _snapshot(book: Book) -> tuple[object, ...]:
    return (book.store.rows("SELECT * FROM budget ORDER BY id"), last_seq(book))


def test_set_change_and_remove_a_budget_log_changes(book: Book) -> None:
    food = categories.add_category(book, "Food")
    before = last_seq(book)
    assert budgets.set_budget(book, food.id, "250.00") == \
        budgets.Budget(food.id, "Food", food.color, 25000)
    budgets.set_budget(book, food.id, "300,5", decimal_symbol=",")
    budgets.set_budget(book, food.id, "300.50")  # unchanged: nothing logged
    logged = changes(book, before)
    assert [(c["entity"], c["row_id"]) for c in logged] == [("budget", food.id)] * 2
    assert logged[0]["fields"]["amount"] == 25000
    assert logged[0]["fields"]["deleted"] is False
    assert logged[1]["fields"] == {"amount": 30050}
    assert budgets.list_budgets(book) == [budgets.Budget(food.id, "Food", food.color, 30050)]
    budgets.remove_budget(book, food.id)
    assert budgets.list_budgets(book) == []
    assert changes(book, before)[-1]["fields"] == {"deleted": True}
    budgets.set_budget(book, food.id, "10")
    assert budgets.get_budget(book, food.id) == budgets.Budget(food.id, "Food", food.color, 1000)
    assert changes(book, before)[-1]["fields"] == {"amount": 1000, "deleted": False}


@pytest.mark.parametrize("amount", ["-5", "0", "NaN", "inf", "ten", "1e400", "12.345",
                                    "1000000000000", "<b>1</b>", "=1+1", "", None, 12.5, True,
                                    Decimal("NaN")])
def test_bad_amounts_are_refused_and_change_nothing(book: Book, amount: object) -> None:
    food = categories.add_category(book, "Food")
    budgets.set_budget(book, food.id, "100")
    before = _snapshot(book)
    with pytest.raises(InvalidInput):
        budgets.set_budget(book, food.id, amount)
    assert _snapshot(book) == before


@pytest.mark.parametrize("category", ["", None, 7, "no-such-id", "' OR 1=1 --"])
def test_unknown_category_is_refused(book: Book, category: object) -> None:
    before = _snapshot(book)
    with pytest.raises((InvalidInput, NotFound)):
        budgets.set_budget(book, category, "10")
    assert _snapshot(book) == before


def test_income_category_and_missing_budget(book: Book) -> None:
    salary = categories.add_category(book, "Salary", "income")
    with pytest.raises(InvalidInput, match="Budgets are for expense categories"):
        budgets.set_budget(book, salary.id, "10")
    with pytest.raises(NotFound, match="That category has no budget"):
        budgets.remove_budget(book, salary.id)
    with pytest.raises(InvalidAmount, match="Amount is too large"):
        budgets.set_budget(book, categories.add_category(book, "Food").id, "1000000000000")


def test_a_merged_away_category_loses_its_budget_from_the_list(book: Book) -> None:
    food, eating = categories.add_category(book, "Food"), categories.add_category(book, "Eating")
    budgets.set_budget(book, food.id, "10")
    categories.merge_categories(book, food.id, eating.id)
    assert budgets.list_budgets(book) == []


def test_two_devices_budgeting_one_category_agree_on_one_row(tmp_path: Path) -> None:
    with ledger_at(tmp_path / "a.sqlite3") as laptop, ledger_at(tmp_path / "b.sqlite3") as phone:
        introduce(laptop, [phone])
        introduce(phone, [laptop])
        food = categories.add_category(laptop, "Food")
        assert categories.add_category(phone, "food").id == food.id
        budgets.set_budget(laptop, food.id, "100")
        budgets.set_budget(phone, food.id, "120")
        clocks = {changes(b)[-1]["hlc"]: changes(b)[-1]["fields"]["amount"]
                  for b in (laptop, phone)}
        sync(laptop, phone)
        sync(phone, laptop)
        for book in (laptop, phone):  # the later clock wins, on both
            assert book.store.rows("SELECT id, amount, deleted FROM budget") == \
                [(food.id, clocks[max(clocks)], 0)]
        budgets.remove_budget(laptop, food.id)
        sync(phone, laptop)
        assert budgets.list_budgets(phone) == []


def _spend(book: Book, on: date, amount: str, category: str = "Food",
           member_id: str | None = None) -> None:
    ledger.add_transaction(book, draft("Shop", amount, on=on, category=category,
                                       member_id=member_id))


def test_budget_against_actual_per_month(book: Book) -> None:
    food = categories.add_category(book, "Food")
    categories.add_category(book, "Fun")
    budgets.set_budget(book, food.id, "100.00")
    _spend(book, date(2025, 1, 5), "60.00")
    _spend(book, date(2025, 1, 31), "40.01")   # January: 100.01, over by 0.01
    _spend(book, date(2025, 2, 1), "99.99")    # February: 0.01 left
    _spend(book, date(2025, 2, 2), "500.00", category="Fun")  # not budgeted
    ledger.add_transaction(book, draft("Refund", "30.00", kind="income", on=date(2025, 3, 1),
                                       category="Food"))  # income is not spending
    [line] = budget_lines(book, parse_period("2025-Q1", today=date(2025, 6, 1)))
    assert [(m.month, m.budget, m.spent, m.remaining, m.over) for m in line.months] == [
        ("2025-01", 10000, 10001, -1, True), ("2025-02", 10000, 9999, 1, False),
        ("2025-03", 10000, 0, 10000, False)]
    assert (line.budgeted, line.spent, line.remaining) == (30000, 20000, 10000)
    assert (line.months_over, line.share_over) == (1, Fraction(1, 3))


def test_budget_against_actual_for_one_member(book: Book) -> None:
    food = categories.add_category(book, "Food")
    budgets.set_budget(book, food.id, "10.00")
    ana = members.add_member(book, "Ana").id
    _spend(book, date(2025, 1, 5), "8.00", member_id=ana)
    _spend(book, date(2025, 1, 6), "4.00", member_id=members.add_member(book, "Rui").id)
    period = parse_period("2025-01", today=date(2025, 6, 1))
    assert budget_lines(book, period, ana)[0].spent == 800
    assert budget_lines(book, period)[0].spent == 1200


def test_warnings_at_80_and_past_100_percent_of_this_month(book: Book) -> None:
    today = date(2025, 6, 15)
    names = ("Food", "Fun", "Rent", "Car")
    ids = {n: categories.add_category(book, n).id for n in names}
    for name in names:
        budgets.set_budget(book, ids[name], "100.00")
    _spend(book, date(2025, 6, 1), "79.99", "Food")  # below 80%: no warning
    _spend(book, date(2025, 6, 2), "80.00", "Fun")   # exactly 80%
    _spend(book, date(2025, 6, 3), "100.00", "Rent")  # all used, not over
    _spend(book, date(2025, 6, 4), "100.01", "Car")  # over
    _spend(book, date(2025, 5, 31), "500.00", "Food")  # last month does not count
    found = [(w.budget.category, w.level, w.percent, w.spent) for w in warnings(book, today)]
    assert found == [("Car", OVER, 100, 10001), ("Rent", NEAR, 100, 10000),
                     ("Fun", NEAR, 80, 8000)]
    assert budget_lines(book, parse_period(None, today=today))[0].months[0].month == "2025-06"


def test_no_budgets_no_lines_no_warnings(book: Book) -> None:
    _spend(book, date(2025, 6, 1), "80.00")
    assert budget_lines(book, parse_period("2025", today=date(2025, 6, 1))) == []
    assert warnings(book, date(2025, 6, 1)) == []
