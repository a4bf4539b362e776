"""Sync now with one or every paired device, and keep each peer's last result for the UI."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, NotFound, OurMoneyError
from ourmoney.services import devices
from ourmoney.services.book import Book
from ourmoney.services.devices import Peer
from ourmoney.services.sync import hub_peer
from ourmoney.services.sync.engine import Progress, SyncReport, sync_with
from ourmoney.services.sync.http import HttpPeer
from ourmoney.sync.protocol import MAX_PAGE, ProtocolError


@dataclass(frozen=True)
class PeerResult:
    """How syncing with one peer went: what moved, or the error."""

    peer: Peer
    report: SyncReport | None
    error: str = ""


def sync_peer(book: Book, peer: Peer, progress: Progress | None = None) -> PeerResult:
    """Sync with one peer over HTTP and record when it worked or why it failed.

    With a hub, a refusal that still let the pull through (a viewer's push) is a sync that
    worked with a warning: recorded as the last error, returned as the result's error.
    """
    if not peer.url:
        return _failed(book, peer, "the device's address is not known yet")
    try:
        report, warning = _sync(book, peer, progress)
    except OurMoneyError as error:
        return _failed(book, peer, hub_peer.said(error) if peer.kind == "hub" else error.message)
    except (ProtocolError, OSError, sqlite3.DatabaseError) as error:
        return _failed(book, peer, str(error))
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET last_sync_at = ?, last_error = ?, failures = 0"
                       " WHERE device_id = ?", (utc_now_text(), warning, peer.device_id))
    return PeerResult(peer, report, warning)


def _sync(book: Book, peer: Peer, progress: Progress | None) -> tuple[SyncReport, str]:
    if peer.kind == "hub":
        return hub_peer.sync_with_hub(book, peer.device_id,
                                      hub_peer.HubPeer(peer.url, peer.token), progress)
    return sync_with(book, peer.device_id, HttpPeer(peer.url, peer.token),
                     progress=progress, pull_page=MAX_PAGE), ""


def sync_all(book: Book, wanted: str | None = None,
             progress: Progress | None = None) -> list[PeerResult]:
    """Sync with every paired, unrevoked peer (or the one named by name, id or URL)."""
    peers = [p for p in devices.list_peers(book) if not p.revoked]
    if wanted:
        peers = [p for p in peers if wanted in (p.name, p.device_id, p.url, p.url.rstrip("/"))]
        if not peers:
            raise NotFound(N_("No paired device is called %(name)s."), field="peer", name=wanted)
    return [sync_peer(book, peer, progress) for peer in peers]


def _failed(book: Book, peer: Peer, reason: str) -> PeerResult:
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET last_error = ?, failures = failures + 1"
                       " WHERE device_id = ?", (reason[:300], peer.device_id))
    return PeerResult(peer, None, reason)
