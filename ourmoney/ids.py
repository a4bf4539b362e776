"""Client-generated ids: UUIDv7 (RFC 9562), time-ordered so new rows append to indexes."""

from __future__ import annotations

import hashlib
import secrets

from ourmoney.clock import wall_ms

_MS_BITS = (1 << 48) - 1
_LOW_BITS = (1 << 62) - 1
# The variant digit of an RFC 9562 UUID (binary 10xx) for each hex digit of the hash.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_id(ms: int | None = None, random_bits: int | None = None) -> str:
    """Return a new UUIDv7 string for a row created at `ms` (default: now)."""
    rand = secrets.randbits(74) if random_bits is None else random_bits
    return _uuid(wall_ms() if ms is None else ms, 0x7, rand)


def derived_id(ms: int, name: str) -> str:
    """Return the UUIDv8 for a row created at `ms` and named `name` elsewhere (same in, same out).

    Its first 48 bits are the milliseconds, like a UUIDv7, so rows imported in time order
    append to the indexes; the other 74 bits come from a hash of the name.
    """
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=10,
                             person=b"ourmoney.import").hexdigest()
    stamp = f"{ms & _MS_BITS:012x}"  # laid out as text: this runs once per imported row
    return (f"{stamp[:8]}-{stamp[8:]}-8{digest[:3]}-{_VARIANT[digest[3]]}{digest[4:7]}"
            f"-{digest[7:19]}")


def _uuid(ms: int, version: int, rand: int) -> str:
    """Lay out a time-ordered UUID: 48-bit ms, version, 74 other bits, RFC 4122 variant."""
    rand &= (1 << 74) - 1
    high = ((ms & _MS_BITS) << 80) | (version << 76) | ((rand >> 62) << 64)
    digits = f"{high | (0b10 << 62) | (rand & _LOW_BITS):032x}"  # no uuid.UUID: once per row
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
