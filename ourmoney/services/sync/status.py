"""What syncing is doing now, or how the last round went, safe to read from any thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from ourmoney.clock import utc_now_text
from ourmoney.services.devices import Peer
from ourmoney.services.sync.hub_peer import HubWakingUp
from ourmoney.services.sync.runner import PeerResult

WAKING_UP = HubWakingUp().message


@dataclass(frozen=True)
class PeerProgress:
    """One peer in a round: its stage (waiting, pull, push, done, failed) and what moved."""

    device_id: str
    name: str
    stage: str = "waiting"
    done: int = 0
    total: int = 0
    pushed: int = 0
    pulled: int = 0
    error: str = ""

    @property
    def waking_up(self) -> bool:
        """Return whether this peer is a hub that has not answered yet (asleep, restarting)."""
        return self.error == WAKING_UP

    @property
    def percent(self) -> int | None:
        """Return how far the current stage is, 0 to 100, or None when the size is unknown."""
        if self.stage in ("done", "failed"):
            return 100
        return min(100, self.done * 100 // self.total) if self.total > 0 else None


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot: whether a round runs (or was asked for), and each peer of the latest round."""

    running: bool
    peers: tuple[PeerProgress, ...] = ()
    finished_at: str | None = None

    @property
    def pushed(self) -> int:
        """Return how many changes the latest round sent, over every peer."""
        return sum(p.pushed for p in self.peers)

    @property
    def pulled(self) -> int:
        """Return how many changes the latest round received, over every peer."""
        return sum(p.pulled for p in self.peers)

    @property
    def failed(self) -> tuple[PeerProgress, ...]:
        """Return the peers of the latest round that could not be synced."""
        return tuple(p for p in self.peers if p.stage == "failed")

    @property
    def warned(self) -> tuple[PeerProgress, ...]:
        """Return the peers of the latest round synced with a warning (a hub that is read-only)."""
        return tuple(p for p in self.peers if p.stage == "done" and p.error)


class StatusBoard:
    """Holds the status a background round updates and pages read, behind a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status = SyncStatus(running=False)
        self._asked = False

    def snapshot(self) -> SyncStatus:
        """Return the status now; a round that was asked for counts as running."""
        with self._lock:
            status = self._status
            if self._asked and not status.running:  # asked, not begun: the last round is over
                return SyncStatus(running=True)
            return status

    def ask(self) -> None:
        """Show a round as running from the moment someone asks for it."""
        with self._lock:
            self._asked = True

    def begin(self, peers: list[Peer]) -> None:
        """Start a round over these peers, each waiting its turn."""
        with self._lock:
            self._asked = False
            self._status = SyncStatus(True, tuple(PeerProgress(p.device_id, p.name)
                                                  for p in peers))

    def progress(self, device_id: str, stage: str, done: int, total: int) -> None:
        """Record how far one peer's pull or push has come."""
        self._change(device_id, stage=stage, done=max(0, done), total=max(0, total))

    def finish(self, result: PeerResult) -> None:
        """Record how syncing with one peer ended."""
        report = result.report
        if report is None:
            self._change(result.peer.device_id, stage="failed", error=result.error)
        else:
            self._change(result.peer.device_id, stage="done", pushed=report.pushed,
                         pulled=report.pulled, error=result.error)

    def end(self) -> None:
        """Close the round; its results stay until the next one begins."""
        with self._lock:
            self._status = replace(self._status, running=False, finished_at=utc_now_text())

    def _change(self, device_id: str, **values: object) -> None:
        with self._lock:
            peers = tuple(replace(p, **values) if p.device_id == device_id else p  # type: ignore[arg-type]
                          for p in self._status.peers)
            self._status = replace(self._status, peers=peers)
