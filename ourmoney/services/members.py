"""Members: the people of a household who record transactions."""

from __future__ import annotations

import sqlite3
import uuid

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, Conflict, NotFound
from ourmoney.ids import new_id
from ourmoney.services.book import Book
from ourmoney.services.categories import normalise
from ourmoney.services.models import Member
from ourmoney.services.validation import MAX_NAME, text

NAMESPACE = uuid.UUID("2d0c61a4-7b7e-4f57-8f0e-5e2b9a1c3d77")


def list_members(book: Book, *, counts: bool = True) -> list[Member]:
    """Return live members, by name, with how many transactions each recorded (if asked)."""
    counted = ("coalesce(d.count, 0) FROM member m LEFT JOIN (SELECT member_id,"
               " sum(count) AS count FROM daily_total GROUP BY member_id) d"
               " ON d.member_id = m.id") if counts else "0 FROM member m"
    rows = book.store.rows(f"SELECT id, name, {counted} WHERE deleted = 0"
                           " ORDER BY name COLLATE NOCASE")
    return [Member(*row) for row in rows]


def get_member(book: Book, member_id: str) -> Member:
    """Return one live member or raise NotFound."""
    row = book.store.row("SELECT id, name FROM member WHERE id = ? AND deleted = 0",
                         (member_id,))
    if row is None:
        raise NotFound(N_("That member does not exist."), field="member")
    return Member(*row)


def resolve(book: Book, given: str) -> Member | None:
    """Find a live member by id or by name (ignoring case)."""
    row = book.store.row("SELECT id, name FROM member WHERE deleted = 0 AND"
                         " (id = ? OR name = ? COLLATE NOCASE) ORDER BY id = ? DESC LIMIT 1",
                         (given, given.strip(), given))
    return Member(*row) if row else None


def add_member(book: Book, name: object) -> Member:
    """Add a person to the household."""
    clean = text(name, "name", limit=MAX_NAME, required=True)
    with book.write() as cursor:
        return insert(book, cursor, clean)


def ensure(book: Book, cursor: sqlite3.Cursor, name: str, member_id: str | None = None) -> str:
    """Return the id of the member with `member_id` or `name`, adding them if needed."""
    if member_id and cursor.execute("SELECT 1 FROM member WHERE id = ? AND deleted = 0",
                                    (member_id,)).fetchone():
        return member_id
    found = cursor.execute("SELECT id FROM member WHERE deleted = 0 AND name = ? COLLATE NOCASE",
                           (name,)).fetchone()
    return str(found[0]) if found else insert(book, cursor, name, member_id).id


def insert(book: Book, cursor: sqlite3.Cursor, name: str, member_id: str | None = None) -> Member:
    """Insert a member inside the caller's write."""
    clash = cursor.execute("SELECT name FROM member WHERE deleted = 0 AND name = ? COLLATE NOCASE",
                           (name,)).fetchone()
    if clash:
        raise Conflict(N_("A member named %(name)s already exists."), field="name", name=clash[0])
    member_id = member_id or _new_member_id(cursor, name)
    now = utc_now_text()
    hlc, seq = book.record(cursor, "member", member_id,
                           {"name": name, "deleted": False, "created_at": now})
    cursor.execute("INSERT INTO member (id, name, created_at, updated_at, hlc, local_seq)"
                   " VALUES (?, ?, ?, ?, ?, ?)", (member_id, name, now, now, hlc, seq))
    return Member(member_id, name)


def _new_member_id(cursor: sqlite3.Cursor, name: str) -> str:
    """Derive the id from the name, so two devices that add the same person agree on one row."""
    derived = str(uuid.uuid5(NAMESPACE, normalise(name)))
    taken = cursor.execute("SELECT 1 FROM member WHERE id = ?", (derived,)).fetchone()
    return new_id() if taken else derived  # the derived id belongs to a member since renamed


def rename_member(book: Book, member_id: str, name: object) -> Member:
    """Give a member a new name."""
    get_member(book, member_id)
    clean = text(name, "name", limit=MAX_NAME, required=True)
    with book.write() as cursor:
        clash = cursor.execute("SELECT id FROM member WHERE deleted = 0 AND id != ? AND"
                               " name = ? COLLATE NOCASE", (member_id, clean)).fetchone()
        if clash:
            raise Conflict(N_("A member named %(name)s already exists."), field="name",
                           name=clean)
        book.change(cursor, "member", member_id, {"name": clean})
    return Member(member_id, clean)
