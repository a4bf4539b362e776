"""OurMoney's JSON export: streamed, and re-imported exactly (ids, timestamps, names, colours)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from ourmoney.services import categories, exporting, members
from ourmoney.services.book import Book
from ourmoney.services.importing.batches import SAME_ID
from ourmoney.services.models import TransactionFilter
from tests.services.exporting.conftest import Household
from tests.services.importing.seed import counts, import_json
from tests.support.books import daily_totals, ledger_at, recomputed_totals


class Recorder(io.BytesIO):
    """A file that remembers how many times it was written to."""

    writes = 0

    def write(self, data: Any) -> int:
        self.writes += 1
        return super().write(data)


def export_json(book: Book, selection: TransactionFilter | None = None) -> tuple[int, bytes]:
    out = Recorder()
    written = exporting.export(book, selection or TransactionFilter(), "json", out)
    assert out.writes == written + 2  # the head, one write a transaction, the end: streamed
    return written, out.getvalue()


def snapshot(book: Book) -> dict[str, Any]:
    """Everything an export must carry over, by id."""
    return {
        "transactions": book.store.rows(
            "SELECT id, occurred_on, description, type, amount, category_id, member_id, notes,"
            " created_at FROM transactions WHERE deleted = 0 ORDER BY id"),
        "categories": book.store.rows("SELECT id, name, kind, color FROM category"
                                      " WHERE deleted = 0 ORDER BY id"),
        "members": book.store.rows("SELECT id, name FROM member WHERE deleted = 0 ORDER BY id")}


def test_the_export_is_our_format_with_every_list(household: Household) -> None:
    written, data = export_json(household.book)
    document = json.loads(data)
    assert (written, document["format"], document["version"], document["currency"]) == (
        5, "ourmoney", 1, "EUR")
    assert sorted(c["name"] for c in document["categories"]) == [
        "@risk", "Food", "Salary", "Unused"]
    assert sorted(m["name"] for m in document["members"]) == ["Ana", "Bo"]
    assert [t["id"] for t in document["transactions"]] == [t.id for t in household.transactions]
    market = document["transactions"][0]
    assert {k: market[k] for k in ("occurred_on", "description", "type", "amount", "category",
                                   "member", "notes")} == {
        "occurred_on": "2024-05-03", "description": "Market", "type": "expense",
        "amount": "12.50", "category": "Food", "member": "Ana", "notes": ""}


def test_export_then_import_into_an_empty_ledger_round_trips(household: Household,
                                                            tmp_path: Path) -> None:
    _, data = export_json(household.book)
    with ledger_at(tmp_path / "other.sqlite3") as other:
        summary = import_json(other, data)
        assert (summary.added, summary.duplicates, summary.errors) == (5, 0, 0)
        assert snapshot(other) == snapshot(household.book)
        assert daily_totals(other) == recomputed_totals(other)
        again = json.loads(export_json(other)[1])
    first = json.loads(data)
    for document in (first, again):
        for txn in document["transactions"]:
            del txn["updated_at"]
    assert again["transactions"] == first["transactions"]


def test_export_then_import_into_the_same_ledger_adds_nothing(household: Household) -> None:
    _, data = export_json(household.book)
    before = counts(household.book)
    summary = import_json(household.book, data)
    assert (summary.added, summary.duplicates, dict(summary.reasons)) == (0, 5, {SAME_ID: 5})
    assert counts(household.book) == before


def test_names_already_in_the_ledger_are_reused_not_doubled(household: Household,
                                                           tmp_path: Path) -> None:
    _, data = export_json(household.book)
    with ledger_at(tmp_path / "other.sqlite3") as other:
        groceries = categories.add_category(other, "Groceries")
        food = categories.update_category(other, groceries.id, name="food")
        ana = members.add_member(other, "ANA")
        assert import_json(other, data).added == 5
        assert [c.name for c in categories.list_categories(other)].count("food") == 1
        market = other.store.row("SELECT category_id, member_id FROM transactions"
                                 " WHERE description = 'Market'")
        assert market == (food.id, ana.id)
        assert [m.name for m in members.list_members(other)] == ["ANA", "Bo"]


def test_a_filtered_export_keeps_every_category_and_member(household: Household) -> None:
    written, data = export_json(household.book, TransactionFilter(type="income"))
    document = json.loads(data)
    assert (written, len(document["categories"]), len(document["members"])) == (2, 4, 2)
    assert [t["description"] for t in document["transactions"]] == ["Pay", '-5 refund, "quoted"']


def test_an_empty_export_is_valid_json(book: Book, tmp_path: Path) -> None:
    written, data = export_json(book)
    assert (written, json.loads(data)["transactions"]) == (0, [])
    with ledger_at(tmp_path / "other.sqlite3") as other:
        summary = import_json(other, data)
        assert (summary.added, summary.errors) == (0, 0)
