"""Households, members and their passwords: made by the hub's operator from the command line."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg2.errors
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub import values
from hub.db import Cursor, Database
from hub.errors import Conflict, NotFound

HASHER = PasswordHasher()  # Argon2id with the library's current defaults (RFC 9106 low-memory)
_DUMMY = HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class Member:
    """A member of a household as the hub knows them."""

    id: int
    household_id: int
    household: str
    email: str
    role: str


def hash_password(password: str) -> str:
    """Return the stored form of a password (Argon2id, salted)."""
    return HASHER.hash(values.password(password))


def password_matches(stored: str | None, password: str) -> bool:
    """Check a password against its stored hash in constant time (a dummy hash if none)."""
    try:
        return HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def create_household(db: Database, name: str, email: str, password: str) -> Member:
    """Create a household with its first member, an owner, in one transaction."""
    name, email = values.name(name, "household name", 100), values.email(email)
    stored = hash_password(password)

    def work(cur: Cursor) -> Member:
        try:
            cur.execute("INSERT INTO household (name) VALUES (%s) RETURNING id", (name,))
        except psycopg2.errors.UniqueViolation:
            raise Conflict(f"a household called {name} already exists") from None
        row = cur.fetchone()
        assert row is not None
        return _insert_member(cur, int(row[0]), name, email, "owner", stored)
    return db.run(work)


def add_member(db: Database, household: str, email: str, role: str, password: str) -> Member:
    """Add a member with a role to the household called `household`."""
    email, role = values.email(email), values.role(role)
    stored = hash_password(password)

    def work(cur: Cursor) -> Member:
        return _insert_member(cur, household_id(cur, household), household, email, role, stored)
    return db.run(work)


def household_id(cur: Cursor, name: str) -> int:
    """Return the id of the household called `name`, or refuse with 404."""
    cur.execute("SELECT id FROM household WHERE name = %s", (name,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"there is no household called {name}")
    return int(row[0])


def _insert_member(cur: Cursor, household_id: int, household: str, email: str, role: str,
                   stored: str) -> Member:
    try:
        cur.execute("INSERT INTO member (household_id, email, password_hash, role)"
                    " VALUES (%s, %s, %s, %s) RETURNING id",
                    (household_id, email, stored, role))
    except psycopg2.errors.UniqueViolation:
        raise Conflict(f"{email} is already a member on this hub") from None
    row = cur.fetchone()
    assert row is not None
    return Member(int(row[0]), household_id, household, email, role)


def find_member(cur: Cursor, email: str) -> tuple[Member, str] | None:
    """Return a member and their password hash by email, or None."""
    cur.execute("SELECT m.id, m.household_id, h.name, m.email, m.role, m.password_hash"
                " FROM member m JOIN household h ON h.id = m.household_id WHERE m.email = %s",
                (email,))
    row = cur.fetchone()
    if row is None:
        return None
    return Member(int(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4])), str(row[5])


def member_by_id(cur: Cursor, member_id: int) -> Member:
    """Return a member by id (who must exist)."""
    cur.execute("SELECT m.id, m.household_id, h.name, m.email, m.role FROM member m"
                " JOIN household h ON h.id = m.household_id WHERE m.id = %s", (member_id,))
    row = cur.fetchone()
    assert row is not None
    return Member(int(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4]))
