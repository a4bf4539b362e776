"""ourmoney.services.listing: keyset pages, filters and totals aggregated in SQL."""

from __future__ import annotations

import base64
import json
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ourmoney.errors import InvalidCursor
from ourmoney.money import from_minor
from ourmoney.services import ledger, listing, members
from ourmoney.services.book import Book
from ourmoney.services.models import Totals, TransactionFilter
from tests.support.books import draft, last_seq, ledger_at

EVERYTHING = TransactionFilter()


def every_id(book: Book, selection: TransactionFilter, limit: int) -> list[str]:
    """Walk every page and return the ids in the order they were shown."""
    seen: list[str] = []
    cursor = None
    while True:
        page = listing.list_transactions(book, selection, cursor=cursor, limit=limit)
        assert len(page.items) <= limit
        seen += [txn.id for txn in page.items]
        if page.next_cursor is None:
            return seen
        assert len(page.items) == limit
        cursor = page.next_cursor


@pytest.fixture
def same_moment(book: Book, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """300 transactions on one date, all created in the same millisecond; ids newest first."""
    monkeypatch.setattr(ledger, "utc_now_text", lambda: "2024-05-01T10:00:00.000Z")
    ids = [ledger.add_transaction(book, draft(f"t{n}", "1.00")).id for n in range(300)]
    return sorted(ids, reverse=True)


@pytest.mark.parametrize("limit", [1, 7, 50, 300, 500])
def test_keyset_pages_show_every_row_once_in_order(book: Book, same_moment: list[str],
                                                   limit: int) -> None:
    assert every_id(book, EVERYTHING, limit) == same_moment


def test_order_is_date_then_creation_then_id(book: Book,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    made = []
    for n, (on, at) in enumerate([(date(2024, 5, 2), "2024-05-01T09:00:00.000Z"),
                                  (date(2024, 5, 1), "2024-05-03T09:00:00.000Z"),
                                  (date(2024, 5, 2), "2024-05-02T09:00:00.000Z"),
                                  (date(2024, 4, 30), "2024-05-09T09:00:00.000Z")]):
        monkeypatch.setattr(ledger, "utc_now_text", lambda at=at: at)
        made.append(ledger.add_transaction(book, draft(f"t{n}", on=on)).description)
    shown = [t.description for t in listing.list_transactions(book, EVERYTHING).items]
    assert shown == ["t2", "t0", "t1", "t3"]
    assert every_id(book, EVERYTHING, 1) == [
        t.id for t in listing.list_transactions(book, EVERYTHING).items]


def test_deleted_rows_are_not_listed(book: Book) -> None:
    keep = ledger.add_transaction(book, draft("keep"))
    gone = ledger.add_transaction(book, draft("gone"))
    ledger.delete_transaction(book, gone.id)
    assert every_id(book, EVERYTHING, 1) == [keep.id]


def test_limit_is_clamped(book: Book) -> None:
    for n in range(3):
        ledger.add_transaction(book, draft(f"t{n}"))
    assert len(listing.list_transactions(book, EVERYTHING, limit=0).items) == 1
    assert len(listing.list_transactions(book, EVERYTHING, limit=-5).items) == 1
    assert listing.MAX_PAGE == 500


def test_cursor_round_trip() -> None:
    cursor = listing.encode_cursor("2024-05-01", "2024-05-01T10:00:00.000Z", "abc-1")
    assert "=" not in cursor
    assert listing.decode_cursor(cursor) == ("2024-05-01", "2024-05-01T10:00:00.000Z", "abc-1")


def encoded(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "!!!",
    "not-base64-at-all",
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    encoded({"a": 1}),
    encoded([]),
    encoded(["2024-05-01"]),  # a date-only cursor
    encoded(["2024-05-01", "2024-05-01T10:00:00.000Z"]),
    encoded(["2024-05-01", "2024-05-01T10:00:00.000Z", "x", "y"]),
    encoded([20240501, "2024-05-01T10:00:00.000Z", "x"]),
    encoded(["2024-5-1", "2024-05-01T10:00:00.000Z", "x"]),
    encoded(["2024-05-01", "2024-05-01 10:00:00", "x"]),
    encoded(["2024-05-01\n", "2024-05-01T10:00:00.000Z", "x"]),
    encoded(["2024-05-01", "2024-05-01T10:00:00.000Z", "x'; DROP TABLE transactions; --"]),
    encoded(["2024-05-01", "2024-05-01T10:00:00.000Z", "x" * 65]),
    encoded(["2024-05-01", "2024-05-01T10:00:00.000Z", ""]),
])
def test_tampered_cursor_is_refused(book: Book, cursor: str) -> None:
    with pytest.raises(InvalidCursor) as error:
        listing.list_transactions(book, EVERYTHING, cursor=cursor)
    assert error.value.message == "The page cursor is not valid; start again from the first page."
    assert error.value.field == "cursor"


@pytest.fixture
def household_ledger(book: Book) -> dict[str, str]:
    """A small ledger with two members, a few categories, dates and words to search."""
    ana, bo = members.add_member(book, "Ana"), members.add_member(book, "Bo")
    rows = [
        ("Weekly groceries", "45.10", "expense", date(2024, 1, 5), "Groceries", ana.id, ""),
        ("Farmers market", "12.00", "expense", date(2024, 1, 20), "Groceries", bo.id, "apples"),
        ("Salary", "2500.00", "income", date(2024, 1, 25), "Salary", ana.id, ""),
        ("Cinema", "18.50", "expense", date(2024, 2, 3), "Fun", bo.id, "50% off"),
        ("Salary", "2500.00", "income", date(2024, 2, 25), "Salary", ana.id, "February"),
        ("Coffee", "3.20", "expense", date(2024, 2, 26), None, None, ""),
    ]
    made = {}
    for description, amount, kind, on, category, member, notes in rows:
        txn = ledger.add_transaction(book, draft(description, amount, kind=kind, on=on,
                                                 category=category, member_id=member,
                                                 notes=notes))
        made[f"{description}@{on}"] = txn.id
    gone = ledger.add_transaction(book, draft("Deleted groceries", "99", category="Groceries",
                                              member_id=ana.id, on=date(2024, 1, 6)))
    ledger.delete_transaction(book, gone.id)
    return {"ana": ana.id, "bo": bo.id, **made}


def described(book: Book, selection: TransactionFilter) -> list[str]:
    return [t.description for t in listing.list_transactions(book, selection).items]


@pytest.mark.parametrize(("selection", "shown", "income", "expense"), [
    (TransactionFilter(), ["Coffee", "Salary", "Cinema", "Salary", "Farmers market",
                           "Weekly groceries"], "5000.00", "78.80"),
    (TransactionFilter(type="income"), ["Salary", "Salary"], "5000.00", "0.00"),
    (TransactionFilter(type="expense", date_from=date(2024, 2, 1)), ["Coffee", "Cinema"],
     "0.00", "21.70"),
    (TransactionFilter(date_from=date(2024, 1, 20), date_to=date(2024, 1, 25)),
     ["Salary", "Farmers market"], "2500.00", "12.00"),
    (TransactionFilter(q="groceries"), ["Farmers market", "Weekly groceries"], "0.00", "57.10"),
    (TransactionFilter(q="APPLES"), ["Farmers market"], "0.00", "12.00"),
    (TransactionFilter(q="50%"), ["Cinema"], "0.00", "18.50"),
    (TransactionFilter(q="fu"), ["Cinema"], "0.00", "18.50"),
    (TransactionFilter(q="Feb"), ["Salary"], "2500.00", "0.00"),
    (TransactionFilter(q="_"), [], "0.00", "0.00"),
    (TransactionFilter(q='"'), [], "0.00", "0.00"),
])
def test_filters_and_their_totals(book: Book, household_ledger: dict[str, str],
                                  selection: TransactionFilter, shown: list[str], income: str,
                                  expense: str) -> None:
    assert described(book, selection) == shown
    totals = listing.totals(book, selection)
    assert totals == Totals(Decimal(income), Decimal(expense), len(shown))
    assert totals.balance == Decimal(income) - Decimal(expense)


def test_member_and_category_filters(book: Book, household_ledger: dict[str, str]) -> None:
    bo = TransactionFilter(member_id=household_ledger["bo"])
    assert described(book, bo) == ["Cinema", "Farmers market"]
    assert listing.totals(book, bo) == Totals(Decimal("0.00"), Decimal("30.50"), 2)
    groceries = ledger.get_transaction(book, household_ledger["Farmers market@2024-01-20"])
    by_category = TransactionFilter(category_id=groceries.category_id)
    assert described(book, by_category) == ["Farmers market", "Weekly groceries"]
    assert listing.totals(book, by_category) == Totals(Decimal("0.00"), Decimal("57.10"), 2)
    both = TransactionFilter(category_id=groceries.category_id, member_id=household_ledger["ana"])
    assert described(book, both) == ["Weekly groceries"]


def test_status_filter(book: Book, household_ledger: dict[str, str]) -> None:
    with book.write() as cursor:
        cursor.execute("INSERT INTO setting (key, value) VALUES ('sync_acked_seq', ?)",
                       (str(last_seq(book)),))
    ledger.update_transaction(book, household_ledger["Coffee@2024-02-26"], {"notes": "edited"})
    assert described(book, TransactionFilter(status="pending")) == ["Coffee"]
    assert len(described(book, TransactionFilter(status="synced"))) == 5
    assert listing.totals(book, TransactionFilter(status="pending")) == Totals(
        Decimal("0.00"), Decimal("3.20"), 1)


def test_description_edits_are_searchable(book: Book, household_ledger: dict[str, str]) -> None:
    coffee = household_ledger["Coffee@2024-02-26"]
    ledger.update_transaction(book, coffee, {"description": "Espresso bar"})
    assert described(book, TransactionFilter(q="coffee")) == []
    assert described(book, TransactionFilter(q="espresso")) == ["Espresso bar"]


# one generated ledger row: day offset, income?, cents, category, member, deleted?, new cents
ROW = st.tuples(st.integers(0, 40), st.booleans(), st.integers(1, 10**9), st.integers(0, 3),
                st.integers(0, 2), st.booleans(), st.none() | st.integers(1, 10**6))
START = date(2024, 1, 1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, max_size=25), st.integers(0, 40), st.integers(0, 40))
def test_totals_equal_a_brute_force_sum(rows: list[tuple[int, bool, int, int, int, bool,
                                                         int | None]],
                                        first: int, last: int) -> None:
    with tempfile.TemporaryDirectory() as folder, ledger_at(Path(folder) / "l.sqlite3") as book:
        people = [None, members.add_member(book, "Ana").id, members.add_member(book, "Bo").id]
        names = [None, "Food", "Rent", "Pay"]
        live = []
        for offset, income, cents, category, member, deleted, new_cents in rows:
            kind = "income" if income else "expense"
            txn = ledger.add_transaction(book, draft(
                "x", str(from_minor(cents)), kind=kind, on=START + timedelta(offset),
                category=names[category], member_id=people[member]))
            if new_cents:
                ledger.update_transaction(book, txn.id, {"amount": from_minor(new_cents)})
            if deleted:
                ledger.delete_transaction(book, txn.id)
            else:
                live.append((START + timedelta(offset), kind, new_cents or cents,
                             txn.category_id, people[member]))
        category_ids = {row[3] for row in live if row[3]}
        selections = [TransactionFilter(), TransactionFilter(type="income"),
                      TransactionFilter(date_from=START + timedelta(first),
                                        date_to=START + timedelta(last)),
                      TransactionFilter(member_id=people[1], type="expense"),
                      *(TransactionFilter(category_id=c) for c in sorted(category_ids))]
        for selection in selections:
            chosen = [r for r in live if _matches(r, selection)]
            expected = Totals(from_minor(sum(r[2] for r in chosen if r[1] == "income")),
                              from_minor(sum(r[2] for r in chosen if r[1] == "expense")),
                              len(chosen))
            assert listing.totals(book, selection) == expected
            pending = TransactionFilter(**{**selection.__dict__, "status": "pending"})
            assert listing.totals(book, pending) == expected  # the row-by-row SQL path


def _matches(row: tuple[date, str, int, str | None, str | None],
             selection: TransactionFilter) -> bool:
    on, kind, _, category_id, member_id = row
    return ((selection.type is None or kind == selection.type)
            and (selection.category_id is None or category_id == selection.category_id)
            and (selection.member_id is None or member_id == selection.member_id)
            and (selection.date_from is None or on >= selection.date_from)
            and (selection.date_to is None or on <= selection.date_to))
