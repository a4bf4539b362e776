"""Property tests: replicas that edit offline and sync in any order, through faults, agree."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ourmoney.errors import Conflict, NotFound
from ourmoney.services import budgets, categories, ledger
from ourmoney.services.book import Book
from ourmoney.sync.protocol import ProtocolError
from tests.support.books import draft
from tests.support.sync import FAULTS, Dropped, FakeWall, held, logged, replicas, state, sync

REPLICAS = 4
MINUTE = 60_000
EXAMPLES = int(os.environ.get("OURMONEY_SYNC_EXAMPLES", "60"))
CATEGORY_NAMES = ("Food", "Rent", "Fun", "Travel")
FIELDS = ("description", "amount", "notes", "category", "occurred_on")

replica = st.integers(0, REPLICAS - 1)
operation = st.one_of(
    st.tuples(st.just("add"), replica, st.integers(1, 99_999), st.sampled_from(CATEGORY_NAMES)),
    st.tuples(st.just("edit"), replica, st.integers(0, 6), st.sampled_from(FIELDS),
              st.integers(0, 1000)),
    st.tuples(st.just("delete"), replica, st.integers(0, 6)),
    st.tuples(st.just("rename"), replica, st.integers(0, 10), st.integers(0, 5)),
    st.tuples(st.just("budget"), replica, st.integers(0, 10), st.integers(0, 300)),
    st.tuples(st.just("sync"), replica, replica, st.sampled_from((1, 2, 3, 1000)),
              st.sampled_from(FAULTS)),
    st.tuples(st.just("tick"), st.integers(0, 5 * MINUTE)),
    st.tuples(st.just("skew"), replica, st.sampled_from((-15 * MINUTE, 0, 15 * MINUTE))),
)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(operation, min_size=1, max_size=60))
def test_replicas_agree_after_any_history_of_edits_syncs_and_faults(
        operations: list[tuple[Any, ...]]) -> None:
    wall = FakeWall()
    with tempfile.TemporaryDirectory() as folder, \
            replicas(Path(folder), REPLICAS, wall) as books:
        _share_a_few_rows(books)
        for step in operations:
            _run(books, wall, step)
        _heal(books, wall)
        _assert_converged(books)


def _share_a_few_rows(books: list[Book]) -> None:
    """Start from rows every replica holds, so that random edits often collide."""
    for n in range(3):
        ledger.add_transaction(books[0], draft(f"Shared {n}", "10.00", category="Food"))
    for book in books[1:]:
        sync(book, books[0])


def _run(books: list[Book], wall: FakeWall, step: tuple[Any, ...]) -> None:
    kind, *args = step
    if kind == "tick":
        wall.now += args[0]
    elif kind == "skew":
        wall.skews[books[args[0]].device_id] = args[1]
    elif kind == "sync":
        _sync_step(books[args[0]], books[args[1]], args[2], args[3])
    else:
        _edit_step(books[args[0]], kind, args[1:])


def _edit_step(book: Book, kind: str, args: list[Any]) -> None:
    live = [r[0] for r in book.store.rows("SELECT id FROM transactions WHERE deleted = 0"
                                          " ORDER BY id")]
    try:
        if kind == "add":
            amount = f"{args[0]}.{args[0] % 100:02d}"
            ledger.add_transaction(book, draft(f"Shop {args[0] % 7}", amount, category=args[1]))
        elif kind == "edit" and live:
            row_id, field = live[args[0] % len(live)], args[1]
            ledger.update_transaction(book, row_id, {field: _value(field, args[2])})
        elif kind == "delete" and live:
            ledger.delete_transaction(book, live[args[0] % len(live)])
        elif kind == "rename":
            found = categories.list_categories(book, counts=False)
            if found:
                categories.update_category(book, found[args[0] % len(found)].id,
                                           name=f"Renamed {args[1]}")
        elif kind == "budget":
            _budget_step(book, args[0], args[1])
    except (Conflict, NotFound):
        pass  # a rename onto a name in use, or an edit of a row deleted here meanwhile


def _budget_step(book: Book, pick: int, seed: int) -> None:
    """Set a category's budget (every third seed removes it instead, if it has one)."""
    found = categories.list_categories(book, counts=False)
    if not found:
        return
    category_id = found[pick % len(found)].id
    if seed % 3 == 0 and budgets.get_budget(book, category_id):
        budgets.remove_budget(book, category_id)
    else:
        budgets.set_budget(book, category_id, f"{seed + 1}.{seed % 100:02d}")


def _value(field: str, seed: int) -> Any:
    if field == "amount":
        return Decimal(seed + 1) / 4
    if field == "occurred_on":
        return date(2024, 1 + seed % 12, 1 + seed % 28)
    if field == "category":
        return CATEGORY_NAMES[seed % len(CATEGORY_NAMES)]
    return f"{field} {seed}"


def _sync_step(book: Book, other: Book, page: int, fault: str) -> None:
    if book is other:
        return
    before = held(other) - _quarantined(other)
    try:
        sync(book, other, page=page, fault=fault)
    except (Dropped, ProtocolError):
        assert fault != "none"
        return
    # After a completed pull from `other`, `book` holds every change `other` held.
    assert before <= held(book)


def _quarantined(book: Book) -> set[str]:
    return {r[0] for r in book.store.rows("SELECT hlc FROM quarantine")}


def _heal(books: list[Book], wall: FakeWall) -> None:
    """Mend the clocks and let time pass, then sync every pair without faults, twice round."""
    wall.skews.clear()
    wall.now += 30 * MINUTE
    for _ in range(2):
        for book in books:
            for other in books:
                if book is not other:
                    sync(book, other, page=7)


def _assert_converged(books: list[Book]) -> None:
    everything = {c["hlc"]: c for book in books for c in logged(book)}
    for book in books:
        assert held(book) == set(everything), "a replica misses a change"
        assert not _quarantined(book)
        assert state(book) == state(books[0]), "replicas disagree"
    expected = _last_writer_wins(everything.values())
    rows = {r[0]: r for r in state(books[0])["transactions"]}
    assert set(rows) == set(expected["transaction"]), "a row is missing or doubled"
    columns = ("occurred_on", "description", "type", "amount", "category", "member", "notes",
               "deleted", "created_at")
    for row_id, fields in expected["transaction"].items():
        got = dict(zip(columns, rows[row_id][1:], strict=True))
        got["deleted"] = bool(got["deleted"])
        assert got == {name: fields.get(name, got[name]) for name in columns}
    budget_rows = {r[0]: r[1:] for r in state(books[0])["budget"]}
    assert budget_rows == {row_id: (f["amount"], int(f["deleted"]), f["created_at"])
                           for row_id, f in expected["budget"].items()}


def _last_writer_wins(changes: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Work out each field's final value from the logs alone: the newest write wins."""
    result: dict[str, dict[str, dict[str, Any]]] = {"transaction": {}, "category": {},
                                                    "member": {}, "budget": {}}
    for change in sorted(changes, key=lambda c: c["hlc"]):
        row = result[change["entity"]].setdefault(change["row"], {})
        for name, value in change["fields"].items():
            if name != "created_at" or name not in row:
                row[name] = value
    return result
