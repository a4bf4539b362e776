"""Hybrid logical clock: timestamps that sort in causal and wall-clock order across devices."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

MAX_COUNTER = 0xFFFF
MAX_DRIFT_MS = 10 * 60 * 1000
_HLC = re.compile(r"([0-9]{13})-([0-9a-f]{4})-([0-9a-f]{16})")


@dataclass(frozen=True, order=True)
class Timestamp:
    """One point of the hybrid logical clock."""

    ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.ms:013d}-{self.counter:04x}-{self.node}"


class ClockDrift(ValueError):
    """The remote clock is more than ten minutes ahead of ours."""


def parse(text: str) -> Timestamp:
    """Parse an HLC string such as "1732191234567-0001-0123456789abcdef"."""
    match = _HLC.fullmatch(text)
    if not match:
        raise ValueError(f"not a clock value: {text!r}")
    return Timestamp(int(match.group(1)), int(match.group(2), 16), match.group(3))


def wall_ms() -> int:
    """Return the wall clock in milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


class Clock:
    """A node's hybrid logical clock; thread-safe, persisted by whoever stores its `last` value."""

    def __init__(self, node: str, last: str | None = None,
                 wall: Callable[[], int] = wall_ms) -> None:
        if not re.fullmatch(r"[0-9a-f]{16}", node):
            raise ValueError("node must be 16 hex digits")
        self.node = node
        self._wall = wall
        self._lock = threading.Lock()
        start = parse(last) if last else Timestamp(0, 0, node)
        self._ms, self._counter = start.ms, start.counter

    @property
    def last(self) -> str:
        """Return the most recent timestamp this clock issued or merged."""
        return str(Timestamp(self._ms, self._counter, self.node))

    def tick(self) -> str:
        """Return a new timestamp later than every one seen so far."""
        with self._lock:
            return str(self._advance())

    def ticks(self, count: int) -> Iterator[str]:
        """Yield `count` new increasing timestamps (for bulk writes)."""
        with self._lock:
            stamps = [str(self._advance()) for _ in range(count)]
        yield from stamps

    def merge(self, remote: str) -> None:
        """Move this clock past a timestamp received from another node."""
        other = parse(remote)
        with self._lock:
            now = self._wall()
            if other.ms - now > MAX_DRIFT_MS:
                raise ClockDrift(remote)
            self._raise_to(other)

    def too_far_ahead(self, remote: str) -> bool:
        """Tell whether a received timestamp is more than ten minutes ahead of our wall clock."""
        return parse(remote).ms - self._wall() > MAX_DRIFT_MS

    def catch_up(self, stored: str) -> None:
        """Move this clock past a timestamp this node stored (another process may have written)."""
        other = parse(stored)
        with self._lock:
            self._raise_to(other)

    def _raise_to(self, other: Timestamp) -> None:
        """Move up to `other` if it is later (the caller holds the lock)."""
        if (other.ms, other.counter) > (self._ms, self._counter):
            self._ms, self._counter = other.ms, other.counter

    def _advance(self) -> Timestamp:
        now = self._wall()
        if now > self._ms:
            self._ms, self._counter = now, 0
        elif self._counter < MAX_COUNTER:
            self._counter += 1
        else:  # counter exhausted within one millisecond: borrow the next millisecond
            self._ms, self._counter = self._ms + 1, 0
        return Timestamp(self._ms, self._counter, self.node)


def utc_now_text() -> str:
    """Return the current UTC time as ISO-8601 with milliseconds and "Z"."""
    return utc_text(wall_ms())


def utc_text(ms: int) -> str:
    """Format epoch milliseconds as ISO-8601 UTC with milliseconds and "Z"."""
    seconds, millis = divmod(ms, 1000)
    return _utc_second(seconds) + _MILLIS[millis]


_MILLIS = tuple(f".{n:03d}Z" for n in range(1000))


@lru_cache(maxsize=1024)  # a sync or an import formats many times within one second
def _utc_second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def hlc_time(hlc: str) -> str:
    """Return the wall time an HLC value carries, as ISO-8601 UTC (a row's updated_at)."""
    return utc_text(parse(hlc).ms)
