"""The next page is read and checked in a helper thread, in turn with the applying thread."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from ourmoney.services.sync import turns
from ourmoney.services.sync.http import HttpPeer
from ourmoney.sync.protocol import Change, ProtocolError, page_trailer

ORIGIN = "0123456789abcdef"


def line(n: int, **fields: object) -> str:
    """A change line creating transaction n (fields override the good values)."""
    values = {"occurred_on": "2026-03-01", "description": f"Item {n}", "type": "expense",
              "amount": 100 + n, "created_at": "2026-03-01T10:00:00.000Z", **fields}
    return Change(f"1780000000000-{n:04d}-{ORIGIN}", ORIGIN, "transaction",
                  f"row-{n}", values).line()


class Pages(HttpPeer):
    """An HTTP peer whose downloads come from a dict of page bodies, recording the threads."""

    def __init__(self, bodies: dict[int, bytes]) -> None:
        super().__init__("http://127.0.0.1:9/", "token")
        self.bodies = bodies
        self.read_in: list[str] = []

    def _download(self, since: int, limit: int, held: int,
                  before_body: Callable[[], object] = lambda: None) -> tuple[bytes, int]:
        self.read_in.append(threading.current_thread().name)
        before_body()
        return self.bodies[since], 4


def body(lines: list[str], next_seq: int, more: bool) -> bytes:
    return "".join(text + "\n" for text in [*lines, page_trailer(next_seq, more)]).encode()


@pytest.fixture(autouse=True)
def turn_taken() -> Iterator[None]:
    turns.take_turn()
    yield
    turns.take_turn()


def test_pages_come_back_parsed_and_checked_and_the_next_is_fetched_by_a_helper() -> None:
    peer = Pages({0: body([line(1), line(2)], 2, True), 2: body([line(3), line(4)], 4, False)})
    first = peer.pull(0, 2)
    ahead = peer._ahead
    assert ahead is not None
    ahead._thread.join(0.2)
    assert ahead._thread.is_alive()  # asked for the next page; reads it only in its turn
    second = peer.pull(2, 2)  # waiting for it gives the turn
    assert [c.row for c in first.changes] == ["row-1", "row-2"]
    assert [c.row for c in second.changes] == ["row-3", "row-4"]
    assert (first.checked, first.more, second.checked, second.more) == (True, True, True, False)
    assert peer.read_in == [threading.current_thread().name, "sync-pull-ahead"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"amount": "12.50"},
     "transaction field amount must be a positive whole number of minor units"),
    ({"occurred_on": "<script>alert(1)</script>"},
     "transaction field occurred_on must be a date like 2024-05-31"),
    ({"description": "=HYPERLINK(\"x\")" + "x" * 300},
     "transaction field description may hold at most 200 characters"),
])
def test_a_bad_value_in_a_page_fetched_ahead_is_refused_when_it_is_handed_over(
        fields: dict[str, object], message: str) -> None:
    peer = Pages({0: body([line(1)], 1, True), 1: body([line(2), line(3, **fields)], 3, False)})
    assert len(peer.pull(0, 1).changes) == 1
    with pytest.raises(ProtocolError) as refused:
        peer.pull(1, 2)
    assert (str(refused.value), refused.value.line) == (f"line 2: {message}", 2)


def test_a_cut_page_fetched_ahead_is_refused_when_it_is_handed_over() -> None:
    peer = Pages({0: body([line(1)], 1, True), 1: (line(2) + "\n").encode()})
    peer.pull(0, 1)
    with pytest.raises(ProtocolError, match="cut short"):
        peer.pull(1, 1)


def test_the_helper_waits_for_the_turn_then_reads_at_once() -> None:
    started = time.monotonic()
    assert not turns.wait_for_turn(0.05)
    assert time.monotonic() - started >= 0.05
    waiting = threading.Thread(target=turns.wait_for_turn, args=(10.0,))
    waiting.start()
    turns.give_turn()
    waiting.join(2.0)
    assert not waiting.is_alive()
    assert turns.wait_for_turn(0.0)


def test_a_helper_whose_turn_never_comes_reads_the_page_after_its_wait(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turns, "TURN_WAIT", 0.05)
    peer = Pages({0: body([line(1)], 1, True), 1: body([line(2)], 2, False)})
    peer.pull(0, 1)
    ahead = peer._ahead
    assert ahead is not None
    ahead._thread.join(2.0)  # nobody gave the turn: it read the page all the same
    assert not ahead._thread.is_alive()
    assert [c.row for c in peer.pull(1, 1).changes] == ["row-2"]


def test_quick_switches_last_while_any_pull_wants_them_then_the_interval_is_put_back() -> None:
    before = sys.getswitchinterval()
    with turns.quick_switches():
        assert sys.getswitchinterval() == pytest.approx(turns.QUICK_SWITCH)
        with turns.quick_switches():
            assert sys.getswitchinterval() == pytest.approx(turns.QUICK_SWITCH)
        assert sys.getswitchinterval() == pytest.approx(turns.QUICK_SWITCH)
    assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError), turns.quick_switches():
        raise RuntimeError("a pull failed")
    assert sys.getswitchinterval() == before
