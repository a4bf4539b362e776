"""Phone access: one-time sign-in codes for a member, phone sessions, the wrong-code limit.

Sign-in codes are the one-time codes of ourmoney.services.codes (hashed, single use, compared
in constant time, 20 wrong in a row lock sign-in for 15 minutes), issued for a member. Session
tokens are random (`secrets`) and kept only as SHA-256 hashes.
Times are epoch milliseconds; every function takes `now_ms` so tests can move the clock.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from ourmoney.clock import wall_ms
from ourmoney.errors import N_, InvalidInput, NotFound, OurMoneyError
from ourmoney.ids import new_id
from ourmoney.services import codes, members
from ourmoney.services.book import Book
from ourmoney.services.models import Member

PURPOSE = "phone"
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
    """Return the stored form of a session token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_code(book: Book, member_id: str, *, now_ms: int | None = None) -> SignInCode:
    """Create a sign-in code for `member_id`, replacing any unused one; clears a lockout."""
    member = members.get_member(book, str(member_id))
    now = wall_ms() if now_ms is None else now_ms
    issued = codes.issue(book.store, PURPOSE, now=lambda: now, member_id=member.id,
                         replace=True)
    return SignInCode(issued.code, member, issued.expires_ms)


def normalised(code: object) -> str:
    """Return a typed code in its stored form, or raise InvalidInput when it cannot be one."""
    clean = code.upper().replace("-", "").replace(" ", "") if isinstance(code, str) else ""
    if len(clean) != codes.LENGTH or any(letter not in codes.ALPHABET for letter in clean):
        raise InvalidInput(N_("A sign-in code has 8 letters and digits, like ABCD-2345."),
                           field="code")
    return clean


def sign_in(book: Book, code: object, *, browser: str = "",
            now_ms: int | None = None) -> SignedIn:
    """Trade a live code for a new phone session, or count a wrong code and refuse."""
    clean = normalised(code)
    now = wall_ms() if now_ms is None else now_ms
    signed_in = None
    with book.store.write() as cursor:  # a wrong code's count commits: the refusal comes after
        verdict, member_id = codes.redeem_for(cursor, PURPOSE, clean, now)
        alive = member_id and cursor.execute("SELECT 1 FROM member WHERE id = ? AND deleted = 0",
                                             (member_id,)).fetchone()
        if verdict is codes.Verdict.ACCEPTED and alive:
            signed_in = _open_session(cursor, str(member_id), browser, now)
    if verdict is codes.Verdict.LOCKED:
        until = locked_until(book, now_ms=now) or now
        raise TooManyWrongCodes(minutes=-(-(until - now) // 60_000))
    if signed_in is None:
        raise WrongCode()
    return signed_in


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
