"""ourmoney.services.demo: a realistic synthetic household history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.errors import Conflict, InvalidInput
from ourmoney.money import from_minor
from ourmoney.services import categories, demo, household, ledger, listing, members
from ourmoney.services.book import Book
from ourmoney.services.models import Totals, TransactionFilter
from tests.support.books import daily_totals, draft, ledger_at, recomputed_totals

TODAY = date(2025, 3, 14)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, demo.DemoResult, list[int]]:
    """One ledger filled with 3,000 demo transactions (shared: filling is the slow part)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    progress: list[int] = []
    with ledger_at(path) as book:
        result = demo.fill(book, 3000, today=TODAY, progress=progress.append)
    return path, result, progress


@pytest.fixture
def demo_book(filled: tuple[Path, demo.DemoResult, list[int]]) -> Iterator[Book]:
    """The filled ledger, opened for one test."""
    with ledger_at(filled[0]) as book:
        yield book


def test_exact_count(demo_book: Book, filled: tuple[Path, demo.DemoResult, list[int]]) -> None:
    _, result, progress = filled
    assert result == demo.DemoResult(3000, TODAY - timedelta(days=1000), TODAY)
    assert progress == [3000]
    assert demo_book.store.value("SELECT count(*) FROM transactions") == 3000
    assert demo_book.store.value("SELECT count(*) FROM transactions WHERE deleted = 1") == 0


def test_dates_span_two_years_ending_today(demo_book: Book) -> None:
    first, last = demo_book.store.row("SELECT min(occurred_on), max(occurred_on)"
                                      " FROM transactions")
    assert last == TODAY.isoformat()
    assert date.fromisoformat(first) <= TODAY - timedelta(days=730)


def test_categories_members_and_salaries(demo_book: Book) -> None:
    listed = categories.list_categories(demo_book)
    assert len(listed) >= 20
    used = demo_book.store.value("SELECT count(DISTINCT category_id) FROM transactions")
    assert used >= 20
    assert demo_book.store.value("SELECT count(*) FROM transactions WHERE category_id IS NULL"
                                 " OR member_id IS NULL") == 0
    people = members.list_members(demo_book)
    assert [m.name for m in people] == ["Ana", "Bruno", "Carla", "Diogo"]
    assert all(m.count > 0 for m in people)
    assert household.preferences(demo_book).me == people[0].id
    salary = categories.find_by_name(demo_book, "Salary")
    assert salary is not None and salary.kind == "income"
    months = demo_book.store.value(
        "SELECT count(DISTINCT substr(occurred_on, 1, 7)) FROM transactions"
        " WHERE category_id = ? AND type = 'income'", (salary.id,))
    assert months >= 24


def test_every_transaction_has_its_change(demo_book: Book) -> None:
    orphans = demo_book.store.value(
        "SELECT count(*) FROM transactions t LEFT JOIN change c"
        " ON c.seq = t.local_seq AND c.hlc = t.hlc AND c.row_id = t.id"
        " AND c.entity = 'transaction' WHERE c.seq IS NULL")
    assert orphans == 0
    row = demo_book.store.row("SELECT id, occurred_on, description, type, amount, category_id,"
                              " member_id, notes, created_at, local_seq FROM transactions"
                              " ORDER BY rowid LIMIT 1")
    assert row is not None
    fields = json.loads(demo_book.store.value("SELECT fields FROM change WHERE seq = ?",
                                              (row[-1],)))
    assert fields == {"occurred_on": row[1], "description": row[2], "type": row[3],
                      "amount": row[4], "category": row[5], "member": row[6], "notes": row[7],
                      "deleted": False, "created_at": row[8]}
    stamps = [s for (s,) in demo_book.store.rows("SELECT hlc FROM change ORDER BY seq")]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert demo_book.store.value("SELECT clock FROM node") >= stamps[-1]


def test_totals_equal_sql_sums(demo_book: Book) -> None:
    assert daily_totals(demo_book) == recomputed_totals(demo_book)
    sums = dict(demo_book.store.rows("SELECT type, sum(amount) FROM transactions GROUP BY 1"))
    assert listing.totals(demo_book, TransactionFilter()) == Totals(
        from_minor(sums["income"]), from_minor(sums["expense"]), 3000)
    assert from_minor(sums["income"]) > from_minor(sums["expense"]) > Decimal(0)


def test_search_index_covers_the_demo(demo_book: Book) -> None:
    expected = demo_book.store.value(
        "SELECT count(*) FROM transactions WHERE description LIKE '%Salary%'")
    found = listing.totals(demo_book, TransactionFilter(q="Salary"))
    assert found.count == expected > 0


def test_demo_ledger_keeps_working(demo_book: Book) -> None:
    txn = ledger.add_transaction(demo_book, draft("After the demo", on=TODAY))
    try:
        today = listing.list_transactions(demo_book, TransactionFilter(date_from=TODAY))
        assert txn.id in [t.id for t in today.items]
        assert daily_totals(demo_book) == recomputed_totals(demo_book)
    finally:
        with demo_book.write() as cursor:  # leave the shared ledger as the demo made it
            cursor.execute("DELETE FROM change WHERE row_id = ?", (txn.id,))
            cursor.execute("DELETE FROM transactions WHERE id = ?", (txn.id,))


def test_refuses_a_ledger_with_transactions(book: Book) -> None:
    ledger.add_transaction(book, draft())
    with pytest.raises(Conflict) as error:
        demo.fill(book, 10, today=TODAY)
    assert error.value.message == (
        "This ledger already has transactions; use an empty --data-dir for the demo.")
    assert book.store.value("SELECT count(*) FROM transactions") == 1


@pytest.mark.parametrize("count", [0, -1, True, False, 10.0, "10", None, 10_000_001])
def test_refuses_a_bad_count(book: Book, count: object) -> None:
    with pytest.raises(InvalidInput) as error:
        demo.fill(book, count, today=TODAY)  # type: ignore[arg-type]
    assert error.value.message == "The number of transactions must be between 1 and 10000000."
    assert book.store.value("SELECT count(*) FROM change") == 0


def test_small_fill_is_exact(book: Book) -> None:
    assert demo.fill(book, 7, today=TODAY).transactions == 7
    assert book.store.value("SELECT count(*) FROM transactions") == 7
