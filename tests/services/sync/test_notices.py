"""Notices of edits another device won, their dismissal, and the list of held-back changes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.errors import Message
from ourmoney.services import devices, ledger
from ourmoney.services.book import Book
from ourmoney.services.sync.notices import (
    HeldChange,
    SyncNotice,
    dismiss,
    held_changes,
    held_count,
    notices_for,
)
from tests.support.books import draft
from tests.support.sync import FakeWall, replicas, sync

HOSTILE = "<b>Ana's</b> =SUM(A1) '; DROP TABLE peer;--"
PORTUGUESE = {"Changed on %(device)s: your edit of %(fields)s was replaced.":
              "Alterado em %(device)s: a sua alteração de %(fields)s foi substituída.",
              "amount": "valor", "description": "descrição"}


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Book, Book, FakeWall]]:
    wall = FakeWall()
    with replicas(tmp_path, 2, wall) as (here, there):
        yield here, there, wall


def edited_on_both(here: Book, there: Book, wall: FakeWall, **edits: Decimal | str) -> str:
    """Record a transaction, share it, then edit it on both sides (there later); sync here."""
    txn = ledger.add_transaction(here, draft("Lunch", "12.50"))
    sync(there, here)
    ledger.update_transaction(here, txn.id, {"amount": Decimal("13.00"), "description": "Team"})
    wall.now += 1000
    ledger.update_transaction(there, txn.id, edits)
    sync(here, there)
    return txn.id


def test_another_devices_edit_that_won_leaves_a_notice_naming_it(
        pair: tuple[Book, Book, FakeWall]) -> None:
    here, there, wall = pair
    devices.rename(here, there.device_id, HOSTILE)
    txn_id = edited_on_both(here, there, wall, amount=Decimal("30.00"),
                            description="Team lunch")
    found = notices_for(here, [txn_id, "no-such-row"])
    assert found == {txn_id: [SyncNotice(txn_id, HOSTILE, ("amount", "description"))]}
    notice = found[txn_id][0]
    assert str(notice.message) == (f"Changed on {HOSTILE}: your edit of amount, description"
                                   " was replaced.")
    assert notice.message.translated(lambda t: PORTUGUESE.get(t, t)) == (
        f"Alterado em {HOSTILE}: a sua alteração de valor, descrição foi substituída.")
    assert ledger.get_transaction(here, txn_id).amount == Decimal("30.00")


def test_an_edit_of_another_field_leaves_no_notice(pair: tuple[Book, Book, FakeWall]) -> None:
    here, there, wall = pair
    txn_id = edited_on_both(here, there, wall, notes="for the team")
    assert notices_for(here, [txn_id]) == {}


def test_an_unpaired_devices_id_stands_in_for_its_name(pair: tuple[Book, Book, FakeWall]) -> None:
    here, there, wall = pair
    txn_id = edited_on_both(here, there, wall, amount=Decimal("30.00"))
    with here.store.write() as cursor:
        cursor.execute("DELETE FROM peer")
    assert notices_for(here, [txn_id])[txn_id][0].device == there.device_id


def test_dismissing_forgets_the_notices_of_that_row_only(
        pair: tuple[Book, Book, FakeWall]) -> None:
    here, there, wall = pair
    first = edited_on_both(here, there, wall, amount=Decimal("30.00"))
    second = edited_on_both(here, there, wall, description="Dinner")
    assert set(notices_for(here, [first, second])) == {first, second}
    assert dismiss(here, first) == 1
    assert set(notices_for(here, [first, second])) == {second}
    assert dismiss(here, first) == 0
    assert dismiss(here, "x' OR '1'='1") == 0
    assert set(notices_for(here, [first, second])) == {second}


def test_notices_for_no_rows_or_many(pair: tuple[Book, Book, FakeWall]) -> None:
    here, *_ = pair
    assert notices_for(here, []) == {}
    assert notices_for(here, [f"row{n}" for n in range(1200)]) == {}


def test_changes_from_a_clock_too_far_ahead_are_listed(pair: tuple[Book, Book, FakeWall]) -> None:
    here, there, wall = pair
    devices.rename(here, there.device_id, HOSTILE)
    wall.skews[there.device_id] = 15 * 60 * 1000
    txn = ledger.add_transaction(there, draft("<script>alert(1)</script>", "5.00"))
    report = sync(here, there)
    assert report.quarantined >= 1
    held = held_changes(here, now_ms=wall.now)
    about_txn = [h for h in held if h.entity == "transaction"]
    first = about_txn[0]
    assert about_txn == [HeldChange(first.hlc, HOSTILE, HOSTILE, 900, first.received_at,
                                    "transaction", txn.id, "<script>alert(1)</script>")]
    assert held_count(here) == len(held)
    assert held_changes(here, now_ms=wall.now + 900_000)[0].ahead_s == 0


def test_no_held_changes_on_a_new_ledger(pair: tuple[Book, Book, FakeWall]) -> None:
    here, *_ = pair
    assert (held_changes(here), held_count(here)) == ([], 0)


def test_a_field_without_a_label_is_shown_by_its_own_name() -> None:
    notice = SyncNotice("r", "Laptop", ("color", "budget_x"))
    assert isinstance(notice.message, Message)
    assert str(notice.message) == "Changed on Laptop: your edit of colour, budget_x was replaced."
