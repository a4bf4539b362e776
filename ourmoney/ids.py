"""Client-generated ids: UUIDv7 (RFC 9562), time-ordered so new rows append to indexes."""

from __future__ import annotations

import secrets

from ourmoney.clock import wall_ms


def new_id(ms: int | None = None, random_bits: int | None = None) -> str:
    """Return a new UUIDv7 string for a row created at `ms` (default: now)."""
    stamp = (wall_ms() if ms is None else ms) & ((1 << 48) - 1)
    rand = secrets.randbits(74) if random_bits is None else random_bits & ((1 << 74) - 1)
    high = (stamp << 80) | (0x7 << 76) | ((rand >> 62) << 64)
    value = high | (0b10 << 62) | (rand & ((1 << 62) - 1))
    digits = f"{value:032x}"  # formatted directly: this runs once per row on bulk paths
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
