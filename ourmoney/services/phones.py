"""Phone access: one-time sign-in codes for a member, phone sessions, the wrong-code limit.

Codes and session tokens are random (`secrets`) and kept only as SHA-256 hashes. A code is
checked against every live code with `hmac.compare_digest`, so the time taken says nothing
about how close a guess was. Wrong codes are counted in the database (every server thread and
process sees the same count); after WRONG_CODES_LIMIT in a row, sign-in is refused for a while.
Times are epoch milliseconds; every function takes `now_ms` so tests can move the clock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass

from ourmoney.clock import wall_ms
from ourmoney.errors import N_, InvalidInput, NotFound, OurMoneyError
from ourmoney.ids import new_id
from ourmoney.services import members
from ourmoney.services.book import Book
from ourmoney.services.models import Member

PURPOSE = "phone"
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_LENGTH = 8
CODE_LIFETIME_MS = 10 * 60 * 1000
WRONG_CODES_LIMIT = 20
LOCKOUT_MS = 15 * 60 * 1000
SESSION_IDLE_MS = 60 * 24 * 60 * 60 * 1000  # a phone unused for 60 days signs in again
SEEN_EVERY_MS = 60 * 1000  # write "last seen" at most once a minute per phone
MAX_BROWSER = 300


class WrongCode(OurMoneyError):
    __doc__ = N_("That sign-in code is not valid: it may be mistyped, used or expired. "
                 "Get a new code on the computer.")

    status = 401


class TooManyWrongCodes(OurMoneyError):
    __doc__ = N_("Too many wrong sign-in codes. Try again in %(minutes)s minutes.")

    status = 429


@dataclass(frozen=True)
class SignInCode:
    """A new sign-in code, shown once on the desktop."""

    code: str
    member: Member
    expires_ms: int


@dataclass(frozen=True)
class PhoneSession:
    """A phone signed in as a member."""

    id: str
    member_id: str
    member_name: str
    browser: str
    signed_in_ms: int
    last_seen_ms: int


@dataclass(frozen=True)
class SignedIn:
    """A new phone session and the secret token the phone keeps."""

    token: str
    session: PhoneSession


def digest(secret: str) -> str:
    """Return the stored form of a code or token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_code(book: Book, member_id: str, *, now_ms: int | None = None) -> SignInCode:
    """Create a sign-in code for `member_id`, replacing any unused one; clears a lockout."""
    member = members.get_member(book, str(member_id))
    now = wall_ms() if now_ms is None else now_ms
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    with book.store.write() as cursor:
        cursor.execute("DELETE FROM one_time_code WHERE purpose = ? AND used_ms IS NULL",
                       (PURPOSE,))
        cursor.execute("INSERT INTO one_time_code (code_hash, purpose, created_ms, expires_ms,"
                       " member_id) VALUES (?, ?, ?, ?, ?)",
                       (digest(code), PURPOSE, now, now + CODE_LIFETIME_MS, member.id))
        cursor.execute("DELETE FROM code_attempts WHERE purpose = ?", (PURPOSE,))
    return SignInCode(f"{code[:4]}-{code[4:]}", member, now + CODE_LIFETIME_MS)


def normalised(code: object) -> str:
    """Return a typed code in its stored form, or raise InvalidInput when it cannot be one."""
    clean = code.upper().replace("-", "").replace(" ", "") if isinstance(code, str) else ""
    if len(clean) != CODE_LENGTH or any(letter not in ALPHABET for letter in clean):
        raise InvalidInput(N_("A sign-in code has 8 letters and digits, like ABCD-2345."),
                           field="code")
    return clean


def sign_in(book: Book, code: object, *, browser: str = "",
            now_ms: int | None = None) -> SignedIn:
    """Trade a live code for a new phone session, or count a wrong code and refuse."""
    clean = normalised(code)
    now = wall_ms() if now_ms is None else now_ms
    signed_in = None
    with book.store.write() as cursor:
        _refuse_while_locked(cursor, now)
        member_id = _take_code(cursor, digest(clean), now)
        if member_id is None:
            _count_wrong(cursor, now)  # committed: the refusal below must not roll it back
        else:
            cursor.execute("DELETE FROM code_attempts WHERE purpose = ?", (PURPOSE,))
            signed_in = _open_session(cursor, member_id, browser, now)
    if signed_in is None:
        raise WrongCode()
    return signed_in


def _refuse_while_locked(cursor: sqlite3.Cursor, now: int) -> None:
    row = cursor.execute("SELECT locked_until_ms FROM code_attempts WHERE purpose = ?",
                         (PURPOSE,)).fetchone()
    if row and row[0] > now:
        raise TooManyWrongCodes(minutes=-(-(row[0] - now) // 60_000))


def _take_code(cursor: sqlite3.Cursor, given_hash: str, now: int) -> str | None:
    """Use up the live code matching `given_hash`, comparing with every one in constant time."""
    live = cursor.execute("SELECT code_hash, member_id FROM one_time_code WHERE purpose = ?"
                          " AND used_ms IS NULL AND expires_ms > ?", (PURPOSE, now)).fetchall()
    found = None
    for stored_hash, member_id in live:
        if hmac.compare_digest(stored_hash, given_hash):
            found = (stored_hash, member_id)
    if found is None:
        return None
    cursor.execute("UPDATE one_time_code SET used_ms = ? WHERE code_hash = ?", (now, found[0]))
    alive = cursor.execute("SELECT 1 FROM member WHERE id = ? AND deleted = 0",
                           (found[1],)).fetchone()
    return str(found[1]) if alive else None


def _count_wrong(cursor: sqlite3.Cursor, now: int) -> None:
    cursor.execute("INSERT INTO code_attempts (purpose, wrong, first_wrong_ms) VALUES (?, 1, ?)"
                   " ON CONFLICT (purpose) DO UPDATE SET wrong = wrong + 1", (PURPOSE, now))
    cursor.execute("UPDATE code_attempts SET wrong = 0, locked_until_ms = ? WHERE purpose = ?"
                   " AND wrong >= ?", (now + LOCKOUT_MS, PURPOSE, WRONG_CODES_LIMIT))


def _open_session(cursor: sqlite3.Cursor, member_id: str, browser: str, now: int) -> SignedIn:
    token = secrets.token_urlsafe(32)
    session_id = new_id(now)
    cursor.execute("INSERT INTO phone_session (id, token_hash, member_id, browser, signed_in_ms,"
                   " last_seen_ms) VALUES (?, ?, ?, ?, ?, ?)",
                   (session_id, digest(token), member_id, browser[:MAX_BROWSER], now, now))
    name = cursor.execute("SELECT name FROM member WHERE id = ?", (member_id,)).fetchone()[0]
    return SignedIn(token, PhoneSession(session_id, member_id, name, browser[:MAX_BROWSER],
                                        now, now))


_SESSIONS = ("SELECT s.id, s.member_id, m.name, s.browser, s.signed_in_ms, s.last_seen_ms"
             " FROM phone_session s JOIN member m ON m.id = s.member_id AND m.deleted = 0"
             " WHERE s.revoked_ms IS NULL AND s.last_seen_ms > ?")


def session_for(book: Book, token: object, *, now_ms: int | None = None) -> PhoneSession | None:
    """Return the live session a phone's token opens (noting it was seen), or None."""
    if not isinstance(token, str) or not token:
        return None
    now = wall_ms() if now_ms is None else now_ms
    row = book.store.row(_SESSIONS + " AND s.token_hash = ?",
                         (now - SESSION_IDLE_MS, digest(token)))
    if row is None:
        return None
    found = PhoneSession(*row)
    if now - found.last_seen_ms >= SEEN_EVERY_MS:
        with book.store.write() as cursor:
            cursor.execute("UPDATE phone_session SET last_seen_ms = ? WHERE id = ?",
                           (now, found.id))
    return found


def list_sessions(book: Book, *, now_ms: int | None = None) -> list[PhoneSession]:
    """Return the signed-in phones, most recently seen first."""
    now = wall_ms() if now_ms is None else now_ms
    rows = book.store.rows(_SESSIONS + " ORDER BY s.last_seen_ms DESC, s.id",
                           (now - SESSION_IDLE_MS,))
    return [PhoneSession(*row) for row in rows]


def sign_out(book: Book, session_id: str, *, now_ms: int | None = None) -> None:
    """Revoke a phone's session at once."""
    now = wall_ms() if now_ms is None else now_ms
    with book.store.write() as cursor:
        cursor.execute("UPDATE phone_session SET revoked_ms = ? WHERE id = ?"
                       " AND revoked_ms IS NULL", (now, str(session_id)))
        if cursor.rowcount == 0:
            raise NotFound(N_("That phone is not signed in."))


def locked_until(book: Book, *, now_ms: int | None = None) -> int | None:
    """Return when sign-in opens again after too many wrong codes, or None when it is open."""
    now = wall_ms() if now_ms is None else now_ms
    until = book.store.value("SELECT locked_until_ms FROM code_attempts WHERE purpose = ?",
                             (PURPOSE,))
    return int(until) if until and until > now else None


def access_on(book: Book) -> bool:
    """Return whether phone access is switched on for this device."""
    return bool(book.store.value("SELECT value FROM setting WHERE key = 'phone_access'") == "on")


def set_access(book: Book, on: bool) -> None:
    """Switch phone access on or off for this device (the network address follows)."""
    with book.store.write() as cursor:
        cursor.execute("INSERT INTO setting (key, value) VALUES ('phone_access', ?)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       ("on" if on else "off",))


def browser_name(user_agent: str) -> str:
    """Return a short "Browser on System" for a User-Agent, or the raw text when unknown."""
    browsers = (("SamsungBrowser", "Samsung Internet"), ("Firefox", "Firefox"),
                ("FxiOS", "Firefox"), ("Edg", "Edge"), ("CriOS", "Chrome"),
                ("Chrome", "Chrome"), ("Safari", "Safari"))
    systems = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
               ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))
    name = next((label for key, label in browsers if key in user_agent), "")
    system = next((label for key, label in systems if key in user_agent), "")
    if name and system:
        return f"{name} on {system}"
    return name or system or user_agent[:60]


def listen_host(book: Book, host: str, *, lan: bool) -> str:
    """Return the address to listen on: every IPv4 address when phone access is on."""
    if host == "127.0.0.1" and (lan or access_on(book)):
        return "0.0.0.0"  # every network: the gate in web.security guards what phones reach
    return host
