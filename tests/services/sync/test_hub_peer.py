"""Syncing with a hub: convergence, "waking up", a viewer's read-only sync, backoff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ourmoney.services import device_http, devices, hub, ledger
from ourmoney.services.book import Book
from ourmoney.services.sync import engine, hub_peer, runner
from ourmoney.services.sync.background import BackgroundSync, Timing
from ourmoney.services.sync.http import TIMEOUT
from ourmoney.sync.protocol import MAX_PAGE, Page, PushResult
from tests.support.books import draft, ledger_at
from tests.support.fake_hub import EMAIL, HUB_ID, PASSWORD, FakeHub, fake_hub
from tests.support.sync import state

WAKING = "The hub is waking up; trying again shortly."
READ_ONLY = "This hub lets you read only; your changes stay on this device."


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Book]:
    with ledger_at(tmp_path / "laptop.sqlite3") as opened:
        yield opened


@pytest.fixture
def served() -> Iterator[tuple[FakeHub, str]]:
    with fake_hub() as found:
        yield found


def join(book: Book, url: str) -> None:
    hub.join(book, url, hub.sign_in(EMAIL, PASSWORD))


def peer(book: Book) -> devices.Peer:
    return devices.get_peer(book, HUB_ID)


def test_two_devices_converge_through_the_hub(book: Book, laptop: Book,
                                              served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(book, url)
    join(laptop, url)
    ledger.add_transaction(book, draft("Rent", "700.00"))
    ledger.add_transaction(laptop, draft("Train", "3.10"))
    [first] = runner.sync_all(book, "hub")
    [second] = runner.sync_all(laptop, "hub")
    [third] = runner.sync_all(book, "hub")
    assert first.error == second.error == third.error == ""
    reports = [(r.report.pushed, r.report.pulled) for r in (first, second, third) if r.report]
    assert reports == [(1, 0), (1, 1), (0, 1)]
    assert state(book) == state(laptop)
    assert book.store.rows("SELECT description, amount FROM transactions ORDER BY amount") == [
        ("Train", 310), ("Rent", 70000)]
    assert peer(book).last_error == "" and peer(book).last_sync_at is not None
    assert (len(fake.changes), fake.received) == (2, 2)  # nothing pulled was pushed back
    assert peer(book).acked_seq == peer(laptop).acked_seq == 2


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_hub_behind_a_waking_proxy_is_waking_up(book: Book, served: tuple[FakeHub, str],
                                                  status: int) -> None:
    fake, url = served
    join(book, url)
    fake.down = status
    [result] = runner.sync_all(book, "hub")
    assert (result.report, result.error) == (None, WAKING)
    assert (peer(book).last_error, peer(book).failures) == (WAKING, 1)


def test_a_stopped_hub_is_waking_up_and_other_refusals_are_said_as_they_are(
        book: Book) -> None:
    with fake_hub() as (fake, url):
        join(book, url)
        fake.down = 500
        [refused] = runner.sync_all(book, "hub")
        assert refused.error == f"{url} refused: the database is unavailable"
        fake.down = 429
        [busy] = runner.sync_all(book, "hub")
        assert busy.error == f"{url} refused: the database is unavailable"
    [stopped] = runner.sync_all(book, "hub")
    assert stopped.error == WAKING
    assert peer(book).failures == 3


def test_a_device_removed_at_the_hub_is_told_to_join_again(book: Book,
                                                           served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(book, url)
    fake.tokens.clear()
    [result] = runner.sync_all(book, "hub")
    assert result.error == ("The hub no longer accepts this device (it was removed there);"
                            " join it again.")


def test_a_viewer_pulls_and_keeps_its_own_changes(book: Book, laptop: Book,
                                                  served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(laptop, url)
    ledger.add_transaction(laptop, draft("Rent", "700.00"))
    runner.sync_all(laptop, "hub")
    fake.role = "viewer"
    join(book, url)
    [quiet] = runner.sync_all(book, "hub")  # nothing of its own to send: no warning
    assert quiet.error == "" and quiet.report is not None and quiet.report.pulled == 1
    ledger.add_transaction(book, draft("Coffee", "2.00"))
    held = len(fake.changes)
    [result] = runner.sync_all(book, "hub")
    assert result.error == READ_ONLY
    assert result.report is not None and result.report.pushed == 0
    assert len(fake.changes) == held
    hub_row = peer(book)
    assert (hub_row.last_error, hub_row.failures) == (READ_ONLY, 0)
    assert hub_row.last_sync_at is not None
    assert hub_row.acked_seq < ledger_last_seq(book)  # still pending: sent once it may write


def ledger_last_seq(book: Book) -> int:
    return int(book.store.value("SELECT max(seq) FROM change"))


def test_waking_statuses_and_others() -> None:
    def refused(status: int) -> device_http.PeerRefused:
        found = device_http.refusal("http://h/", status, b"<html>")
        assert isinstance(found, device_http.PeerRefused)
        return found

    assert [s for s in (400, 401, 403, 409, 422, 429, 500, 502, 503, 504)
            if hub_peer.asleep(refused(s))] == [502, 503, 504]
    assert hub_peer.asleep(device_http.PeerUnreachable(url="u", reason="timed out"))
    assert not hub_peer.asleep(device_http.NotOurMoney(url="u"))
    assert refused(503).message == "http://h/ refused: HTTP 503"


def test_a_refusal_keeps_no_control_characters() -> None:
    found = device_http.refusal("http://h/", 400, b'{"error": "bad\\u001b[2J\\nthing"}')
    assert found.message == "http://h/ refused: bad [2J thing"


def test_the_first_wait_for_a_hub_is_long() -> None:
    assert hub_peer.HubPeer("http://h/", "t").timeout == TIMEOUT == 60.0


def test_background_sync_backs_off_a_sleeping_hub_with_jitter(
        book: Book, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(book, url)
    fake.down = 503
    wall = [100.0]
    syncer = BackgroundSync(book, timing=Timing(poll=0.01, first=0.0, every=1000.0,
                                                backoff=5.0, backoff_limit=900.0),
                            now=lambda: wall[0], jitter=lambda: 1.25)
    assert [p.device_id for p in syncer.step()] == [HUB_ID]
    assert syncer.next_try(HUB_ID) == 100.0 + 10.0 * 1.25
    assert syncer.status().failed[0].error == WAKING
    wall[0] = 110.0
    assert syncer.step() == []  # still waiting
    wall[0] = 113.0
    syncer.step()
    assert syncer.next_try(HUB_ID) == 113.0 + 20.0 * 1.25
    fake.down = 0
    wall[0] = 140.0
    syncer.step()
    assert syncer.next_try(HUB_ID) is None
    assert peer(book).last_error == ""


def test_a_relay_pull_acknowledges_what_it_brought_only_when_nothing_else_waits(
        book: Book, laptop: Book, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(book, url)
    join(laptop, url)
    ledger.add_transaction(laptop, draft("Rent", "700.00"))
    ledger.add_transaction(laptop, draft("Gas", "40.00"))
    runner.sync_all(laptop, "hub")
    ledger.add_transaction(book, draft("Coffee", "2.00"))  # made here, not yet at the hub
    transport = hub_peer.HubPeer(url, peer(book).token)
    assert engine.pull_from(book, HUB_ID, transport, relay=True) == (2, 0)
    assert peer(book).acked_seq == 0  # the coffee still has to go: so do the two, as duplicates
    runner.sync_all(book, "hub")
    assert (peer(book).acked_seq, fake.received) == (3, 2 + 3)
    ledger.add_transaction(laptop, draft("Bread", "1.20"))
    runner.sync_all(laptop, "hub")
    assert engine.pull_from(book, HUB_ID, transport, relay=True) == (1, 0)
    assert peer(book).acked_seq == 4  # everything after 3 came from the hub


class _Recording:
    """A hub transport that records the page sizes asked for and holds nothing."""

    def __init__(self) -> None:
        self.limits: list[int] = []

    def last_seq(self) -> int:
        return 0

    def pull(self, since: int, limit: int) -> Page:
        self.limits.append(limit)
        return Page([], since, False)

    def push(self, lines: list[str], pulled: int) -> PushResult:
        return PushResult(len(lines), 0, 0)


def test_a_hub_is_pulled_in_the_largest_pages(book: Book, served: tuple[FakeHub, str]) -> None:
    join(book, served[1])
    recording = _Recording()
    hub_peer.sync_with_hub(book, HUB_ID, recording)  # type: ignore[arg-type]
    assert recording.limits == [MAX_PAGE] == [5000]
