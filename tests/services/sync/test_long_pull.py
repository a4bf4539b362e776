"""A long first sync sets the lookup indexes aside: same ledger, right reads, safe after a crash."""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ourmoney.db import indexes
from ourmoney.services import categories, ledger, listing, members
from ourmoney.services.book import Book, open_book
from ourmoney.services.models import TransactionFilter
from ourmoney.services.sync import engine, long_pull, turns
from ourmoney.services.sync.notices import pending_count
from ourmoney.sync.protocol import Page, PushResult
from tests.support.books import (
    daily_totals,
    draft,
    ledger_at,
    payee_totals,
    recomputed_payees,
    recomputed_totals,
)
from tests.support.sync import Direct, introduce, state

PAGE = 7
INDEX_SQL = "SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name"


class Killed(BaseException):
    """The process died here (not an error the sync could handle)."""


@dataclass
class Watched(Direct):
    """A direct transport that runs a check before handing over each page after the first."""

    before_page: Callable[[int], None] = lambda _n: None
    pages: int = field(default=0)

    def pull(self, since: int, limit: int) -> Page:
        """Pull a page, after running the check."""
        if self.pages:
            self.before_page(self.pages)
        self.pages += 1
        return super().pull(since, limit)

    def push(self, lines: Sequence[str], pulled: int) -> PushResult:
        """Push as Direct does."""
        return super().push(lines, pulled)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Book]:
    """A ledger with a history: adds, edits of every kind, deletes, a rename, members."""
    with ledger_at(tmp_path / "source.sqlite3") as book:
        ana = members.add_member(book, "Ana").id
        added = [ledger.add_transaction(book, draft(
            f"Shop {n % 5}", f"{n}.25", kind="income" if n % 4 == 0 else "expense",
            on=date(2024, 1 + n % 12, 1 + n % 27), category=f"Cat {n % 3}",
            member_id=ana if n % 2 else None, notes=f"note {n}")) for n in range(1, 41)]
        for n, txn in enumerate(added[:12]):
            ledger.update_transaction(book, txn.id, {"amount": Decimal(f"{100 + n}.00"),
                                                     "description": f"Edited {n}"})
        for txn in added[12:18]:
            ledger.delete_transaction(book, txn.id)
        ledger.update_transaction(book, added[20].id, {"occurred_on": date(2023, 5, 5)})
        food = categories.find_by_name(book, "Cat 1")
        assert food is not None
        categories.update_category(book, food.id, name="Food")
        yield book


@contextmanager
def _empty(tmp_path: Path, name: str, source: Book) -> Iterator[Book]:
    with ledger_at(tmp_path / f"{name}.sqlite3") as book:
        introduce(book, [source])
        introduce(source, [book])
        yield book


def _pull(book: Book, source: Book, before_page: Callable[[int], None] = lambda _n: None,
          ) -> tuple[int, int]:
    transport = Watched(source, book.device_id, before_page=before_page)
    return engine.pull_from(book, source.device_id, transport, page=PAGE)


def _everything(book: Book) -> dict[str, Any]:
    """What must be equal after a sync with and without indexes set aside."""
    return {**state(book), "daily": daily_totals(book), "payees": payee_totals(book),
            "indexes": book.store.rows(INDEX_SQL), "reads": _reads(book),
            "set aside": book.store.rows("SELECT * FROM setting WHERE key = ?",
                                         (indexes.SET_ASIDE_KEY,))}


def _reads(book: Book) -> list[Any]:
    """What the pages show: lists and totals under every kind of filter, search, pending."""
    ana = members.list_members(book)[0].id if members.list_members(book) else None
    food = categories.find_by_name(book, "Food")
    filters = [TransactionFilter(), TransactionFilter(type="income"),
               TransactionFilter(type="expense"), TransactionFilter(member_id=ana),
               TransactionFilter(category_id=food.id if food else None),
               TransactionFilter(q="Edited"), TransactionFilter(q="note 3"),
               TransactionFilter(date_from=date(2024, 3, 1), date_to=date(2024, 6, 30)),
               TransactionFilter(status="pending")]
    found: list[Any] = []
    for selection in filters:
        page = listing.list_transactions(book, selection, limit=500)
        found.append([(t.id, t.amount, t.description) for t in page.items])
        found.append(listing.totals(book, selection))
    return [*found, pending_count(book)]


def test_a_long_first_sync_gives_the_ledger_a_normal_sync_gives(
        tmp_path: Path, source: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    every = len(_log(source))
    with _empty(tmp_path, "normal", source) as normal:
        assert _pull(normal, source) == (every, 0)
        monkeypatch.setattr(long_pull, "SET_ASIDE_FROM", 10)
        with _empty(tmp_path, "long", source) as long:
            seen: list[bool] = []
            settings: list[tuple[int, int]] = []

            def watch(_n: int) -> None:
                seen.append(_set_aside(long))
                settings.append(_write_settings(long))
                process.append((gc.isenabled(), sys.getswitchinterval()))
            process: list[tuple[bool, float]] = []
            before = (gc.isenabled(), sys.getswitchinterval())
            assert _write_settings(long) == (-2000, 1000)
            assert _pull(long, source, watch) == (every, 0)
            assert seen and all(seen)  # set aside from the first page to the last
            assert set(settings) == {(-16_000, 4_000)}
            assert set(process) == {(False, turns.QUICK_SWITCH)}
            assert _write_settings(long) == (-2000, 1000)
            assert (gc.isenabled(), sys.getswitchinterval()) == before == (True, 0.005)
            assert _everything(long) == _everything(normal)
    assert not _set_aside(long)


def test_reads_are_right_while_the_indexes_are_set_aside(
        tmp_path: Path, source: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(long_pull, "SET_ASIDE_FROM", 10)
    midway: list[Any] = []
    with _empty(tmp_path, "long", source) as long:
        def read_midway(n: int) -> None:
            if n == 5:
                assert _set_aside(long)
                midway.extend([_reads(long), _backup(long, tmp_path / "midway.sqlite3")])
        _pull(long, source, read_midway)
    reads, copy = midway
    assert len(reads[0]) > 5  # some rows had arrived
    with closing(open_book(copy)) as reopened:  # opening builds the indexes again
        assert not _set_aside(reopened)
        assert _reads(reopened) == reads
        assert daily_totals(reopened) == recomputed_totals(reopened)
        assert payee_totals(reopened) == recomputed_payees(reopened)


def test_a_crash_midway_is_repaired_on_opening_and_the_next_sync_completes(
        tmp_path: Path, source: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    with _empty(tmp_path, "normal", source) as normal:
        _pull(normal, source)
        expected = _everything(normal)
    monkeypatch.setattr(long_pull, "SET_ASIDE_FROM", 10)
    path = tmp_path / "crashed.sqlite3"
    with _empty(tmp_path, "crashed", source) as crashed:
        def die(n: int) -> None:
            if n == 4:
                raise Killed
        monkeypatch.setattr(long_pull, "rebuild_lookups", lambda _book: None)  # killed: no cleanup
        with pytest.raises(Killed):
            _pull(crashed, source, die)
        assert _set_aside(crashed)
        assert engine.cursors(crashed, source.device_id)[0] == 4 * PAGE
    monkeypatch.undo()
    with closing(open_book(path)) as reopened:
        assert not _set_aside(reopened)
        assert reopened.store.rows(INDEX_SQL) == expected["indexes"]
        assert daily_totals(reopened) == recomputed_totals(reopened)
        _pull(reopened, source)
        assert _everything(reopened) == expected


KILLED_SYNC = """
import sys, time
from pathlib import Path
from ourmoney.services.book import open_book
from ourmoney.services.sync import engine, long_pull, turns
from tests.support.sync import Direct

class Slow(Direct):
    pages = 0
    def pull(self, since, limit):
        self.pages += 1
        if self.pages == 4:  # three pages are in: say so, then wait to be killed
            Path(sys.argv[3]).write_text("3")
            time.sleep(60)
        return super().pull(since, limit)

long_pull.SET_ASIDE_FROM = 10
book, source = open_book(sys.argv[1]), open_book(sys.argv[2])
engine.pull_from(book, source.device_id, Slow(source, book.device_id), page=%d)
"""


def test_a_process_killed_midway_leaves_a_ledger_right_after_reopening(
        tmp_path: Path, source: Book) -> None:
    with _empty(tmp_path, "normal", source) as normal:
        _pull(normal, source)
        expected = _everything(normal)
    path, marker = tmp_path / "killed.sqlite3", tmp_path / "pages"
    with _empty(tmp_path, "killed", source):
        pass
    root = Path(__file__).resolve().parents[3]
    child = subprocess.Popen([sys.executable, "-c", KILLED_SYNC % PAGE, str(path),
                              str(source.store.path), str(marker)], cwd=root)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the sync ended early: {child.poll()}"
    finally:
        child.kill()  # kill -9: no cleanup runs
        child.wait()
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("SELECT count(*) FROM setting WHERE key = ?",
                           (indexes.SET_ASIDE_KEY,)).fetchone() == (1,)
        assert raw.execute("SELECT count(*) FROM change").fetchone() == (3 * PAGE,)
    with closing(open_book(path)) as reopened:
        assert not _set_aside(reopened)
        assert reopened.store.rows(INDEX_SQL) == expected["indexes"]
        assert daily_totals(reopened) == recomputed_totals(reopened)
        assert payee_totals(reopened) == recomputed_payees(reopened)
        _pull(reopened, source)
        assert _everything(reopened) == expected


def test_a_sync_finds_indexes_left_aside_and_builds_them(tmp_path: Path, source: Book) -> None:
    with _empty(tmp_path, "left", source) as left:
        before = left.store.rows(INDEX_SQL)
        with left.store.write() as cursor:
            indexes.set_aside(cursor)
        assert _set_aside(left)
        assert len(left.store.rows(INDEX_SQL)) == len(before) - len(indexes.LOOKUP_INDEXES)
        _pull(left, source)  # a short pull: not worth setting aside, but repairs
        assert not _set_aside(left)
        assert left.store.rows(INDEX_SQL) == before


def test_a_short_pull_or_one_into_a_fuller_ledger_keeps_the_indexes(
        tmp_path: Path, source: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    with _empty(tmp_path, "short", source) as short:
        seen: list[bool] = []
        collecting: list[bool] = []

        def watch(_n: int) -> None:
            seen.append(_set_aside(short))
            collecting.append(gc.isenabled())
            switches.append(sys.getswitchinterval())
        switches: list[float] = []
        _pull(short, source, watch)  # under SET_ASIDE_FROM
        assert seen and not any(seen)
        assert collecting and all(collecting)
        assert set(switches) == {0.005}  # Python's default: a short pull changes nothing global
    monkeypatch.setattr(long_pull, "SET_ASIDE_FROM", 10)
    with _empty(tmp_path, "fuller", source) as fuller:
        for n in range(len(_log(source))):
            ledger.add_transaction(fuller, draft(f"Own {n}"))
        seen.clear()
        collecting.clear()
        gc.disable()  # someone else paused the collector: a pull leaves it paused
        try:
            _pull(fuller, source, lambda _n: (seen.append(_set_aside(fuller)),
                                              collecting.append(gc.isenabled())))
            assert not gc.isenabled()
        finally:
            gc.enable()
        assert seen and not any(seen)  # long, but into a fuller ledger: indexes kept
        assert collecting and not any(collecting)


def _set_aside(book: Book) -> bool:
    with book.store.write() as cursor:
        return indexes.are_set_aside(cursor)


def _write_settings(book: Book) -> tuple[int, int]:
    """This thread's connection's page cache and WAL checkpoint size."""
    return (book.store.value("PRAGMA cache_size"), book.store.value("PRAGMA wal_autocheckpoint"))


def _log(book: Book) -> list[tuple[Any, ...]]:
    return book.store.rows("SELECT seq FROM change")


def _backup(book: Book, target: Path) -> Path:
    with closing(sqlite3.connect(book.store.path)) as live, \
            closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
    return target
