"""ourmoney.clock: the hybrid logical clock and UTC text stamps."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ourmoney.clock import (
    MAX_COUNTER,
    MAX_DRIFT_MS,
    Clock,
    ClockDrift,
    Timestamp,
    parse,
    utc_now_text,
    utc_text,
)

NODE = "0123456789abcdef"
OTHER = "fedcba9876543210"
T0 = 1_732_191_234_567


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self, ms: int = T0) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_format_is_fixed_width() -> None:
    stamp = Timestamp(T0, 1, NODE)
    assert str(stamp) == f"{T0:013d}-{1:04x}-{NODE}" == "1732191234567-0001-0123456789abcdef"
    assert str(Timestamp(5, 0xABCD, NODE)) == "0000000000005-abcd-0123456789abcdef"
    assert parse(str(stamp)) == stamp


def test_ticks_follow_the_wall_clock() -> None:
    wall = Wall()
    clock = Clock(NODE, wall=wall)
    assert clock.tick() == f"{T0}-0000-{NODE}"
    wall.ms += 5
    assert clock.tick() == f"{T0 + 5}-0000-{NODE}"
    assert clock.last == f"{T0 + 5}-0000-{NODE}"


def test_frozen_wall_clock_counts_up() -> None:
    clock = Clock(NODE, wall=Wall())
    stamps = [clock.tick() for _ in range(4)]
    assert stamps == [f"{T0}-{n:04x}-{NODE}" for n in range(4)]
    assert list(clock.ticks(3)) == [f"{T0}-{n:04x}-{NODE}" for n in range(4, 7)]


def test_counter_overflow_borrows_the_next_millisecond() -> None:
    wall = Wall()
    clock = Clock(NODE, last=f"{T0}-{MAX_COUNTER - 1:04x}-{NODE}", wall=wall)
    assert clock.tick() == f"{T0}-ffff-{NODE}"
    assert clock.tick() == f"{T0 + 1}-0000-{NODE}"
    assert clock.tick() == f"{T0 + 1}-0001-{NODE}"
    wall.ms = T0 + 1  # the wall catches up with the borrowed millisecond: still counting
    assert clock.tick() == f"{T0 + 1}-0002-{NODE}"
    wall.ms = T0 + 2
    assert clock.tick() == f"{T0 + 2}-0000-{NODE}"


def test_wall_clock_going_back_never_goes_back() -> None:
    wall = Wall()
    clock = Clock(NODE, wall=wall)
    seen = [clock.tick()]
    for ms in (T0 - 1, T0 - 60_000, T0 + 1, T0 - 5, T0 + 1, T0 + 2):
        wall.ms = ms
        seen.append(clock.tick())
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)
    assert seen[1:3] == [f"{T0}-0001-{NODE}", f"{T0}-0002-{NODE}"]


def test_resumes_after_its_persisted_value() -> None:
    clock = Clock(NODE, last=f"{T0 + 100}-0007-{NODE}", wall=Wall())
    assert clock.last == f"{T0 + 100}-0007-{NODE}"
    assert clock.tick() == f"{T0 + 100}-0008-{NODE}"


def test_merge_moves_past_a_remote_stamp() -> None:
    wall = Wall()
    clock = Clock(NODE, wall=wall)
    clock.tick()
    remote = f"{T0 + 5000}-0003-{OTHER}"
    clock.merge(remote)
    assert clock.last == f"{T0 + 5000}-0003-{NODE}"
    after = clock.tick()
    assert after == f"{T0 + 5000}-0004-{NODE}"
    assert after > remote


def test_merge_of_an_older_stamp_changes_nothing() -> None:
    clock = Clock(NODE, last=f"{T0}-0009-{NODE}", wall=Wall())
    clock.merge(f"{T0}-0002-{OTHER}")
    clock.merge(f"{T0 - 1}-ffff-{OTHER}")
    assert clock.last == f"{T0}-0009-{NODE}"


def test_merge_far_in_the_future_is_refused_and_changes_nothing() -> None:
    clock = Clock(NODE, wall=Wall())
    before = clock.tick()
    just_allowed = f"{T0 + MAX_DRIFT_MS}-0000-{OTHER}"
    too_far = f"{T0 + MAX_DRIFT_MS + 1}-0000-{OTHER}"
    with pytest.raises(ClockDrift) as error:
        clock.merge(too_far)
    assert str(error.value) == too_far
    assert clock.last == before
    clock.merge(just_allowed)
    assert clock.last == f"{T0 + MAX_DRIFT_MS}-0000-{NODE}"


def test_catch_up_has_no_drift_limit() -> None:
    clock = Clock(NODE, wall=Wall())
    clock.catch_up(f"{T0 + 2 * MAX_DRIFT_MS}-0001-{NODE}")
    assert clock.tick() == f"{T0 + 2 * MAX_DRIFT_MS}-0002-{NODE}"


@pytest.mark.parametrize("text", [
    "",
    "1732191234567-0001-0123456789abcde",
    "1732191234567-0001-0123456789abcdef0",
    "173219123456-0001-0123456789abcdef",
    "1732191234567-001-0123456789abcdef",
    "1732191234567-0001-0123456789ABCDEF",
    "1732191234567-000G-0123456789abcdef",
    "1732191234567_0001_0123456789abcdef",
    "1732191234567-0001-0123456789abcdef\n",
    " 1732191234567-0001-0123456789abcdef",
    "\u0661732191234567-0001-0123456789abcdef",  # an Arabic-Indic digit
])
def test_parse_refuses_malformed_stamps(text: str) -> None:
    with pytest.raises(ValueError, match="not a clock value"):
        parse(text)


@pytest.mark.parametrize("node", ["", "0123", "0123456789ABCDEF", "0123456789abcdeg"])
def test_node_must_be_16_hex_digits(node: str) -> None:
    with pytest.raises(ValueError, match="node must be 16 hex digits"):
        Clock(node)


def test_ticks_from_many_threads_are_unique() -> None:
    clock = Clock(NODE, wall=Wall())
    seen: list[str] = []

    def work() -> None:
        stamps = [clock.tick() for _ in range(500)]
        seen.extend(stamps)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 2000
    assert max(seen) == f"{T0}-{1999:04x}-{NODE}"


stamps = st.builds(Timestamp, st.integers(0, 10**13 - 1), st.integers(0, MAX_COUNTER),
                   st.text("0123456789abcdef", min_size=16, max_size=16))


@given(stamps, stamps)
def test_string_order_is_time_order(a: Timestamp, b: Timestamp) -> None:
    assert (str(a) < str(b)) == (a < b)
    assert parse(str(a)) == a


@given(st.lists(st.integers(T0 - 10_000, T0 + 10_000), min_size=1, max_size=50))
def test_ticks_strictly_increase_whatever_the_wall_does(walls: list[int]) -> None:
    wall = Wall()
    clock = Clock(NODE, wall=wall)
    previous = ""
    for ms in walls:
        wall.ms = ms
        stamp = clock.tick()
        assert stamp > previous
        previous = stamp


def test_utc_text() -> None:
    assert utc_text(0) == "1970-01-01T00:00:00.000Z"
    assert utc_text(T0) == "2024-11-21T12:13:54.567Z"
    assert utc_text(1_709_164_800_005) == "2024-02-29T00:00:00.005Z"
    assert utc_text(1_709_164_800_999) == "2024-02-29T00:00:00.999Z"
    assert utc_text(1_709_164_801_000) == "2024-02-29T00:00:01.000Z"  # the next second
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", utc_now_text())
