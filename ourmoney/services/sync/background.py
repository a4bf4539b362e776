"""Sync in the background: after local writes (once quiet), periodically, and on "Sync now".

The thread only decides when, and with which paired devices, to sync; `runner.sync_peer`
does the syncing. It notices writes by polling the change log's newest seq (cheap, and it
also sees writes by the CLI on the same data folder), waits with exponential backoff and
jitter for a device that failed, and keeps a status the pages can show.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ourmoney.services import devices
from ourmoney.services.book import Book
from ourmoney.services.devices import Peer
from ourmoney.services.sync import runner
from ourmoney.services.sync.engine import Progress
from ourmoney.services.sync.log import last_seq
from ourmoney.services.sync.runner import PeerResult
from ourmoney.services.sync.status import StatusBoard, SyncStatus

SyncPeer = Callable[[Book, Peer, Progress | None], PeerResult]
log = logging.getLogger(__name__)


class Stopping(Exception):
    """The server is shutting down: leave the sync between two pages."""


@dataclass(frozen=True)
class Timing:
    """How often to look and sync, in seconds (tests make them short)."""

    poll: float = 1.0  # how often the change log is looked at
    quiet: float = 2.0  # how long the log must stay unchanged before a write is synced
    every: float = 60.0  # a round with every device this often
    first: float = 2.0  # the first round, after the server started
    backoff: float = 5.0  # wait after a first failure; doubles with each failure
    backoff_limit: float = 15 * 60.0


class BackgroundSync:
    """A thread that syncs the paired devices of a book when there is reason to."""

    def __init__(self, book: Book, *, automatic: bool = True, timing: Timing | None = None,
                 sync_peer: SyncPeer = runner.sync_peer,
                 now: Callable[[], float] = time.monotonic,
                 jitter: Callable[[], float] | None = None) -> None:
        self.book = book
        self.automatic = automatic
        self.timing = timing or Timing()
        self.board = StatusBoard()
        self._sync_peer = sync_peer
        self._now = now
        self._jitter = jitter or (lambda: random.uniform(0.5, 1.5))  # timing, not a secret
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._asked = False
        self._thread: threading.Thread | None = None
        self._seen_seq: int | None = None
        self._changed_at: float | None = None
        self._next_round = now() + self.timing.first
        self._failures: dict[str, int] = {}
        self._next_try: dict[str, float] = {}

    def start(self) -> BackgroundSync:
        """Start the thread; return self."""
        self._thread = threading.Thread(target=self._run, name="ourmoney-sync", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait for it (a request under way may outlast `timeout`)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Return whether the thread runs (so "Sync now" will be answered)."""
        return self._thread is not None and self._thread.is_alive() \
            and not self._stopping.is_set()

    def sync_now(self) -> bool:
        """Ask for a round with every paired device at once, whatever the backoff says."""
        if not self.alive:
            return False
        with self._lock:
            self._asked = True
        self.board.ask()
        self._wake.set()
        return True

    def status(self) -> SyncStatus:
        """Return what syncing is doing now, or how the last round went."""
        return self.board.snapshot()

    def next_try(self, device_id: str) -> float | None:
        """Return when a failing device is tried again (monotonic seconds), or None."""
        return self._next_try.get(device_id)

    def step(self) -> list[Peer]:
        """Look once: sync the devices that are due now; return them."""
        now = self._now()
        asked = self._take_request()
        written = self._notice_writes(now)
        if not asked and not self.automatic:
            return []
        peers = [peer for peer in devices.list_peers(self.book) if not peer.revoked]
        if not asked:
            peers = self._due(peers, now, written)
        if peers or asked:
            self._round(peers)
        return peers

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    self.step()
                except Exception:  # the thread must outlive any one bad round
                    log.exception("background sync failed")
                self._wake.wait(self.timing.poll)
        finally:
            self.book.store.close()  # this thread's connection

    def _take_request(self) -> bool:
        with self._lock:
            asked, self._asked = self._asked, False
        return asked

    def _notice_writes(self, now: float) -> bool:
        """Return True once the change log has grown and then stayed quiet long enough."""
        seq = last_seq(self.book)
        if seq != self._seen_seq:
            if self._seen_seq is not None:
                self._changed_at = now
            self._seen_seq = seq
            return False
        if self._changed_at is not None and now - self._changed_at >= self.timing.quiet:
            self._changed_at = None
            return True
        return False

    def _due(self, peers: list[Peer], now: float, written: bool) -> list[Peer]:
        """Return the peers to sync: none in backoff; all on the periodic round, after a
        write those with changes to send, and failed ones whose wait is over."""
        periodic = now >= self._next_round
        if periodic:
            self._next_round = now + self.timing.every
        chosen = []
        for peer in peers:
            retry_at = self._next_try.get(peer.device_id)
            if retry_at is not None and now < retry_at:
                continue
            if periodic or retry_at is not None or (written and has_changes_for(self.book, peer)):
                chosen.append(peer)
        return chosen

    def _round(self, peers: list[Peer]) -> None:
        self.board.begin(peers)
        try:
            for peer in peers:
                if self._stopping.is_set():
                    break
                self._after(self._sync_one(peer))
        finally:
            self.board.end()

    def _sync_one(self, peer: Peer) -> PeerResult:
        def progress(stage: str, done: int, total: int) -> None:
            if self._stopping.is_set():  # between pages, each already saved: safe to leave
                raise Stopping
            self.board.progress(peer.device_id, stage, done, total)

        self.board.progress(peer.device_id, "pull", 0, 0)
        try:
            result = self._sync_peer(self.book, peer, progress)
        except Stopping:
            result = PeerResult(peer, None, "stopped")
        except Exception as error:  # one device's failure must not stop the others
            log.exception("syncing with %s failed", peer.device_id)
            result = PeerResult(peer, None, str(error) or type(error).__name__)
        self.board.finish(result)
        return result

    def _after(self, result: PeerResult) -> None:
        """Reset a device's backoff after success; after a failure, wait longer each time."""
        device_id = result.peer.device_id
        if result.report is not None:
            self._failures.pop(device_id, None)
            self._next_try.pop(device_id, None)
            return
        failures = self._failures[device_id] = self._failures.get(device_id, 0) + 1
        wait = min(self.timing.backoff * 2 ** min(failures, 30), self.timing.backoff_limit)
        self._next_try[device_id] = self._now() + wait * self._jitter()


def has_changes_for(book: Book, peer: Peer) -> bool:
    """Return whether the log holds a change the peer has not acknowledged (and did not make)."""
    return book.store.row("SELECT 1 FROM change WHERE seq > ? AND origin != ? LIMIT 1",
                          (peer.acked_seq, peer.device_id)) is not None
