"""Record, change, delete and restore transactions; every write logs its change atomically."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from typing import Any

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, NotFound
from ourmoney.ids import new_id
from ourmoney.money import from_minor, to_minor
from ourmoney.services import categories, members
from ourmoney.services.book import Book
from ourmoney.services.household import preferences
from ourmoney.services.models import Transaction, TransactionDraft

SELECT = """SELECT t.id, t.occurred_on, t.description, t.type, t.amount, t.category_id,
    c.name, c.color, t.member_id, m.name, t.notes, t.created_at, t.updated_at, t.local_seq,
    t.deleted
    FROM transactions t LEFT JOIN category c ON c.id = t.category_id
    LEFT JOIN member m ON m.id = t.member_id"""
_COLUMN = {"occurred_on": "occurred_on", "description": "description", "type": "type",
           "amount": "amount", "category": "category_id", "member": "member_id",
           "notes": "notes", "deleted": "deleted"}


# What some peer (or the hub, recorded as a setting) has acknowledged of this device's log.
ACKED_SQL = ("SELECT max(coalesce((SELECT max(acked_seq) FROM peer), 0),"
             " coalesce((SELECT CAST(value AS INTEGER) FROM setting"
             " WHERE key = 'sync_acked_seq'), 0))")


def acked_seq(book: Book) -> int:
    """Return the highest local change seq that some peer has acknowledged."""
    return int(book.store.value(ACKED_SQL) or 0)


def to_transaction(row: tuple[Any, ...], currency: str, precision: int,
                   acked: int) -> Transaction:
    """Build a Transaction from a row of SELECT."""
    (id_, occurred_on, description, kind, amount, category_id, category, color, member_id,
     member, notes, created_at, updated_at, local_seq, deleted) = row
    return Transaction(id_, date.fromisoformat(occurred_on), description, kind,
                       from_minor(amount, precision), currency, category_id, category, color,
                       member_id, member, notes, created_at, updated_at, local_seq > acked,
                       bool(deleted))


def get_transaction(book: Book, transaction_id: str, *, include_deleted: bool = False
                    ) -> Transaction:
    """Return one transaction or raise NotFound."""
    row = book.store.row(SELECT + " WHERE t.id = ?", (transaction_id,))
    if row is None or (row[-1] and not include_deleted):
        raise NotFound(N_("That transaction does not exist."))
    prefs = preferences(book)
    return to_transaction(row, prefs.currency, prefs.precision, acked_seq(book))


def add_transaction(book: Book, draft: TransactionDraft) -> Transaction:
    """Record a transaction and its change in one write."""
    transaction_id = new_id()
    precision = preferences(book).precision
    member_id = _member_id(book, draft.member_id)
    now = utc_now_text()
    with book.write() as cursor:
        category_id = _category_id(book, cursor, draft.category, draft.type)
        fields = {"occurred_on": draft.occurred_on.isoformat(), "description": draft.description,
                  "type": draft.type, "amount": to_minor(draft.amount, precision),
                  "category": category_id, "member": member_id, "notes": draft.notes,
                  "deleted": False, "created_at": now}
        hlc, seq = book.record(cursor, "transaction", transaction_id, fields)
        cursor.execute(
            "INSERT INTO transactions (id, occurred_on, description, type, amount, category_id,"
            " member_id, notes, created_at, updated_at, hlc, local_seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (transaction_id, fields["occurred_on"], draft.description, draft.type,
             fields["amount"], category_id, member_id, draft.notes, now, now, hlc,
             seq))
        if category_id:
            categories.remember(cursor, {categories.normalise_description(draft.description):
                                         category_id})
    return get_transaction(book, transaction_id)


def update_transaction(book: Book, transaction_id: str, changes: dict[str, Any]) -> Transaction:
    """Change some fields of a transaction; fields not named stay as they are."""
    current = get_transaction(book, transaction_id)
    precision = preferences(book).precision
    fields: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "amount":
            fields[name] = to_minor(Decimal(value), precision)
        elif name == "occurred_on":
            fields[name] = value.isoformat()
        elif name == "member":
            fields[name] = _member_id(book, value)
        elif name != "category":
            fields[name] = value
    with book.write() as cursor:
        if "category" in changes:
            kind = changes.get("type", current.type)
            fields["category"] = _category_id(book, cursor, changes["category"], kind)
        _write_fields(book, cursor, transaction_id, _changed(current, fields, precision))
    return get_transaction(book, transaction_id)


def delete_transaction(book: Book, transaction_id: str) -> Transaction:
    """Mark a transaction deleted (a tombstone that syncs); it can be restored."""
    current = get_transaction(book, transaction_id)
    with book.write() as cursor:
        _write_fields(book, cursor, transaction_id, {"deleted": True})
    return current


def restore_transaction(book: Book, transaction_id: str) -> Transaction:
    """Bring back a deleted transaction (the Undo of delete)."""
    current = get_transaction(book, transaction_id, include_deleted=True)
    if current.deleted:
        with book.write() as cursor:
            _write_fields(book, cursor, transaction_id, {"deleted": False})
    return get_transaction(book, transaction_id)


def _write_fields(book: Book, cursor: sqlite3.Cursor, transaction_id: str,
                  fields: dict[str, Any]) -> None:
    if fields:
        book.change(cursor, "transaction", transaction_id, fields)


def _changed(current: Transaction, fields: dict[str, Any], precision: int) -> dict[str, Any]:
    """Keep only the fields whose value differs from what is stored."""
    stored = {"occurred_on": current.occurred_on.isoformat(), "description": current.description,
              "type": current.type, "amount": to_minor(current.amount, precision),
              "category": current.category_id, "member": current.member_id,
              "notes": current.notes}
    return {name: value for name, value in fields.items() if stored.get(name) != value}


def _category_id(book: Book, cursor: sqlite3.Cursor, given: str | None, kind: str) -> str | None:
    if not given:
        return None
    found = cursor.execute("SELECT id, deleted FROM category WHERE id = ?", (given,)).fetchone()
    if found and found[1]:  # the id of a merged category: never a new category named by it
        raise NotFound(N_("That category does not exist."), field="category")
    return str(found[0]) if found else categories.ensure(book, cursor, given, kind).id


def _member_id(book: Book, given: str | None) -> str | None:
    if not given:
        return None
    found = members.resolve(book, given)
    if found is None:
        raise NotFound(N_("There is no member called %(name)s."), field="member", name=given)
    return found.id
