"""Sync with one peer: pull its changes page by page, then push ours; every step resumable.

Each pulled page is applied together with the advance of that peer's cursor, in one write,
so a crash anywhere loses nothing and repeats nothing. A push is idempotent (the receiver
dedupes on hlc), so a push whose answer was lost is simply sent again next time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ourmoney.services.book import Book
from ourmoney.services.sync.apply import apply_changes, release_quarantine
from ourmoney.services.sync.log import LogPage, changes_since, last_seq
from ourmoney.services.sync.long_pull import lookups_set_aside
from ourmoney.sync.protocol import PAGE, Change, Page, ProtocolError, PushResult

Progress = Callable[[str, int, int], None]


class Transport(Protocol):
    """How this device reaches a peer: over HTTP, or directly in tests."""

    def last_seq(self) -> int:
        """Return the newest seq of the peer's log (for progress)."""

    def pull(self, since: int, limit: int) -> Page:
        """Return the peer's changes after `since`."""

    def push(self, lines: Sequence[str], pulled: int) -> PushResult:
        """Send change lines; `pulled` tells the peer how far we hold its log."""


@dataclass(frozen=True)
class SyncReport:
    """What one sync with one peer moved."""

    pushed: int
    pulled: int
    quarantined: int


def sync_with(book: Book, peer_id: str, transport: Transport, *, page: int = PAGE,
              progress: Progress | None = None, pull_page: int | None = None) -> SyncReport:
    """Pull from a peer, then push to it; return how many changes went each way.

    `pull_page` asks for larger pages when pulling (up to the protocol's MAX_PAGE): a long
    history then costs fewer requests and fewer writes; `page` is used for both otherwise.
    """
    release_quarantine(book)
    pulled, quarantined = pull_from(book, peer_id, transport, page=pull_page or page,
                                    progress=progress)
    pushed = push_to(book, peer_id, transport, page=page, progress=progress)
    return SyncReport(pushed, pulled, quarantined)


def pull_from(book: Book, peer_id: str, transport: Transport, *, page: int = PAGE,
              progress: Progress | None = None, relay: bool = False) -> tuple[int, int]:
    """Apply a peer's changes we do not hold yet; return (applied, quarantined).

    A relay (the hub) holds every change it sends: with `relay`, the changes it sent are
    counted as acknowledged, so they are not pushed back to it as duplicates. A pull that
    brings more than the ledger holds sets lookup indexes aside meanwhile (see long_pull).
    """
    since = cursors(book, peer_id)[0]
    start, applied, held = since, 0, 0
    found = transport.pull(since, page)
    with lookups_set_aside(book, transport.last_seq() - since if found.more else 0):
        while True:
            if found.next < since:
                raise ProtocolError("the peer's page went backwards")
            after = _advance(peer_id, "pulled_seq", found.next)
            result = apply_changes(book, found.changes, sender=peer_id, checked=found.checked,
                                   after=_held_by(peer_id, found, after) if relay else after)
            applied, held = applied + result.accepted, held + result.quarantined
            since = found.next
            if progress:
                progress("pull", since - start, max(transport.last_seq(), since) - start)
            if not found.more:
                return applied, held
            found = transport.pull(since, page)


def push_to(book: Book, peer_id: str, transport: Transport, *, page: int = PAGE,
            progress: Progress | None = None) -> int:
    """Send a peer the changes it has not acknowledged; return how many it accepted.

    At least one push goes out, even an empty one: it tells the peer how far we now hold its
    log, so its rows turn synced and its conflict notices are right without waiting.
    """
    since = cursors(book, peer_id)[1]
    start, total, accepted, told = since, last_seq(book) - since, 0, False
    while True:
        found: LogPage = changes_since(book, since, page, skip_origin=peer_id)
        if found.lines or not (found.more or told):
            pulled = cursors(book, peer_id)[0]
            accepted += transport.push(found.lines, pulled).accepted
            told = True
        with book.store.write() as cursor:
            _advance(peer_id, "acked_seq", found.next)(cursor)
        since = found.next
        if progress:
            progress("push", since - start, total)
        if not found.more:
            return accepted


def serve_pull(book: Book, peer_id: str, since: int, limit: int,
               held: int | None = None) -> LogPage:
    """Answer a peer's pull; asking from `since` shows it holds our log up to there.

    A peer that asks for the next page while it is still applying this one says how far it
    really holds our log (`held`), so the acknowledgement never runs ahead of its writes.
    """
    acknowledge(book, peer_id, since if held is None else min(since, held))
    return changes_since(book, since, limit, skip_origin=peer_id)


def serve_push(book: Book, peer_id: str, changes: Sequence[Change],
               pulled: int | None = None) -> PushResult:
    """Apply changes a peer pushed; `pulled` is how far it says it holds our log."""
    ack = min(pulled or 0, last_seq(book))
    return apply_changes(book, changes, sender=peer_id, after=_advance(peer_id, "acked_seq", ack))


def acknowledge(book: Book, peer_id: str, seq: int) -> None:
    """Record that a peer holds our log up to `seq` (never beyond what we have)."""
    seq = min(seq, last_seq(book))
    if seq > cursors(book, peer_id)[1]:
        with book.store.write() as cursor:
            _advance(peer_id, "acked_seq", seq)(cursor)


def cursors(book: Book, peer_id: str) -> tuple[int, int]:
    """Return (how far we hold the peer's log, how far the peer holds ours)."""
    row = book.store.row("SELECT pulled_seq, acked_seq FROM peer WHERE device_id = ?",
                         (peer_id,))
    if row is None:
        raise LookupError(f"no peer {peer_id}")
    return int(row[0]), int(row[1])


def _held_by(peer_id: str, found: Page,
             advance: Callable[[sqlite3.Cursor], None]) -> Callable[[sqlite3.Cursor], None]:
    """Return a step that advances the pull cursor and, when every change logged after what the
    peer acknowledged came in this page from that peer, acknowledges up to the newest one."""
    sent = json.dumps([change.hlc for change in found.changes])

    def step(cursor: sqlite3.Cursor) -> None:
        advance(cursor)
        cursor.execute(
            "UPDATE peer SET acked_seq = (SELECT coalesce(max(seq), 0) FROM change)"
            " WHERE device_id = ? AND NOT EXISTS (SELECT 1 FROM change WHERE seq > peer.acked_seq"
            " AND hlc NOT IN (SELECT value FROM json_each(?)))", (peer_id, sent))
    return step


def _advance(peer_id: str, column: str, seq: int) -> Callable[[sqlite3.Cursor], None]:
    """Return a step that moves one of a peer's cursors forward (never back)."""
    def step(cursor: sqlite3.Cursor) -> None:
        cursor.execute(f"UPDATE peer SET {column} = max({column}, ?) WHERE device_id = ?",
                       (seq, peer_id))
    return step
