"""Short one-time codes: issued for a purpose, stored hashed, single use, guarded against guessing.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
ABCD-EFGH and accepted in any case, with or without the dash or spaces. Wrong guesses are
counted per purpose in the database, so every server thread and process shares the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from ourmoney.clock import wall_ms
from ourmoney.db import Store
from ourmoney.errors import N_, InvalidInput, OurMoneyError

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
LIFETIME_MS = 10 * 60 * 1000
MAX_WRONG = 20
WINDOW_MS = 15 * 60 * 1000
LOCKOUT_MS = 15 * 60 * 1000
MAX_LIVE = 20  # older live codes of a purpose are dropped beyond this

Now = Callable[[], int]


class WrongCode(OurMoneyError):
    __doc__ = N_("That code is wrong, expired or already used.")

    status = 403


class TooManyAttempts(OurMoneyError):
    __doc__ = N_("Too many wrong codes were tried; wait 15 minutes and try again.")

    status = 429


class Verdict(Enum):
    """What redeeming a code found."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class IssuedCode:
    """A new code as people read it, and when it stops working (epoch ms)."""

    code: str
    expires_ms: int


def issue(store: Store, purpose: str, *, now: Now = wall_ms, member_id: str | None = None,
          replace: bool = False) -> IssuedCode:
    """Create a one-time code for `purpose` (and a member), valid for ten minutes.

    With `replace`, unused codes of the purpose are dropped and a lockout is lifted: the
    person at the computer asked for a new code, so guessing from elsewhere stops mattering.
    """
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    at = now()
    with store.write() as cursor:
        cursor.execute("DELETE FROM one_time_code WHERE expires_ms <= ? OR used_ms IS NOT NULL",
                       (at,))
        if replace:
            cursor.execute("DELETE FROM one_time_code WHERE purpose = ?", (purpose,))
            cursor.execute("DELETE FROM code_attempts WHERE purpose = ?", (purpose,))
        cursor.execute("INSERT INTO one_time_code (code_hash, purpose, created_ms, expires_ms,"
                       " member_id) VALUES (?, ?, ?, ?, ?)",
                       (_digest(purpose, raw), purpose, at, at + LIFETIME_MS, member_id))
        cursor.execute("DELETE FROM one_time_code WHERE purpose = ? AND code_hash NOT IN"
                       " (SELECT code_hash FROM one_time_code WHERE purpose = ?"
                       "  ORDER BY created_ms DESC LIMIT ?)", (purpose, purpose, MAX_LIVE))
    return IssuedCode(f"{raw[:4]}-{raw[4:]}", at + LIFETIME_MS)


def normalize(text: object) -> str:
    """Return the code as stored (upper case, no dash or spaces); refuse what is not text."""
    if not isinstance(text, str) or len(text) > 40:
        raise InvalidInput(N_("The code must be text such as ABCD-EFGH."), field="code")
    return "".join(text.split()).replace("-", "").upper()


def redeem(cursor: sqlite3.Cursor, purpose: str, code: object, now_ms: int) -> Verdict:
    """Use up a live code inside the caller's write; count a wrong one (commit it either way)."""
    return redeem_for(cursor, purpose, code, now_ms)[0]


def redeem_for(cursor: sqlite3.Cursor, purpose: str, code: object,
               now_ms: int) -> tuple[Verdict, str | None]:
    """Like `redeem`, also returning the member the accepted code was issued for."""
    wrong, first_wrong, locked_until = cursor.execute(
        "SELECT wrong, first_wrong_ms, locked_until_ms FROM code_attempts WHERE purpose = ?",
        (purpose,)).fetchone() or (0, 0, 0)
    if locked_until > now_ms:
        return Verdict.LOCKED, None
    found = _matching(cursor, purpose, _digest(purpose, normalize(code)), now_ms)
    if found is not None:
        cursor.execute("UPDATE one_time_code SET used_ms = ? WHERE code_hash = ?", (now_ms, found))
        cursor.execute("DELETE FROM code_attempts WHERE purpose = ?", (purpose,))
        member_id = cursor.execute("SELECT member_id FROM one_time_code WHERE code_hash = ?",
                                   (found,)).fetchone()[0]
        return Verdict.ACCEPTED, member_id
    wrong, first_wrong = (wrong + 1, first_wrong) if now_ms - first_wrong < WINDOW_MS \
        else (1, now_ms)
    locked_until = now_ms + LOCKOUT_MS if wrong >= MAX_WRONG else 0
    cursor.execute(
        "INSERT INTO code_attempts (purpose, wrong, first_wrong_ms, locked_until_ms)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (purpose) DO UPDATE SET wrong = excluded.wrong,"
        " first_wrong_ms = excluded.first_wrong_ms, locked_until_ms = excluded.locked_until_ms",
        (purpose, 0 if locked_until else wrong, first_wrong, locked_until))
    return Verdict.WRONG, None


def refuse_unless_accepted(verdict: Verdict) -> None:
    """Raise the error a refused code deserves (call after the write committed)."""
    if verdict is Verdict.LOCKED:
        raise TooManyAttempts()
    if verdict is Verdict.WRONG:
        raise WrongCode(field="code")


def _matching(cursor: sqlite3.Cursor, purpose: str, digest: str, now_ms: int) -> str | None:
    """Return the hash of the live code equal to `digest`, comparing every one in constant time."""
    found = None
    for (stored,) in cursor.execute(
            "SELECT code_hash FROM one_time_code WHERE purpose = ? AND used_ms IS NULL"
            " AND expires_ms > ?", (purpose, now_ms)).fetchall():
        if hmac.compare_digest(stored, digest):
            found = stored
    return found


def _digest(purpose: str, code: str) -> str:
    return hashlib.sha256(f"{purpose}:{code}".encode()).hexdigest()
