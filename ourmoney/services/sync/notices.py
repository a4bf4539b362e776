"""Notices that another device's edit replaced a local edit, and held-back (quarantined) changes.

`apply` writes a `sync_notice` row per field when a change from elsewhere won over an edit
made here that no other device had yet; the rows stay until the reader dismisses them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ourmoney.clock import parse, wall_ms
from ourmoney.errors import N_, Message, Term
from ourmoney.services.book import Book
from ourmoney.services.ledger import ACKED_SQL

CHUNK = 500
FIELD_NAMES = {"occurred_on": N_("date"), "description": N_("description"), "type": N_("type"),
               "amount": N_("amount"), "category": N_("category"), "member": N_("member"),
               "notes": N_("notes"), "deleted": N_("deletion"), "name": N_("name"),
               "kind": N_("kind"), "color": N_("colour")}
MAX_HELD_SHOWN = 200


@dataclass(frozen=True)
class SyncNotice:
    """Another device's edit of some fields of a row won over this device's edit."""

    row_id: str
    device: str  # the device's name as paired here, else its id
    fields: tuple[str, ...]

    @property
    def message(self) -> Message:
        """Return the sentence shown on the row, its field names translated where shown."""
        names = Message.joined(", ", [Term(FIELD_NAMES.get(f, f)) for f in self.fields])
        return Message(N_("Changed on %(device)s: your edit of %(fields)s was replaced."),
                       device=self.device, fields=names)


@dataclass(frozen=True)
class HeldChange:
    """A change held back because its clock was too far ahead of this device's."""

    hlc: str
    sender: str  # the device it came from, by name when paired, else its id
    origin: str  # the device that made it (its name when paired, else its id)
    ahead_s: int  # how far its clock is ahead of ours now, in seconds
    received_at: str
    entity: str
    row_id: str
    what: str  # the row's description or name, when known


def notices_for(book: Book, row_ids: Sequence[str],
                entity: str = "transaction") -> dict[str, list[SyncNotice]]:
    """Return the notices of these rows, one per row and device, oldest first."""
    found: dict[str, list[SyncNotice]] = {}
    names = device_names(book)
    for start in range(0, len(row_ids), CHUNK):
        part = list(row_ids[start:start + CHUNK])
        fields: dict[tuple[str, str], list[str]] = {}
        for row_id, origin, name in book.store.rows(
                "SELECT row_id, origin, field FROM sync_notice WHERE entity = ? AND row_id IN"
                f" ({','.join('?' * len(part))}) GROUP BY row_id, origin, field"
                " ORDER BY min(id)", (entity, *part)):
            fields.setdefault((row_id, origin), []).append(name)
        for (row_id, origin), names_changed in fields.items():
            found.setdefault(row_id, []).append(
                SyncNotice(row_id, names.get(origin, origin), tuple(names_changed)))
    return found


def dismiss(book: Book, row_id: str, entity: str = "transaction") -> int:
    """Forget the notices of one row; return how many there were."""
    with book.store.write() as cursor:
        cursor.execute("DELETE FROM sync_notice WHERE entity = ? AND row_id = ?",
                       (entity, row_id))
        return int(cursor.rowcount)


def held_changes(book: Book, now_ms: int | None = None) -> list[HeldChange]:
    """Return the quarantined changes, the furthest ahead first."""
    now_ms = wall_ms() if now_ms is None else now_ms
    names = device_names(book)
    rows = book.store.rows("SELECT hlc, origin, entity, row_id, fields, sender, received_at"
                           " FROM quarantine ORDER BY hlc DESC LIMIT ?", (MAX_HELD_SHOWN,))
    return [HeldChange(hlc, names.get(sender, sender), names.get(origin, origin),
                       max(0, (parse(hlc).ms - now_ms) // 1000), received_at, entity, row_id,
                       _what(book, entity, row_id, fields))
            for hlc, origin, entity, row_id, fields, sender, received_at in rows]


def held_count(book: Book) -> int:
    """Return how many changes are held back."""
    return int(book.store.value("SELECT count(*) FROM quarantine") or 0)


def pending_count(book: Book) -> int:
    """Return how many transactions hold a change no other device has acknowledged yet."""
    return int(book.store.value(f"SELECT count(*) FROM transactions WHERE deleted = 0"
                                f" AND local_seq > ({ACKED_SQL})") or 0)


def active_peer_count(book: Book) -> int:
    """Return how many devices this one syncs with."""
    return int(book.store.value("SELECT count(*) FROM peer WHERE revoked_at IS NULL") or 0)


def device_names(book: Book) -> dict[str, str]:
    """Return the names of the paired devices and of this one, by device id."""
    names = {str(i): str(n) for i, n in book.store.rows("SELECT device_id, name FROM peer")}
    names[book.device_id] = book.device_name
    return names


def _what(book: Book, entity: str, row_id: str, fields: str) -> str:
    """Return what the change is about in words: its description or name, else the stored one."""
    key = "description" if entity == "transaction" else "name"
    try:
        given = json.loads(fields).get(key)
    except (ValueError, AttributeError):
        given = None
    if isinstance(given, str) and given:
        return given
    table = {"transaction": "transactions", "category": "category", "member": "member"}
    if entity not in table:
        return ""
    stored = book.store.value(f"SELECT {key} FROM {table[entity]} WHERE id = ?", (row_id,))
    return str(stored) if stored else ""
