"""ourmoney.services.ledger: writes and the change each one logs in the same transaction."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from ourmoney.clock import parse
from ourmoney.errors import NotFound
from ourmoney.services import categories, ledger, members
from ourmoney.services.book import Book, open_book
from tests.support.books import changes, daily_totals, draft, last_seq, recomputed_totals

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def stored_clock(book: Book) -> str:
    return str(book.store.value("SELECT clock FROM node WHERE id = 1"))


def test_add_returns_the_transaction(book: Book) -> None:
    ana = members.add_member(book, "Ana")
    txn = ledger.add_transaction(book, draft("Lunch", "12.50", member_id=ana.id, notes="with Bo"))
    assert (txn.occurred_on, txn.description, txn.type, txn.amount, txn.currency) == (
        date(2024, 5, 1), "Lunch", "expense", Decimal("12.50"), "EUR")
    assert (txn.member_id, txn.member, txn.notes) == (ana.id, "Ana", "with Bo")
    assert (txn.category_id, txn.category, txn.category_color) == (None, None, None)
    assert STAMP.fullmatch(txn.created_at)
    assert txn.updated_at == txn.created_at
    assert (txn.pending, txn.sync, txn.deleted) == (True, "pending", False)
    assert ledger.get_transaction(book, txn.id) == txn


def test_add_logs_exactly_one_change_in_the_same_write(book: Book) -> None:
    before = last_seq(book)
    txn = ledger.add_transaction(book, draft("Lunch", "12.50"))
    logged = changes(book, before)
    assert len(logged) == 1
    change = logged[0]
    assert (change["origin"], change["entity"], change["row_id"]) == (
        book.device_id, "transaction", txn.id)
    assert change["fields"] == {"occurred_on": "2024-05-01", "description": "Lunch",
                                "type": "expense", "amount": 1250, "category": None,
                                "member": None, "notes": "", "deleted": False,
                                "created_at": txn.created_at}
    row = book.store.row("SELECT hlc, local_seq FROM transactions WHERE id = ?", (txn.id,))
    assert row == (change["hlc"], change["seq"])
    assert stored_clock(book) == change["hlc"] == book.clock.last


def test_a_failed_write_leaves_no_change(book: Book) -> None:
    before = last_seq(book)
    with pytest.raises(sqlite3.IntegrityError):  # the amount CHECK fails after the change insert
        ledger.add_transaction(book, draft("Zero", "0.00", category="Brand new"))
    assert last_seq(book) == before
    assert book.store.value("SELECT count(*) FROM transactions") == 0
    assert book.store.value("SELECT count(*) FROM category") == 0


def test_category_is_created_on_the_fly_with_the_type_as_kind(book: Book) -> None:
    before = last_seq(book)
    txn = ledger.add_transaction(book, draft("Pay", "2000", kind="income", category="Bonus"))
    created = categories.get_category(book, str(txn.category_id))
    assert (created.name, created.kind, created.id) == (
        "Bonus", "income", categories.derived_id("Bonus"))
    assert (txn.category, txn.category_color) == ("Bonus", created.color)
    logged = changes(book, before)
    assert [(c["entity"], c["row_id"]) for c in logged] == [
        ("category", created.id), ("transaction", txn.id)]
    created_at = logged[0]["fields"]["created_at"]
    assert STAMP.fullmatch(created_at)
    assert logged[0]["fields"] == {"name": "Bonus", "kind": "income", "color": created.color,
                                   "deleted": False, "created_at": created_at}
    again = ledger.add_transaction(book, draft("Pay", "10", kind="income", category="bonus"))
    assert again.category_id == created.id
    by_id = ledger.add_transaction(book, draft("Pay", "10", kind="income", category=created.id))
    assert by_id.category_id == created.id
    assert len(changes(book, before)) == 4


def test_unknown_member_is_refused_and_writes_nothing(book: Book) -> None:
    before = last_seq(book)
    with pytest.raises(NotFound) as error:
        ledger.add_transaction(book, draft(member_id="Zed", category="Anything"))
    assert error.value.message == "There is no member called Zed."
    assert error.value.field == "member"
    assert last_seq(book) == before
    assert book.store.value("SELECT count(*) FROM category") == 0


def test_member_by_name(book: Book) -> None:
    ana = members.add_member(book, "Ana")
    assert ledger.add_transaction(book, draft(member_id="ana")).member_id == ana.id


def test_update_logs_only_what_changed(book: Book) -> None:
    ana = members.add_member(book, "Ana")
    txn = ledger.add_transaction(book, draft("Lunch", "12.50"))
    before = last_seq(book)
    updated = ledger.update_transaction(book, txn.id, {
        "description": "Dinner", "amount": Decimal("30.00"), "occurred_on": date(2024, 5, 2),
        "member": "Ana", "notes": "", "type": "expense"})
    logged = changes(book, before)
    assert len(logged) == 1
    assert logged[0]["fields"] == {"description": "Dinner", "amount": 3000,
                                   "occurred_on": "2024-05-02", "member": ana.id}
    assert (logged[0]["entity"], logged[0]["row_id"]) == ("transaction", txn.id)
    assert (updated.description, updated.amount, updated.occurred_on, updated.member_id) == (
        "Dinner", Decimal("30.00"), date(2024, 5, 2), ana.id)
    assert updated.created_at == txn.created_at
    assert updated.updated_at >= txn.updated_at
    assert stored_clock(book) == logged[0]["hlc"]
    created, clocks = book.store.row("SELECT hlc, field_hlc FROM transactions WHERE id = ?",
                                     (txn.id,))
    assert created < logged[0]["hlc"]  # the row keeps its creation clock, and each field its own
    assert json.loads(clocks) == dict.fromkeys(logged[0]["fields"], logged[0]["hlc"])


def test_update_category_uses_the_new_type_as_kind(book: Book) -> None:
    txn = ledger.add_transaction(book, draft("Refund"))
    updated = ledger.update_transaction(book, txn.id, {"type": "income", "category": "Refunds"})
    assert (updated.type, updated.category) == ("income", "Refunds")
    assert categories.get_category(book, str(updated.category_id)).kind == "income"
    cleared = ledger.update_transaction(book, txn.id, {"category": None})
    assert cleared.category_id is None


def test_update_with_no_real_change_writes_nothing(book: Book) -> None:
    ledger.add_transaction(book, draft("Other"))
    txn = ledger.add_transaction(book, draft("Lunch", "12.50", category="Food", notes="n"))
    before, clock = last_seq(book), stored_clock(book)
    same = ledger.update_transaction(book, txn.id, {
        "description": "Lunch", "amount": Decimal("12.5"), "occurred_on": date(2024, 5, 1),
        "type": "expense", "category": "food", "notes": "n", "member": None})
    assert last_seq(book) == before
    assert stored_clock(book) == clock
    assert same == txn


def test_delete_and_restore(book: Book) -> None:
    txn = ledger.add_transaction(book, draft("Lunch", "12.50"))
    before = last_seq(book)
    assert ledger.delete_transaction(book, txn.id) == txn
    with pytest.raises(NotFound) as error:
        ledger.get_transaction(book, txn.id)
    assert error.value.message == "That transaction does not exist."
    assert ledger.get_transaction(book, txn.id, include_deleted=True).deleted is True
    assert daily_totals(book) == {}
    restored = ledger.restore_transaction(book, txn.id)
    assert restored.deleted is False
    assert [c["fields"] for c in changes(book, before)] == [{"deleted": True}, {"deleted": False}]
    assert daily_totals(book) == {("2024-05-01", "expense", "", ""): (1250, 1)}
    ledger.restore_transaction(book, txn.id)  # already live: nothing to log
    assert len(changes(book, before)) == 2


@pytest.mark.parametrize("action", ["get", "update", "delete", "restore"])
def test_unknown_transaction(book: Book, action: str) -> None:
    calls = {"get": lambda: ledger.get_transaction(book, "nope"),
             "update": lambda: ledger.update_transaction(book, "nope", {"notes": "x"}),
             "delete": lambda: ledger.delete_transaction(book, "nope"),
             "restore": lambda: ledger.restore_transaction(book, "nope")}
    with pytest.raises(NotFound) as error:
        calls[action]()
    assert error.value.message == "That transaction does not exist."
    assert error.value.status == 404


def test_deleted_transaction_cannot_be_edited(book: Book) -> None:
    txn = ledger.add_transaction(book, draft())
    ledger.delete_transaction(book, txn.id)
    with pytest.raises(NotFound):
        ledger.update_transaction(book, txn.id, {"notes": "x"})
    with pytest.raises(NotFound):
        ledger.delete_transaction(book, txn.id)


def test_every_write_has_a_strictly_later_clock(book: Book) -> None:
    ids = [ledger.add_transaction(book, draft(f"t{n}")).id for n in range(5)]
    for transaction_id in ids:
        ledger.update_transaction(book, transaction_id, {"notes": "edited"})
        ledger.delete_transaction(book, transaction_id)
    log = changes(book)
    stamps = [c["hlc"] for c in log]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps) == 15
    assert [c["seq"] for c in log] == list(range(1, 16))
    assert all(parse(s).node == book.device_id for s in stamps)
    assert stored_clock(book) == stamps[-1]
    assert daily_totals(book) == recomputed_totals(book) == {}


def test_clock_survives_reopening(book: Book) -> None:
    ledger.add_transaction(book, draft())
    last = stored_clock(book)
    again = open_book(book.store.path)
    try:
        assert (again.device_id, again.device_name) == (book.device_id, "Test device")
        assert again.clock.last == last
        ledger.add_transaction(again, draft())
        assert changes(again)[-1]["hlc"] > last
    finally:
        again.close()


def test_pending_until_acknowledged(book: Book) -> None:
    txn = ledger.add_transaction(book, draft())
    with book.write() as cursor:
        cursor.execute("INSERT INTO setting (key, value) VALUES ('sync_acked_seq', ?)",
                       (str(last_seq(book)),))
    synced = ledger.get_transaction(book, txn.id)
    assert (synced.pending, synced.sync) == (False, "synced")
    assert ledger.update_transaction(book, txn.id, {"notes": "x"}).pending is True


def test_id_of_a_merged_category_is_refused(book: Book) -> None:
    food = categories.add_category(book, "Food")
    groceries = categories.add_category(book, "Groceries")
    txn = ledger.add_transaction(book, draft(category="Groceries"))
    categories.merge_categories(book, food.id, groceries.id)
    before = last_seq(book)
    for write in (lambda: ledger.add_transaction(book, draft(category=food.id)),
                  lambda: ledger.update_transaction(book, txn.id, {"category": food.id})):
        with pytest.raises(NotFound) as error:
            write()
        assert error.value.message == "That category does not exist."
        assert error.value.field == "category"
    assert last_seq(book) == before
    assert [c.name for c in categories.list_categories(book)] == ["Groceries"]
