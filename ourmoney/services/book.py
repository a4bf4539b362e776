"""The book: one device's copy of the household ledger, with its identity and clock."""

from __future__ import annotations

import getpass
import json
import secrets
import socket
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ourmoney.clock import Clock, hlc_time, utc_now_text
from ourmoney.db import Store, open_store
from ourmoney.db.entities import ENTITIES
from ourmoney.money import default_currency


@dataclass
class Book:
    """A device's ledger database together with the device id and its hybrid logical clock."""

    store: Store
    device_id: str
    device_name: str
    clock: Clock

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """Open the single write transaction; the clock is saved with whatever it stamps."""
        with self.store.write() as cursor:
            # Another Book on the same file (the CLI while the server runs) may have ticked.
            stored = cursor.execute("SELECT clock FROM node WHERE id = 1").fetchone()
            if stored and stored[0]:
                self.clock.catch_up(stored[0])
            yield cursor
            cursor.execute("UPDATE node SET clock = ? WHERE id = 1", (self.clock.last,))

    def record(self, cursor: sqlite3.Cursor, entity: str, row_id: str,
               fields: Mapping[str, Any], hlc: str | None = None) -> tuple[str, int]:
        """Append one change to the log and return its clock value and local seq."""
        stamp = hlc or self.clock.tick()
        cursor.execute(
            "INSERT INTO change (hlc, origin, entity, row_id, fields) VALUES (?, ?, ?, ?, ?)",
            (stamp, self.device_id, entity, row_id, json.dumps(fields, separators=(",", ":"))))
        return stamp, int(cursor.lastrowid or 0)

    def change(self, cursor: sqlite3.Cursor, entity: str, row_id: str,
               fields: Mapping[str, Any]) -> tuple[str, int]:
        """Log an edit of some fields of a row and write them, each with the edit's clock."""
        hlc, seq = self.record(cursor, entity, row_id, fields)
        values = [int(v) if isinstance(v, bool) else v for v in fields.values()]
        cursor.execute(ENTITIES[entity].update_sql(tuple(fields)),
                       (*values, hlc_time(hlc), seq, *[hlc] * len(values), row_id))
        return hlc, seq

    def close(self) -> None:
        """Close this thread's database connection."""
        self.store.close()


def open_book(path: Path | str, *, device_name: str | None = None) -> Book:
    """Open the ledger at `path`, creating the device identity on first use."""
    store = open_store(path)
    with store.write() as cursor:
        found = cursor.execute("SELECT device_id, name, clock FROM node WHERE id = 1").fetchone()
        if found is None:
            device_id = secrets.token_hex(8)
            found = (device_id, device_name or _default_device_name(), "")
            cursor.execute(
                "INSERT INTO node (id, device_id, name, clock, created_at) VALUES (1, ?, ?, ?, ?)",
                (*found, utc_now_text()))
            # Pinned now, so a later change of the system locale never re-reads stored amounts.
            cursor.execute("INSERT OR IGNORE INTO setting (key, value) VALUES ('currency', ?)",
                           (default_currency(),))
    device_id, name, last = found
    return Book(store, device_id, name, Clock(device_id, last or None))


def _default_device_name() -> str:
    """Name a new device after the computer it runs on."""
    try:
        return socket.gethostname()[:60] or "This device"
    except OSError:
        return "This device"


def login_name() -> str:
    """Return the operating-system user's name, for the first member of a new book."""
    try:
        return getpass.getuser().strip().title()[:60] or "Me"
    except (KeyError, OSError):
        return "Me"
