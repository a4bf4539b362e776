"""ourmoney.ids: client-generated UUIDv7 ids."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ourmoney.clock import wall_ms
from ourmoney.ids import derived_id, new_id

MS = 1_732_191_234_567


def test_new_id_is_a_uuid_version_7() -> None:
    text = new_id()
    value = uuid.UUID(text)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert text == str(value)  # canonical lowercase form


def test_new_id_carries_its_millisecond() -> None:
    assert new_id(MS, 0) == "01934ea4-aa07-7000-8000-000000000000"
    assert int(new_id(MS).replace("-", "")[:12], 16) == MS
    before = wall_ms()
    stamp = int(new_id().replace("-", "")[:12], 16)
    assert before <= stamp <= wall_ms()


def test_random_bits_fill_the_rest() -> None:
    value = uuid.UUID(new_id(MS, (1 << 74) - 1))
    assert str(value) == "01934ea4-aa07-7fff-bfff-ffffffffffff"
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_ids_are_unique() -> None:
    assert len({new_id() for _ in range(10_000)}) == 10_000


@given(st.integers(0, 2**48 - 2), st.integers(0, 2**74 - 1), st.integers(0, 2**74 - 1))
def test_later_millisecond_sorts_later(ms: int, first: int, second: int) -> None:
    earlier, later = new_id(ms, first), new_id(ms + 1, second)
    assert earlier < later
    assert uuid.UUID(earlier).version == uuid.UUID(later).version == 7
    assert uuid.UUID(later).variant == uuid.RFC_4122


def test_derived_id_is_a_uuid_version_8_that_carries_its_millisecond() -> None:
    text = derived_id(MS, "seed-1")
    value = uuid.UUID(text)
    assert (value.version, value.variant) == (8, uuid.RFC_4122)
    assert text == str(value)
    assert text.startswith("01934ea4-aa07-8")
    assert text == "01934ea4-aa07-822c-b803-d8dbe09191d9"


def test_derived_id_is_the_same_for_the_same_moment_and_name() -> None:
    assert derived_id(MS, "seed-1") == derived_id(MS, "seed-1")
    assert derived_id(MS, "seed-1") != derived_id(MS, "seed-2")
    assert derived_id(MS, "seed-1") != derived_id(MS + 1, "seed-1")
    assert len({derived_id(MS, f"seed-{n}") for n in range(10_000)}) == 10_000


@given(st.integers(0, 2**48 - 2), st.text(), st.text())
def test_derived_ids_sort_by_their_millisecond(ms: int, first: str, second: str) -> None:
    assert derived_id(ms, first) < derived_id(ms + 1, second)
    assert uuid.UUID(derived_id(ms, "\ud800" + first)).version == 8  # lone surrogates hash too
