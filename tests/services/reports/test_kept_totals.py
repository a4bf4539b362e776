"""Reports read kept totals (daily_total, payee_month): every figure equals the transactions'.

After every kind of write (ledger edits of each field, deletes, restores, imports and their
undo, sync apply, category merges and renames, member renames, the demo) the kept tables
equal a GROUP BY over the transactions, and every report equals one built from the
transactions alone (tests/services/reports/raw.py), for several periods and each member.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ourmoney.services import categories, demo, ledger, members
from ourmoney.services.book import Book
from ourmoney.services.importing.batches import run_import, undo_import
from ourmoney.services.importing.rows import ImportRow
from ourmoney.services.reports import parse_period, queries
from tests.services.importing.seed import import_json, seed_bytes, seed_item
from tests.services.reports.raw import kept_report, raw_report
from tests.support.books import (
    daily_totals,
    draft,
    ledger_at,
    payee_totals,
    recomputed_payees,
    recomputed_totals,
)
from tests.support.sync import replicas, sync

TODAY = date(2025, 12, 31)
PERIODS = ("2025", "2025-01", "2025-03", "2025-06", "2025-Q2", "2024-10..2025-06", "2026-02")


def assert_exact(book: Book, periods: tuple[str, ...] = PERIODS) -> None:
    """The kept tables equal the transactions' sums, and so does every report figure."""
    assert payee_totals(book) == recomputed_payees(book)
    assert daily_totals(book) == recomputed_totals(book)
    people = [None, *(m.id for m in members.list_members(book, counts=False))]
    for key in periods:
        period = parse_period(key, today=TODAY)
        for member_id in people:
            assert kept_report(book, period, member_id) == raw_report(book, period, member_id), (
                key, member_id)


def add(book: Book, description: str, amount: str, on: date, category: str | None,
        member_id: str | None, kind: str = "expense") -> str:
    return ledger.add_transaction(book, draft(description, amount, kind=kind, on=on,
                                              category=category, member_id=member_id)).id


def household(book: Book) -> dict[str, str]:
    """Write a small household's year: recurring bills, groceries, salary, a big one-off."""
    ids = {name: members.add_member(book, name).id for name in ("Ana", "Rui")}
    for month in range(1, 7):
        add(book, "Rent", "800.00", date(2025, month, 2), "Housing", ids["Rui"])
        add(book, "Salary", "2000.00", date(2025, month, 1), "Salary", ids["Ana"], "income")
        for day, amount in ((3, "10.00"), (9, "25.50"), (20, f"{90 + month}.99")):
            add(book, "Shop", amount, date(2025, month, day), "Groceries", ids["Rui"])
        add(book, "shop", "7.25", date(2025, month, 21), "Groceries", ids["Ana"])
    for month in (date(2024, 11, 5), date(2024, 12, 5), *(date(2025, m, 5) for m in range(1, 7))):
        add(book, "Netflix", "13.99", month, "Subscriptions", ids["Ana"])
    add(book, "Cash", "40.00", date(2025, 3, 15), None, None)
    add(book, "Sofa", "1200.00", date(2025, 5, 30), "Home", ids["Ana"])
    return ids


def group(book: Book, month: str, description: str) -> tuple[int, int, int, int]:
    """Return (amount, count, low, high) of the only payee group of a month and description."""
    found = [v[:4] for k, v in payee_totals(book).items() if k[0] == month and k[2] == description]
    assert len(found) == 1, found
    return found[0]


def id_of(book: Book, description: str, on: date) -> str:
    return str(book.store.value("SELECT id FROM transactions WHERE description = ?"
                                " AND occurred_on = ?", (description, on.isoformat())))


def test_the_household_reports_match_and_find_the_recurring_bills(book: Book) -> None:
    household(book)
    assert_exact(book)
    report = kept_report(book, parse_period("2025-Q2", today=TODAY))
    assert [(r.description, r.amount, r.months) for r in report.recurring] == [
        ("Rent", Decimal("800.00"), 3), ("Netflix", Decimal("13.99"), 3),
        ("shop", Decimal("7.25"), 3)]
    assert [(p.description, p.amount, p.count) for p in report.payees][:3] == [
        ("Rent", Decimal("2400.00"), 3), ("Sofa", Decimal("1200.00"), 1),
        ("Shop", Decimal("416.22"), 12)]  # "Shop" and "shop" fold into one payee
    assert [(t.description, t.amount) for t in report.largest][:2] == [
        ("Sofa", Decimal("1200.00")), ("Rent", Decimal("800.00"))]
    assert group(book, "2025-03", "Shop") == (12949, 3, 1000, 9399)


def test_every_field_edit_keeps_the_totals_exact(book: Book) -> None:
    household(book)
    txn = id_of(book, "Shop", date(2025, 3, 20))  # the largest Shop of March
    steps: list[dict[str, Any]] = [
        {"amount": Decimal("30.00")},  # the group's largest leaves: read the group again
        {"amount": Decimal("5.00")},  # now the smallest
        {"amount": Decimal("11.00")},  # the smallest leaves
        {"occurred_on": date(2025, 4, 20)},
        {"category": "Treats"},
        {"member": "Ana"},
        {"member": None},
        {"category": None},
        {"description": "Corner shop"},
        {"type": "income"},
        {"type": "expense"},
        {"notes": "not a total"},
        {"occurred_on": date(2025, 3, 20), "description": "Shop", "category": "Groceries",
         "member": "Rui", "amount": Decimal("93.99")},
    ]
    for step in steps:
        ledger.update_transaction(book, txn, step)
        assert_exact(book)
    assert group(book, "2025-03", "Shop") == (12949, 3, 1000, 9399)
    rent = id_of(book, "Rent", date(2025, 4, 2))
    ledger.update_transaction(book, rent, {"amount": Decimal("850.00")})
    assert_exact(book)
    report = kept_report(book, parse_period("2025-Q2", today=TODAY))
    assert [r.description for r in report.recurring] == ["Netflix", "shop"]  # rent changed


def test_removing_the_smallest_or_largest_of_a_group_finds_the_next(book: Book) -> None:
    on = date(2025, 1, 10)
    made = [add(book, "Taxi", amount, on + timedelta(days=n), "Transport", None)
            for n, amount in enumerate(("3.00", "1.00", "2.00", "1.00", "3.00"))]
    assert group(book, "2025-01", "Taxi") == (1000, 5, 100, 300)
    ledger.delete_transaction(book, made[0])  # one of two largest: the other stays largest
    assert group(book, "2025-01", "Taxi") == (700, 4, 100, 300)
    ledger.delete_transaction(book, made[4])
    assert group(book, "2025-01", "Taxi") == (400, 3, 100, 200)
    ledger.delete_transaction(book, made[1])
    ledger.delete_transaction(book, made[3])
    assert group(book, "2025-01", "Taxi") == (200, 1, 200, 200)
    ledger.restore_transaction(book, made[0])
    assert group(book, "2025-01", "Taxi") == (500, 2, 200, 300)
    ledger.delete_transaction(book, made[0])
    ledger.delete_transaction(book, made[2])
    assert payee_totals(book) == {}  # an emptied group leaves no row
    assert_exact(book)


def test_a_description_in_two_categories_keeps_the_larger_category_id(book: Book) -> None:
    made = [add(book, "Gym", "30.00", date(2025, 1, day), name, None)
            for day, name in ((3, "Sport"), (4, "Health"))]
    first, second = (str(ledger.get_transaction(book, i).category_id) for i in made)
    low, high = sorted((first, second))
    assert payee_totals(book) == {("2025-01", "", "Gym"): (6000, 2, 3000, 3000, low, high)}
    ledger.delete_transaction(book, made[[first, second].index(high)])  # the larger id leaves
    assert payee_totals(book) == {("2025-01", "", "Gym"): (3000, 1, 3000, 3000, low, low)}
    ledger.restore_transaction(book, made[[first, second].index(high)])
    ledger.update_transaction(book, made[[first, second].index(low)], {"category": None})
    assert payee_totals(book) == {("2025-01", "", "Gym"): (6000, 2, 3000, 3000, "", high)}
    assert_exact(book)
    report = kept_report(book, parse_period("2025-01", today=TODAY))
    assert [(p.description, p.amount, p.count) for p in report.payees] == [
        ("Gym", Decimal("60.00"), 2)]


def test_a_tombstone_edited_by_sync_and_a_hard_delete_stay_out(book: Book) -> None:
    household(book)
    gone = id_of(book, "Sofa", date(2025, 5, 30))
    ledger.delete_transaction(book, gone)
    with book.write() as cursor:
        cursor.execute("UPDATE transactions SET amount = 5, description = 'Chair'"
                       " WHERE id = ?", (gone,))
        cursor.execute("DELETE FROM transactions WHERE id = ?",
                       (id_of(book, "Shop", date(2025, 2, 9)),))
    assert_exact(book)
    assert group(book, "2025-02", "Shop") == (10299, 2, 1000, 9299)


def bank_rows(first: date, count: int) -> list[ImportRow]:
    return [ImportRow(n + 1, first + timedelta(days=n % 60), Decimal(f"-{n % 7 + 1}.{n % 100:02d}"),
                      f"Bakery {n % 3}", category="Food") for n in range(count)]


def test_imports_undo_and_the_same_file_again_keep_the_totals_exact(book: Book) -> None:
    household(book)
    bank = run_import(book, bank_rows(date(2025, 2, 1), 300), source="bank.csv",
                      file_format="csv")
    assert bank.added == 300
    assert_exact(book)
    data = seed_bytes(*(seed_item(n, price=10 + n, createdAt=f"2025-0{n % 6 + 1}-11T10:00:00.000Z")
                        for n in range(1, 40)))
    seed = import_json(book, data)
    assert seed.added == 39
    assert_exact(book)
    undo_import(book, seed.batch_id)
    assert_exact(book)
    again = import_json(book, data)  # the same ids: the undone rows come back (revived)
    assert (again.added, again.duplicates) == (39, 0)
    assert_exact(book)
    undo_import(book, bank.batch_id)
    assert_exact(book)
    assert not any(k[2].startswith("Bakery") for k in payee_totals(book))


def test_sync_apply_keeps_both_replicas_exact(tmp_path: Path) -> None:
    with replicas(tmp_path, 2) as (home, away):
        household(home)
        ledger.delete_transaction(home, id_of(home, "Sofa", date(2025, 5, 30)))
        ledger.update_transaction(home, id_of(home, "Shop", date(2025, 4, 20)),
                                  {"amount": Decimal("1.00")})
        sync(away, home, page=7)  # new rows arrive through the bulk path, a deleted one too
        assert_exact(away)
        assert payee_totals(away) == payee_totals(home)
        ledger.update_transaction(away, id_of(away, "Rent", date(2025, 6, 2)),
                                  {"description": "Rent June", "category": "Flat"})
        ledger.delete_transaction(home, id_of(home, "Shop", date(2025, 1, 9)))
        ledger.add_transaction(home, draft("Late", "5.00", on=date(2025, 6, 30)))
        sync(away, home)
        sync(home, away)
        for book in (home, away):
            assert_exact(book)
        assert payee_totals(home) == payee_totals(away)


def test_category_merges_renames_and_member_renames_keep_reports_exact(book: Book) -> None:
    ids = household(book)
    food = categories.add_category(book, "Food")
    groceries = categories.find_by_name(book, "Groceries")
    assert groceries is not None
    categories.merge_categories(book, groceries.id, food.id)
    assert_exact(book)
    assert not any(groceries.id in v[4:] for v in payee_totals(book).values())
    categories.update_category(book, food.id, name="Supermarket")
    members.rename_member(book, ids["Rui"], "Rui Silva")
    assert_exact(book)
    report = kept_report(book, parse_period("2025", today=TODAY))
    assert report.spending[2].category.name == "Supermarket"


def test_the_demo_ledger_reports_match(book: Book) -> None:
    demo.fill(book, 4000, today=TODAY)
    assert_exact(book)


def test_a_period_with_fewer_groups_than_the_top_list(book: Book) -> None:
    ana = members.add_member(book, "Ana").id
    for n in range(14):  # two groups, fourteen expenses: the largest still come from all
        add(book, "Tea" if n % 2 else "Cake", f"{n + 1}.00", date(2025, 6, n + 1), "Food", ana)
    report = kept_report(book, parse_period("2025-06", today=TODAY))
    assert report == raw_report(book, parse_period("2025-06", today=TODAY))
    assert [t.amount for t in report.largest] == [Decimal(n) for n in range(14, 4, -1)]
    assert [(p.description, p.amount) for p in report.payees] == [
        ("Tea", Decimal("56.00")), ("Cake", Decimal("49.00"))]


OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 5), st.integers(1, 400), st.integers(0, 300),
              st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("edit"), st.integers(0, 50), st.sampled_from(
        ("amount", "occurred_on", "category", "member", "description", "type")),
        st.integers(0, 300)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("restore"), st.integers(0, 50)),
    st.tuples(st.just("import"), st.integers(1, 30), st.integers(0, 300)),
    st.tuples(st.just("undo"), st.integers(0, 5)),
    st.tuples(st.just("merge"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("sync"),),
), min_size=1, max_size=25)
QUICK = ("2025", "2025-03")  # two periods per example keep the property test quick
WORDS = ("Shop", "shop", "Rent", "Taxi", "Bakery", "Cinema")
CATEGORIES = ("Food", "Home", "Fun", None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(OPERATIONS)
def test_any_history_of_writes_keeps_every_report_exact(operations: list[tuple[Any, ...]]
                                                        ) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder, replicas(Path(folder), 2) as (book, other):
        people = [None, members.add_member(book, "Ana").id, members.add_member(book, "Rui").id]
        batches: list[str] = []
        for step in operations:
            _step(book, other, people, batches, step)
            assert payee_totals(book) == recomputed_payees(book)
        assert_exact(book, QUICK)
        assert_exact(other, QUICK)


def _step(book: Book, other: Book, people: list[str | None], batches: list[str],
          step: tuple[Any, ...]) -> None:
    kind, *args = step
    live = [r[0] for r in book.store.rows("SELECT id FROM transactions ORDER BY rowid")]
    actions: dict[str, Callable[[], object]] = {
        "add": lambda: add(book, WORDS[args[0]], f"{args[1]}.{args[1] % 3}0",
                           date(2025, 1, 1) + timedelta(days=args[2]), CATEGORIES[args[3]],
                           people[args[4]]),
        "import": lambda: _import(book, batches, args[0], args[1]),
        "sync": lambda: (sync(other, book), sync(book, other)),
    }
    if kind in actions:
        actions[kind]()
    elif kind == "edit" and live:
        _edit(book, live[args[0] % len(live)], args[1], args[2], people)
    elif kind in ("delete", "restore") and live:
        target = live[args[0] % len(live)]
        deleted = ledger.get_transaction(book, target, include_deleted=True).deleted
        if kind == "delete" and not deleted:
            ledger.delete_transaction(book, target)
        elif kind == "restore" and deleted:
            ledger.restore_transaction(book, target)
    elif kind == "undo" and batches:
        batch = batches.pop(args[0] % len(batches))
        undo_import(book, batch)
    elif kind == "merge":
        _merge(book, args[0], args[1])


def _import(book: Book, batches: list[str], count: int, day: int) -> None:
    summary = run_import(book, bank_rows(date(2025, 1, 1) + timedelta(days=day), count),
                         source="bank.csv", file_format="csv")
    if summary.added:  # a file seen before adds nothing and leaves no batch to undo
        batches.append(summary.batch_id)


def _edit(book: Book, target: str, field: str, seed: int, people: list[str | None]) -> None:
    if ledger.get_transaction(book, target, include_deleted=True).deleted:
        return
    value: object = {
        "amount": Decimal(seed + 1) / 4, "occurred_on": date(2025, 1, 1) + timedelta(days=seed),
        "category": CATEGORIES[seed % 4], "member": people[seed % 3],
        "description": WORDS[seed % len(WORDS)], "type": ("income", "expense")[seed % 2],
    }[field]
    if field == "member" and value is not None:
        value = next(m.name for m in members.list_members(book, counts=False) if m.id == value)
    ledger.update_transaction(book, target, {field: value})


def _merge(book: Book, source: int, target: int) -> None:
    found = categories.list_categories(book, counts=False)
    if len(found) >= 2 and source % len(found) != target % len(found):
        categories.merge_categories(book, found[source % len(found)].id,
                                    found[target % len(found)].id)


# What migration 10 made (totals per category too), for a ledger that was opened by it.
VERSION_10 = (
    "CREATE TABLE payee_month (type TEXT NOT NULL, month TEXT NOT NULL,"
    " category_id TEXT NOT NULL, member_id TEXT NOT NULL, description TEXT NOT NULL,"
    " amount INTEGER NOT NULL, count INTEGER NOT NULL, low INTEGER NOT NULL,"
    " high INTEGER NOT NULL, PRIMARY KEY (type, month, category_id, member_id, description))"
    " WITHOUT ROWID",
    "CREATE TABLE payee_stale (month TEXT NOT NULL, category_id TEXT NOT NULL,"
    " PRIMARY KEY (month, category_id)) WITHOUT ROWID",
    "CREATE TRIGGER transactions_payee_delete AFTER DELETE ON transactions BEGIN"
    " DELETE FROM payee_stale; END",
)


@pytest.mark.parametrize("version", [9, 10])
def test_a_ledger_from_before_is_given_the_payee_totals_when_opened(tmp_path: Path,
                                                                    version: int) -> None:
    path = tmp_path / "old.sqlite3"
    with ledger_at(path) as book:
        household(book)
        expected = payee_totals(book)
    with closing(sqlite3.connect(path)) as raw, raw:  # the schema as that version left it
        raw.execute("DROP TABLE payee_month")
        raw.execute("DROP TABLE payee_stale")
        for name in ("insert", "update", "delete"):
            raw.execute(f"DROP TRIGGER transactions_payee_{name}")
        for statement in VERSION_10 if version == 10 else ():
            raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {version}")
    with ledger_at(path) as book:
        assert book.store.value("PRAGMA user_version") == 11
        assert payee_totals(book) == expected == recomputed_payees(book)
        assert len(expected) == 28  # 34 rows of a month, member and text, 6 of them salary
        assert_exact(book)


def test_the_largest_expenses_read_only_the_groups_that_can_hold_them(
        book: Book) -> None:
    household(book)
    seen: list[tuple[str, tuple[Any, ...]]] = []
    original = book.store.rows

    def rows(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        seen.append((sql, tuple(params)))
        return original(sql, params)

    book.store.rows = rows  # type: ignore[method-assign]
    try:
        found = queries.largest(book, date(2025, 1, 1), date(2025, 12, 31), None)
    finally:
        del book.store.rows
    assert [(row[2], row[3]) for row in found][:3] == [("Sofa", 120000), ("Rent", 80000),
                                                       ("Rent", 80000)]
    assert seen[0][1][-1] == queries.TOP
    sql, params = seen[-1]
    plan = " | ".join(r[3] for r in book.store.rows("EXPLAIN QUERY PLAN " + sql, params))
    assert "SEARCH c USING INDEX transactions_category (category_id=? AND occurred_on>?" in plan
    assert "SEARCH c USING INDEX transactions_member (member_id=? AND occurred_on>?" in plan
    assert "SCAN t" not in plan and "SCAN c" not in plan
    assert params[2] == params[5] == params[6] == 9499  # the tenth highest: April's largest Shop
