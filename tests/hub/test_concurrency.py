"""Twenty devices push and pull at once through two hub processes on one database.

Every device must receive every other device's changes exactly once, and the household's
seqs must run 1..N without gaps or repeats. A hub that numbered changes before taking the
household's lock (so that seq order differed from commit order) would let a reader move
its cursor past a change that commits late, and this test would see it missing.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

from ourmoney.services.sync.http import HttpPeer
from tests.hub.conftest import join
from tests.hub.test_api import change, stored
from tests.support.hub import EDITOR, OWNER, RunningHub, add_household, fresh_database, start_hub

DEVICES = 20
ROUNDS = 8


class Device:
    """A test device: what it pushed, and every change line a pull gave it, in order."""

    def __init__(self, number: int, peer: HttpPeer) -> None:
        self.id = f"{number + 1:016x}"
        self.peer = peer
        self.pushed: list[str] = []
        self.received: list[str] = []
        self.cursor = 0
        self.errors: list[BaseException] = []

    def pull_all(self) -> None:
        while True:
            page = self.peer.pull(self.cursor, random.choice([7, 50, 1000]))
            self.received.extend(c.hlc for c in page.changes)
            self.cursor = page.next
            if not page.more:
                return

    def run(self, start: threading.Barrier) -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                made = [change(self.id, f"{self.id}-{n}") for n in range(random.randint(1, 40))]
                self.pushed.extend(c.hlc for c in made)
                self.peer.push([c.line() for c in made], self.cursor)
                self.pull_all()
        except BaseException as error:  # reported by the test, in its own thread
            self.errors.append(error)


def test_twenty_devices_through_two_hubs_get_every_change_exactly_once() -> None:
    random.seed(2026)
    with fresh_database() as dsn:
        add_household(dsn)
        with start_hub(dsn) as first, start_hub(dsn) as second:
            devices = [_device(n, first if n % 2 else second) for n in range(DEVICES)]
            start = threading.Barrier(DEVICES)
            threads = [threading.Thread(target=d.run, args=(start,)) for d in devices]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=240)
            assert not [d.errors for d in devices if d.errors]
            for device in devices:
                device.pull_all()
            rows = stored(dsn)
    seqs, hlcs = [seq for seq, _ in rows], [hlc for _, hlc in rows]
    everything = {hlc for d in devices for hlc in d.pushed}
    assert seqs == list(range(1, len(everything) + 1))
    assert set(hlcs) == everything
    for device in devices:
        counts = Counter(device.received)
        assert not [hlc for hlc, n in counts.items() if n > 1], device.id
        assert set(device.received) == everything - set(device.pushed), device.id


def _device(number: int, hub: RunningHub) -> Device:
    who = OWNER if number % 2 else EDITOR
    device = Device(number, HttpPeer(hub.url, ""))
    device.peer.token = join(hub, who, device=device.id, name=f"Device {number}")
    return device

