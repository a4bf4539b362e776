"""The background sync loop: debounce after writes, periodic rounds, backoff, Sync now, stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from ourmoney.services import devices, ledger
from ourmoney.services.book import Book
from ourmoney.services.devices import Peer
from ourmoney.services.sync.background import BackgroundSync, Timing, has_changes_for
from ourmoney.services.sync.engine import Progress, SyncReport
from ourmoney.services.sync.runner import PeerResult
from ourmoney.services.sync.status import StatusBoard, SyncStatus
from tests.support.books import draft

LAPTOP, PHONE = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"
# Every trigger but the one under test is pushed far away.
TIMING = Timing(poll=0.01, quiet=2.0, every=1000.0, first=1000.0, backoff=5.0,
                backoff_limit=900.0)


class FakeSync:
    """Stands in for runner.sync_peer: records who was synced; fails the devices told to."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failing: set[str] = set()

    def __call__(self, book: Book, peer: Peer, progress: Progress | None = None) -> PeerResult:
        self.calls.append(peer.device_id)
        if progress:
            progress("pull", 1, 2)
            progress("push", 3, 3)
        if peer.device_id in self.failing:
            return PeerResult(peer, None, "unreachable")
        return PeerResult(peer, SyncReport(pushed=2, pulled=1, quarantined=0))


class Wall:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def pair(book: Book, device_id: str, name: str) -> Peer:
    return devices.save_peer(book, device_id, name, "http://127.0.0.1:9/",
                             our_token="t" * 43, their_token=device_id * 3)


def loop(book: Book, fake: FakeSync, wall: Wall, *, timing: Timing = TIMING,
         automatic: bool = True, jitter: Callable[[], float] = lambda: 1.0) -> BackgroundSync:
    return BackgroundSync(book, automatic=automatic, timing=timing, sync_peer=fake, now=wall,
                          jitter=jitter)


@pytest.fixture
def fake() -> FakeSync:
    return FakeSync()


@pytest.fixture
def wall() -> Wall:
    return Wall()


def test_a_write_is_synced_once_the_log_stays_quiet(book: Book, fake: FakeSync,
                                                    wall: Wall) -> None:
    pair(book, LAPTOP, "Laptop")
    syncer = loop(book, fake, wall)
    assert syncer.step() == []
    ledger.add_transaction(book, draft("Lunch"))
    wall.now = 0.5
    syncer.step()  # the write is seen
    wall.now = 2.0
    ledger.add_transaction(book, draft("Taxi"))  # another write restarts the wait
    syncer.step()
    wall.now = 3.9
    assert syncer.step() == [] and fake.calls == []
    wall.now = 4.0
    assert [p.device_id for p in syncer.step()] == [LAPTOP]
    wall.now = 10.0
    assert syncer.step() == [] and fake.calls == [LAPTOP]


def test_after_a_write_only_devices_with_changes_to_receive_are_synced(
        book: Book, fake: FakeSync, wall: Wall) -> None:
    pair(book, LAPTOP, "Laptop")
    pair(book, PHONE, "Phone")
    syncer = loop(book, fake, wall)
    syncer.step()
    ledger.add_transaction(book, draft("Lunch"))
    with book.store.write() as cursor:  # the phone already holds the whole log
        cursor.execute("UPDATE peer SET acked_seq = (SELECT max(seq) FROM change)"
                       " WHERE device_id = ?", (PHONE,))
    syncer.step()
    wall.now = 2.0
    syncer.step()
    assert fake.calls == [LAPTOP]


def test_changes_a_device_made_itself_are_not_sent_back(book: Book) -> None:
    laptop = pair(book, LAPTOP, "Laptop")
    assert not has_changes_for(book, laptop)
    with book.store.write() as cursor:
        cursor.execute("INSERT INTO change (hlc, origin, entity, row_id, fields)"
                       " VALUES ('0000000000001-0000-aaaaaaaaaaaaaaaa', ?, 'member', 'm', '{}')",
                       (LAPTOP,))
    assert not has_changes_for(book, devices.get_peer(book, LAPTOP))
    ledger.add_transaction(book, draft("Lunch"))
    assert has_changes_for(book, devices.get_peer(book, LAPTOP))


def test_every_device_is_synced_periodically(book: Book, fake: FakeSync, wall: Wall) -> None:
    pair(book, LAPTOP, "Laptop")
    pair(book, PHONE, "Phone")
    devices.revoke(book, PHONE)
    pair(book, "cccccccccccccccc", "Hub")
    syncer = loop(book, fake, wall, timing=Timing(poll=0.01, every=60.0, first=2.0))
    syncer.step()
    wall.now = 2.0
    syncer.step()
    assert fake.calls == ["cccccccccccccccc", LAPTOP]  # by name; the revoked one never
    wall.now = 61.0
    syncer.step()
    assert len(fake.calls) == 2
    wall.now = 62.0
    syncer.step()
    assert len(fake.calls) == 4


def test_backoff_grows_with_each_failure_and_resets_on_success(
        book: Book, fake: FakeSync, wall: Wall) -> None:
    pair(book, LAPTOP, "Laptop")
    fake.failing.add(LAPTOP)
    syncer = loop(book, fake, wall, timing=Timing(poll=0.01, every=1.0, first=0.0,
                                                  backoff=5.0, backoff_limit=900.0))
    waits = []
    for _ in range(10):
        syncer.step()
        retry_at = syncer.next_try(LAPTOP)
        assert retry_at is not None
        waits.append(retry_at - wall.now)
        wall.now = retry_at - 0.01
        calls = len(fake.calls)
        syncer.step()  # not due yet: skipped, although the periodic round is due
        assert len(fake.calls) == calls
        wall.now = retry_at
    assert waits == [10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0, 900.0, 900.0, 900.0]
    fake.failing.clear()
    syncer.step()
    assert syncer.next_try(LAPTOP) is None
    fake.failing.add(LAPTOP)
    wall.now += 1.0
    syncer.step()
    assert syncer.next_try(LAPTOP) == wall.now + 10.0


@pytest.mark.parametrize("jitter", [0.5, 1.5])
def test_backoff_has_jitter(book: Book, fake: FakeSync, wall: Wall, jitter: float) -> None:
    pair(book, LAPTOP, "Laptop")
    fake.failing.add(LAPTOP)
    syncer = loop(book, fake, wall, timing=Timing(every=1.0, first=0.0), jitter=lambda: jitter)
    syncer.step()
    assert syncer.next_try(LAPTOP) == 10.0 * jitter


def test_the_default_jitter_stays_between_half_and_one_and_a_half(book: Book, fake: FakeSync,
                                                                  wall: Wall) -> None:
    pair(book, LAPTOP, "Laptop")
    fake.failing.add(LAPTOP)
    waits = set()
    for _ in range(30):
        syncer = BackgroundSync(book, timing=Timing(every=1.0, first=0.0), sync_peer=fake,
                                now=wall)
        syncer.step()
        waits.add(syncer.next_try(LAPTOP))
    assert all(w is not None and 5.0 <= w <= 15.0 for w in waits) and len(waits) > 1


def test_sync_now_bypasses_backoff_and_works_with_auto_sync_off(
        book: Book, fake: FakeSync) -> None:
    pair(book, LAPTOP, "Laptop")
    fake.failing.add(LAPTOP)
    syncer = BackgroundSync(book, automatic=False, timing=Timing(poll=0.01), sync_peer=fake)
    syncer._next_try[LAPTOP] = time.monotonic() + 3600  # in backoff for an hour
    syncer.start()
    try:
        assert syncer.sync_now()
        assert syncer.status().running
        deadline = time.monotonic() + 5
        while syncer.status().running and time.monotonic() < deadline:
            time.sleep(0.01)
        status = syncer.status()
        assert fake.calls == [LAPTOP]
        assert [(p.name, p.stage, p.error) for p in status.peers] == [
            ("Laptop", "failed", "unreachable")]
        assert status.finished_at is not None and not status.running
        fake.failing.clear()
        assert syncer.sync_now()
        while syncer.status().running and time.monotonic() < deadline:
            time.sleep(0.01)
        status = syncer.status()
        assert [(p.stage, p.pushed, p.pulled, p.percent) for p in status.peers] == [
            ("done", 2, 1, 100)]
        assert (status.pushed, status.pulled, status.failed) == (2, 1, ())
    finally:
        syncer.stop()


def test_auto_sync_off_never_syncs_on_its_own(book: Book, fake: FakeSync, wall: Wall) -> None:
    pair(book, LAPTOP, "Laptop")
    syncer = loop(book, fake, wall, automatic=False, timing=Timing(every=1.0, first=0.0))
    syncer.step()
    ledger.add_transaction(book, draft("Lunch"))
    for wall.now in (1.0, 5.0, 100.0):
        syncer.step()
    assert fake.calls == []


def test_progress_is_reported_per_device_while_a_round_runs(book: Book, wall: Wall) -> None:
    pair(book, LAPTOP, "Laptop")
    pair(book, PHONE, "Phone")
    seen = []

    def sync_peer(book: Book, peer: Peer, progress: Progress | None = None) -> PeerResult:
        assert progress is not None
        progress("pull", 50, 200)
        seen.append([(p.name, p.stage, p.done, p.total, p.percent)
                     for p in syncer.status().peers])
        return PeerResult(peer, SyncReport(1, 0, 0))

    syncer = BackgroundSync(book, timing=Timing(first=0.0), sync_peer=sync_peer, now=wall)
    syncer.step()
    assert seen == [
        [("Laptop", "pull", 50, 200, 25), ("Phone", "waiting", 0, 0, None)],
        [("Laptop", "done", 50, 200, 100), ("Phone", "pull", 50, 200, 25)]]
    assert not syncer.status().running


def test_an_unexpected_error_fails_that_device_only(book: Book, fake: FakeSync,
                                                    wall: Wall) -> None:
    pair(book, LAPTOP, "Laptop")
    pair(book, PHONE, "Phone")

    def sync_peer(book: Book, peer: Peer, progress: Progress | None = None) -> PeerResult:
        if peer.device_id == LAPTOP:
            raise LookupError("gone")
        return fake(book, peer, progress)

    syncer = BackgroundSync(book, timing=Timing(first=0.0), sync_peer=sync_peer, now=wall)
    syncer.step()
    assert [(p.name, p.stage, p.error) for p in syncer.status().peers] == [
        ("Laptop", "failed", "gone"), ("Phone", "done", "")]


def test_stop_is_prompt_and_a_stopped_loop_refuses_sync_now(book: Book, fake: FakeSync) -> None:
    syncer = BackgroundSync(book, timing=Timing(poll=60.0), sync_peer=fake).start()
    assert syncer.alive
    started = time.monotonic()
    syncer.stop()
    assert time.monotonic() - started < 1.0
    assert not syncer.alive and not syncer.sync_now()
    assert not [t for t in threading.enumerate() if t.name == "ourmoney-sync"]


def test_the_thread_notices_a_write_and_syncs(book: Book, fake: FakeSync) -> None:
    pair(book, LAPTOP, "Laptop")
    syncer = BackgroundSync(book, timing=Timing(poll=0.01, quiet=0.05, every=1000.0,
                                                first=1000.0), sync_peer=fake).start()
    try:
        time.sleep(0.05)
        ledger.add_transaction(book, draft("Lunch"))
        deadline = time.monotonic() + 5
        while not fake.calls and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fake.calls == [LAPTOP]
    finally:
        syncer.stop()


def test_a_round_asked_for_shows_as_running_without_the_last_rounds_devices(book: Book) -> None:
    board = StatusBoard()
    laptop = pair(book, LAPTOP, "Laptop")
    board.begin([laptop])
    board.finish(PeerResult(laptop, SyncReport(1, 2, 0)))
    board.end()
    assert [(p.stage, p.pushed, p.pulled) for p in board.snapshot().peers] == [("done", 1, 2)]
    board.ask()
    assert board.snapshot() == SyncStatus(running=True)
    board.begin([laptop])
    assert [(p.stage, p.percent) for p in board.snapshot().peers] == [("waiting", None)]
    board.progress(LAPTOP, "push", -5, -1)  # nonsense from a peer is clamped
    assert [(p.done, p.total, p.percent) for p in board.snapshot().peers] == [(0, 0, None)]


def test_stopping_leaves_a_long_sync_between_two_pages(book: Book) -> None:
    pair(book, LAPTOP, "Laptop")
    pages: list[int] = []
    inside = threading.Event()

    def sync_peer(book: Book, peer: Peer, progress: Progress | None = None) -> PeerResult:
        assert progress is not None
        for page in range(1000):
            inside.set()
            time.sleep(0.01)
            progress("pull", page, 1000)
            pages.append(page)
        return PeerResult(peer, SyncReport(0, 1000, 0))

    syncer = BackgroundSync(book, automatic=False, timing=Timing(poll=0.01),
                            sync_peer=sync_peer).start()
    assert syncer.sync_now() and inside.wait(5)
    started = time.monotonic()
    syncer.stop()
    assert time.monotonic() - started < 1.0 and len(pages) < 1000
    assert [(p.stage, p.error) for p in syncer.status().peers] == [("failed", "stopped")]
