"""Replicas that sync directly (no HTTP), with faults injected on the way, for sync tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ourmoney.clock import Clock
from ourmoney.db.entities import ENTITIES
from ourmoney.services.book import Book
from ourmoney.services.sync import engine
from ourmoney.services.sync.log import last_seq
from ourmoney.sync.protocol import Page, PushResult, parse_page, parse_push, push_body
from tests.support.books import ledger_at

FAULTS = ("none", "drop_request", "drop_response", "cut_stream", "crash_after_apply")
# What each synced table holds that every replica must agree on.
STATE_SQL = {
    "transactions": "SELECT id, occurred_on, description, type, amount, category_id,"
                    " member_id, notes, deleted, created_at FROM transactions ORDER BY id",
    "category": "SELECT id, name, kind, color, deleted, created_at FROM category ORDER BY id",
    "member": "SELECT id, name, deleted, created_at FROM member ORDER BY id",
    "budget": "SELECT id, amount, deleted, created_at FROM budget ORDER BY id",
}


class Dropped(ConnectionError):
    """A fault the test injected: the network lost something."""


@dataclass
class FakeWall:
    """A shared wall clock that tests move by hand, with a skew per replica."""

    now: int = 1_780_000_000_000
    skews: dict[str, int] = field(default_factory=dict)

    def of(self, node: str) -> Callable[[], int]:
        """Return the wall clock one replica reads."""
        return lambda: self.now + self.skews.get(node, 0)


@dataclass
class Direct:
    """A transport that calls the other replica's services, through the wire format."""

    server: Book
    client_id: str
    fault: str = "none"

    def last_seq(self) -> int:
        """Return the newest seq of the server's log."""
        return last_seq(self.server)

    def pull(self, since: int, limit: int) -> Page:
        """Pull a page, faults included."""
        self._maybe("drop_request")
        lines = list(engine.serve_pull(self.server, self.client_id, since, limit).ndjson())
        if self.fault == "cut_stream":
            lines = lines[: len(lines) // 2]
        self._maybe("drop_response")
        return parse_page(lines)

    def push(self, lines: Sequence[str], pulled: int) -> PushResult:
        """Push lines, faults included."""
        self._maybe("drop_request")
        body = list(push_body(lines))
        if self.fault == "cut_stream":
            body = body[: len(body) // 2]
        result = engine.serve_push(self.server, self.client_id, parse_push(body), pulled)
        self._maybe("drop_response")
        self._maybe("crash_after_apply")
        return result

    def _maybe(self, fault: str) -> None:
        if self.fault == fault:
            raise Dropped(fault)


@contextmanager
def replicas(folder: Path, count: int, wall: FakeWall | None = None) -> Iterator[list[Book]]:
    """Open `count` ledgers that all know each other as peers, on a shared fake wall clock."""
    with _opened(folder, count) as books:
        for book in books:
            if wall:
                book.clock = Clock(book.device_id, book.clock.last, wall=wall.of(book.device_id))
            introduce(book, [b for b in books if b is not book])
        yield books


def introduce(book: Book, others: Sequence[Book]) -> None:
    """Record the other replicas as paired peers of `book`."""
    with book.store.write() as cursor:
        cursor.executemany(
            "INSERT OR IGNORE INTO peer (device_id, name, paired_at) VALUES (?, ?, '2026-01-01')",
            [(other.device_id, other.device_name) for other in others])


def sync(book: Book, other: Book, *, page: int = 1000, fault: str = "none") -> engine.SyncReport:
    """Sync `book` with `other` directly."""
    return engine.sync_with(book, other.device_id, Direct(other, book.device_id, fault),
                            page=page)


def state(book: Book) -> dict[str, list[tuple[Any, ...]]]:
    """Return what the replica holds, for comparing replicas: values and each field's clock."""
    found = {table: book.store.rows(sql) for table, sql in STATE_SQL.items()}
    for entity in ENTITIES.values():
        found[f"{entity.table} clocks"] = [
            (row_id, {name: json.loads(clocks or "{}").get(name, base) for name in entity.columns})
            for row_id, base, clocks in book.store.rows(
                f"SELECT id, hlc, field_hlc FROM {entity.table} ORDER BY id")]
    return found


def held(book: Book) -> set[str]:
    """Return every change hlc a replica holds: logged or quarantined."""
    return {r[0] for r in book.store.rows(
        "SELECT hlc FROM change UNION SELECT hlc FROM quarantine")}


def logged(book: Book) -> list[dict[str, Any]]:
    """Return the change log decoded."""
    return [{"hlc": h, "origin": o, "entity": e, "row": r, "fields": json.loads(f)}
            for h, o, e, r, f in book.store.rows(
                "SELECT hlc, origin, entity, row_id, fields FROM change ORDER BY seq")]


@contextmanager
def _opened(folder: Path, count: int) -> Iterator[list[Book]]:
    books: list[Book] = []
    managers = [ledger_at(folder / f"replica{n}.sqlite3") for n in range(count)]
    try:
        for manager in managers:
            books.append(manager.__enter__())
        yield books
    finally:
        for manager in reversed(managers[:len(books)]):
            manager.__exit__(None, None, None)
