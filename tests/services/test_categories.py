"""ourmoney.services.categories: name-derived ids, rename, merge."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.errors import Conflict, InvalidInput, NotFound
from ourmoney.services import categories, ledger, listing
from ourmoney.services.book import Book
from ourmoney.services.models import Category, Totals, TransactionFilter
from tests.support.books import (
    changes,
    daily_totals,
    draft,
    last_seq,
    ledger_at,
    recomputed_totals,
)


def test_same_name_on_two_devices_gives_one_id(tmp_path: Path) -> None:
    with ledger_at(tmp_path / "a.sqlite3") as laptop, ledger_at(tmp_path / "b.sqlite3") as phone:
        assert laptop.device_id != phone.device_id
        first = categories.add_category(laptop, "Groceries")
        second = categories.add_category(phone, " groceries ")
        third = ledger.add_transaction(phone, draft(category="GROCERIES  ")).category_id
    assert first.id == second.id == third == categories.derived_id("Groceries")
    assert (first.name, second.name) == ("Groceries", "groceries")


def test_normalise() -> None:
    assert categories.normalise("  Eating   Out ") == "eating out"
    assert categories.normalise("Straße") == categories.normalise("STRASSE")
    assert categories.normalise("ﬁtness") == "fitness"  # NFKC folds the ligature
    assert categories.derived_id("Café") == categories.derived_id("CAFÉ")


def test_add_returns_the_existing_category(book: Book) -> None:
    created = categories.add_category(book, "Rent", "expense", "#123ABC")
    before = last_seq(book)
    assert categories.add_category(book, "rent", "income") == created
    assert last_seq(book) == before
    assert created == Category(categories.derived_id("Rent"), "Rent", "expense", "#123abc")


def test_add_validates(book: Book) -> None:
    with pytest.raises(InvalidInput) as error:
        categories.add_category(book, "   ")
    assert error.value.message == "Name is required."
    with pytest.raises(InvalidInput) as error:
        categories.add_category(book, "Rent", "transfer")
    assert error.value.message == "Kind must be income or expense."
    with pytest.raises(InvalidInput) as error:
        categories.add_category(book, "Rent", "expense", "red")
    assert error.value.message == "Colour must be written like #1a2b3c."
    assert categories.list_categories(book) == []


def test_default_colour_is_stable(book: Book) -> None:
    created = categories.add_category(book, "Fuel")
    assert created.color == categories.default_color("fuel") in categories.PALETTE


def test_list_counts_live_transactions(book: Book) -> None:
    ledger.add_transaction(book, draft(category="Food"))
    gone = ledger.add_transaction(book, draft(category="Food"))
    ledger.add_transaction(book, draft(category="bills"))
    ledger.delete_transaction(book, gone.id)
    listed = categories.list_categories(book)
    assert [(c.name, c.count) for c in listed] == [("bills", 1), ("Food", 1)]


def test_rename_keeps_the_id(book: Book) -> None:
    food = categories.add_category(book, "Food")
    txn = ledger.add_transaction(book, draft(category="Food"))
    before = last_seq(book)
    renamed = categories.update_category(book, food.id, name="Eating", color="#00AA00")
    assert renamed == Category(food.id, "Eating", "expense", "#00aa00")
    assert ledger.get_transaction(book, txn.id).category == "Eating"
    logged = changes(book, before)
    assert [(c["entity"], c["row_id"], c["fields"]) for c in logged] == [
        ("category", food.id, {"name": "Eating", "color": "#00aa00"})]
    assert categories.update_category(book, food.id, name="Eating") == renamed
    assert last_seq(book) == before + 1  # renaming to the same name logs nothing


def test_rename_onto_an_existing_name_is_a_conflict(book: Book) -> None:
    food = categories.add_category(book, "Food")
    categories.add_category(book, "Groceries")
    before = last_seq(book)
    with pytest.raises(Conflict) as error:
        categories.update_category(book, food.id, name=" groceries")
    assert error.value.message == "A category named Groceries already exists; merge instead."
    assert error.value.status == 409
    assert last_seq(book) == before
    assert categories.get_category(book, food.id).name == "Food"
    assert categories.update_category(book, food.id, name="FOOD").name == "FOOD"  # own name


def test_recreating_a_renamed_name_gets_a_new_id(book: Book) -> None:
    food = categories.add_category(book, "Food")
    categories.update_category(book, food.id, name="Eating")
    again = categories.add_category(book, "Food")
    assert again.id != food.id
    assert categories.find_by_name(book, "food") == again
    assert categories.find_by_name(book, "eating") == categories.get_category(book, food.id)


def test_merge_moves_every_transaction(book: Book) -> None:
    food = categories.add_category(book, "Food")
    groceries = categories.add_category(book, "Groceries")
    moved = [ledger.add_transaction(book, draft(amount=a, category="Food")).id
             for a in ("1.00", "2.00", "3.00")]
    stays = ledger.add_transaction(book, draft(amount="10.00", category="Groceries")).id
    before = last_seq(book)
    assert categories.merge_categories(book, food.id, groceries.id) == groceries
    logged = changes(book, before)
    assert [(c["entity"], c["row_id"], c["fields"]) for c in logged] == [
        *(("transaction", t, {"category": groceries.id}) for t in moved),
        ("category", food.id, {"deleted": True})]
    assert {ledger.get_transaction(book, t).category_id for t in [*moved, stays]} == {
        groceries.id}
    with pytest.raises(NotFound):
        categories.get_category(book, food.id)
    assert [(c.name, c.count) for c in categories.list_categories(book)] == [("Groceries", 4)]
    assert listing.totals(book, TransactionFilter(category_id=groceries.id)) == Totals(
        Decimal("0.00"), Decimal("16.00"), 4)
    assert listing.totals(book, TransactionFilter(category_id=food.id)) == Totals(
        Decimal("0.00"), Decimal("0.00"), 0)
    assert daily_totals(book) == recomputed_totals(book)


def test_merged_name_can_be_used_again(book: Book) -> None:
    food = categories.add_category(book, "Food")
    groceries = categories.add_category(book, "Groceries")
    categories.merge_categories(book, food.id, groceries.id)
    revived = categories.add_category(book, "food")
    assert revived.id == food.id  # the tombstone of the derived id comes back
    assert categories.get_category(book, food.id).name == "food"


def test_merge_refuses_bad_pairs(book: Book) -> None:
    food = categories.add_category(book, "Food")
    with pytest.raises(InvalidInput) as error:
        categories.merge_categories(book, food.id, food.id)
    assert error.value.message == "Choose two different categories to merge."
    with pytest.raises(NotFound) as missing:
        categories.merge_categories(book, food.id, "nope")
    assert missing.value.message == "That category does not exist."
    assert categories.get_category(book, food.id) == food


def test_resolve_by_id_or_name(book: Book) -> None:
    food = categories.add_category(book, "Eating Out")
    assert categories.resolve(book, food.id) == food
    assert categories.resolve(book, "eating  out") == food
    assert categories.resolve(book, "Nothing") is None
