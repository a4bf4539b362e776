"""ourmoney.ids: client-generated UUIDv7 ids."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ourmoney.clock import wall_ms
from ourmoney.ids import new_id

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
