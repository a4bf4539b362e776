"""Devices of a household: joining with a password or an invite, tokens, leaving and revoking.

A token is 256 random bits, stored as its SHA-256 (enough for a random secret). Every
request's token is checked by one UPDATE that also counts the request against the
device's per-minute limit and notes when it was last seen; the household it returns is
the only household that request can touch. That UPDATE commits without waiting for the disk
(synchronous_commit off): it is bookkeeping, of which a PostgreSQL crash may lose the last
fraction of a second, and waiting for a WAL flush on every request cost 0.4 ms on a quiet
2-CPU machine and 0.5-1.3 ms on a busy one. Pushes and pulls still commit durably.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub import accounts, limits, values
from hub.accounts import Member
from hub.db import Cursor, Database
from hub.errors import Conflict, Forbidden, NotFound, NotSignedIn, TooMany

INVITE_DAYS = 7
PER_ADDRESS = 5  # an address (a household behind one router) may fail 5x a single email's limit
_INVITE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud safely


@dataclass(frozen=True)
class Caller:
    """The device a request comes from, and who signed it in."""

    device_id: str
    household_id: int
    member_id: int
    role: str


@dataclass(frozen=True)
class Joined:
    """What a device gets when it joins: its token, and whom it joined as."""

    token: str
    member: Member


def hash_token(token: str) -> str:
    """Return the stored form of a device token."""
    return hashlib.sha256(token.encode()).hexdigest()


def join_with_password(db: Database, body: dict[str, Any], address: str,
                       allowed_failures: int) -> Joined:
    """Join a device with a member's email and password (failures are rate-limited)."""
    email, password = values.email(body.get("email")), body.get("password")
    device, name = _device(body)
    keys = [f"email:{email}", f"ip:{address}"]

    def find(cur: Cursor) -> tuple[Member, str] | None:
        limits.check(cur, keys[:1], allowed_failures)
        limits.check(cur, keys[1:], allowed_failures * PER_ADDRESS)
        return accounts.find_member(cur, email)
    found = db.run(find)
    matched = isinstance(password, str) and accounts.password_matches(
        found[1] if found else None, password)  # a dummy hash when the email is unknown
    if found is None or not matched:
        db.run(lambda cur: limits.failed(cur, keys))
        raise NotSignedIn("wrong email or password")
    member = found[0]

    def register(cur: Cursor) -> Joined:
        limits.succeeded(cur, keys[0])
        return Joined(_register(cur, member, device, name), member)
    return db.run(register)


def join_with_invite(db: Database, body: dict[str, Any], address: str,
                     allowed_failures: int) -> Joined:
    """Join a device with a one-time invite code an owner made for a member."""
    code = values.invite_code(body.get("invite"))
    device, name = _device(body)
    keys = [f"ip:{address}"]

    def use(cur: Cursor) -> Joined | None:
        limits.check(cur, keys, allowed_failures * PER_ADDRESS)
        cur.execute("UPDATE invite SET used_at = now() WHERE code_hash = %s AND used_at IS NULL"
                    " AND expires_at > now() RETURNING member_id", (hash_token(code),))
        row = cur.fetchone()
        if row is None:
            return None
        member = accounts.member_by_id(cur, int(row[0]))
        return Joined(_register(cur, member, device, name), member)
    joined = db.run(use)
    if joined is None:
        db.run(lambda cur: limits.failed(cur, keys))
        raise NotSignedIn("the invite code is wrong, used or expired")
    return joined


def _device(body: dict[str, Any]) -> tuple[str, str]:
    return (values.device_id(body.get("device_id")),
            values.name(body.get("device_name"), "device_name", 60))


def _register(cur: Cursor, member: Member, device: str, name: str) -> str:
    """Give a device a fresh token for a member's household (replacing an earlier one)."""
    cur.execute("SELECT household_id, revoked_at FROM device WHERE device_id = %s FOR UPDATE",
                (device,))
    row = cur.fetchone()
    if row is not None and row[0] != member.household_id and row[1] is None:
        raise Conflict("this device already belongs to another household on this hub;"
                       " leave it there first")
    token = secrets.token_urlsafe(32)
    cur.execute(
        "INSERT INTO device AS d (device_id, household_id, member_id, name, token_hash)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (device_id) DO UPDATE SET"
        " pulled_seq = CASE WHEN d.household_id = EXCLUDED.household_id"
        " THEN d.pulled_seq ELSE 0 END,"
        " household_id = EXCLUDED.household_id, member_id = EXCLUDED.member_id,"
        " name = EXCLUDED.name, token_hash = EXCLUDED.token_hash, joined_at = now(),"
        " revoked_at = NULL",
        (device, member.household_id, member.id, name, hash_token(token)))
    return token


def authenticate(db: Database, token: str, per_minute: int) -> Caller:
    """Return the device a token belongs to, counting the request; 401 or 429 if not allowed."""
    if not token or len(token) > 200:
        raise NotSignedIn("this needs a device token (Authorization: Bearer ...)")

    def work(cur: Cursor) -> Any:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute(
            "UPDATE device d SET last_seen_at = now(),"
            " requests = CASE WHEN d.window_start > now() - interval '1 minute'"
            " THEN d.requests + 1 ELSE 1 END,"
            " window_start = CASE WHEN d.window_start > now() - interval '1 minute'"
            " THEN d.window_start ELSE now() END"
            " FROM member m WHERE d.token_hash = %s AND d.revoked_at IS NULL"
            " AND m.id = d.member_id"
            " RETURNING d.device_id, d.household_id, m.id, m.role, d.requests,"
            " ceil(extract(epoch FROM d.window_start + interval '1 minute' - now()))",
            (hash_token(token),))
        return cur.fetchone()
    row = db.run(work)
    if row is None:
        raise NotSignedIn("the device token is wrong or was revoked; join the hub again")
    if int(row[4]) > per_minute:
        wait = max(1, int(row[5] or 1))
        raise TooMany(f"too many requests from this device; try again in {wait} seconds",
                      retry_after=wait)
    return Caller(str(row[0]), int(row[1]), int(row[2]), str(row[3]))


def leave(db: Database, caller: Caller) -> None:
    """Revoke the token the caller presented."""
    db.run(lambda cur: cur.execute("UPDATE device SET revoked_at = now() WHERE device_id = %s"
                                   " AND household_id = %s", (caller.device_id,
                                                              caller.household_id)))


def revoke(db: Database, device: str, household_id: int | None = None) -> None:
    """Revoke a device (of the given household only, when one is given); 404 if none."""
    device = values.device_id(device)

    def work(cur: Cursor) -> int:
        cur.execute("UPDATE device SET revoked_at = coalesce(revoked_at, now())"
                    " WHERE device_id = %s AND (%s::bigint IS NULL OR household_id = %s)",
                    (device, household_id, household_id))
        return int(cur.rowcount)
    if db.run(work) == 0:
        raise NotFound(f"there is no device {device}"
                       + (" in your household" if household_id is not None else ""))


def revoke_for(db: Database, caller: Caller, device: str) -> None:
    """Revoke a device of the caller's household; only an owner may."""
    if caller.role != "owner":
        raise Forbidden("only an owner of the household can revoke devices")
    revoke(db, device, caller.household_id)


def invite(db: Database, household_id: int, email: str) -> tuple[str, datetime]:
    """Make a one-time invite code for a member of the household; return it and its expiry."""
    email = values.email(email)
    code = "".join(secrets.choice(_INVITE_LETTERS) for _ in range(12))

    def work(cur: Cursor) -> datetime:
        cur.execute("SELECT id FROM member WHERE email = %s AND household_id = %s",
                    (email, household_id))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"{email} is not a member of this household")
        cur.execute("INSERT INTO invite (code_hash, household_id, member_id, expires_at)"
                    " VALUES (%s, %s, %s, now() + %s * interval '1 day') RETURNING expires_at",
                    (hash_token(code), household_id, row[0], INVITE_DAYS))
        found = cur.fetchone()
        assert found is not None
        return found[0]  # type: ignore[no-any-return]
    expires = db.run(work)
    return f"{code[:4]}-{code[4:8]}-{code[8:]}", expires


def invite_for(db: Database, caller: Caller, email: object) -> tuple[str, datetime]:
    """Make an invite for a member of the caller's household; only an owner may."""
    if caller.role != "owner":
        raise Forbidden("only an owner of the household can make invites")
    return invite(db, caller.household_id, values.email(email))


def status(db: Database, caller: Caller) -> dict[str, Any]:
    """Return the caller's household, role and the household's devices."""
    def work(cur: Cursor) -> dict[str, Any]:
        cur.execute("SELECT h.name, h.last_seq, m.email FROM household h JOIN member m"
                    " ON m.household_id = h.id WHERE h.id = %s AND m.id = %s",
                    (caller.household_id, caller.member_id))
        row = cur.fetchone()
        assert row is not None
        cur.execute("SELECT d.device_id, d.name, m.email, d.joined_at, d.last_seen_at,"
                    " d.pulled_seq, d.revoked_at IS NOT NULL FROM device d JOIN member m"
                    " ON m.id = d.member_id WHERE d.household_id = %s ORDER BY d.joined_at",
                    (caller.household_id,))
        return {"household": row[0], "last_seq": int(row[1]), "email": row[2],
                "role": caller.role, "device_id": caller.device_id,
                "devices": [_device_json(found) for found in cur.fetchall()]}
    return db.run(work)


def _device_json(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"device_id": row[0], "name": row[1], "email": row[2],
            "joined_at": _iso(row[3]), "last_seen_at": _iso(row[4]),
            "pulled_seq": int(row[5]), "revoked": bool(row[6])}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds")
