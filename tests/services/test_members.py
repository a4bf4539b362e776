"""ourmoney.services.members: the people who record transactions."""

from __future__ import annotations

import uuid

import pytest

from ourmoney.errors import Conflict, InvalidInput, NotFound
from ourmoney.services import ledger, members
from ourmoney.services.book import Book
from ourmoney.services.models import Member
from tests.support.books import changes, draft, last_seq


def test_add_logs_one_change(book: Book) -> None:
    before = last_seq(book)
    ana = members.add_member(book, "  Ana   Silva ")
    assert ana.name == "Ana Silva"
    assert ana.id == str(uuid.uuid5(members.NAMESPACE, "ana silva"))  # the same on every device
    logged = changes(book, before)
    assert len(logged) == 1
    assert (logged[0]["entity"], logged[0]["row_id"]) == ("member", ana.id)
    assert logged[0]["fields"] == {"name": "Ana Silva", "deleted": False,
                                   "created_at": logged[0]["fields"]["created_at"]}
    assert members.get_member(book, ana.id) == ana


def test_names_are_unique_ignoring_case(book: Book) -> None:
    members.add_member(book, "Ana")
    before = last_seq(book)
    with pytest.raises(Conflict) as error:
        members.add_member(book, "ANA")
    assert error.value.message == "A member named Ana already exists."
    assert last_seq(book) == before


def test_name_is_required(book: Book) -> None:
    with pytest.raises(InvalidInput) as error:
        members.add_member(book, "")
    assert error.value.message == "Name is required."
    with pytest.raises(InvalidInput) as error:
        members.add_member(book, "x" * 61)
    assert error.value.message == "Name must be at most 60 characters."


def test_list_by_name_with_counts(book: Book) -> None:
    bo, ana = members.add_member(book, "bo"), members.add_member(book, "Ana")
    ledger.add_transaction(book, draft(member_id=bo.id))
    ledger.add_transaction(book, draft(member_id=bo.id))
    gone = ledger.add_transaction(book, draft(member_id=ana.id))
    ledger.delete_transaction(book, gone.id)
    assert members.list_members(book) == [Member(ana.id, "Ana", 0), Member(bo.id, "bo", 2)]


def test_rename(book: Book) -> None:
    ana = members.add_member(book, "Ana")
    txn = ledger.add_transaction(book, draft(member_id=ana.id))
    before = last_seq(book)
    assert members.rename_member(book, ana.id, "Ana Maria") == Member(ana.id, "Ana Maria")
    assert [c["fields"] for c in changes(book, before)] == [{"name": "Ana Maria"}]
    assert ledger.get_transaction(book, txn.id).member == "Ana Maria"
    members.add_member(book, "Bo")
    with pytest.raises(Conflict) as error:
        members.rename_member(book, ana.id, "Bo")
    assert error.value.message == "A member named Bo already exists."
    with pytest.raises(NotFound) as missing:
        members.rename_member(book, "nope", "Zed")
    assert missing.value.message == "That member does not exist."


def test_resolve(book: Book) -> None:
    ana = members.add_member(book, "Ana")
    assert members.resolve(book, ana.id) == ana
    assert members.resolve(book, " ana ") == ana
    assert members.resolve(book, "Zed") is None


def test_a_name_whose_derived_id_was_renamed_away_gets_a_fresh_id(book: Book) -> None:
    ana = members.add_member(book, "Ana")
    members.rename_member(book, ana.id, "Ana Maria")
    again = members.add_member(book, "ana")
    assert again.id != ana.id
    assert uuid.UUID(again.id).version == 7
