"""One SQLite database per ledger: WAL, parallel readers and a single writer."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase

from ourmoney.db import indexes, payees, schema

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "cache_size": -2_000,  # per connection; the OS page cache holds the rest
    "temp_store": "memory",
}


class _Database(SqliteDatabase):  # type: ignore[misc]
    """peewee's SQLite database, also remembering every connection it opened (in any thread)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, pragmas=PRAGMAS, check_same_thread=False)
        self.opened: set[sqlite3.Connection] = set()
        self._opened_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = super()._connect()
        with self._opened_lock:
            self.opened.add(connection)
        return connection

    def _close(self, conn: sqlite3.Connection) -> None:
        with self._opened_lock:
            self.opened.discard(conn)
        super()._close(conn)

    def close_every_connection(self) -> None:
        """Close the connections of every thread (at shutdown, when no thread uses them)."""
        if not self.is_closed():
            self.close()
        with self._opened_lock:
            left, self.opened = self.opened, set()
        for connection in left:
            connection.close()  # the last close folds the WAL into the database file


class Store:
    """A ledger's database: thread-local read connections and one serialised writer."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.db = _Database(str(self.path))
        self._writer = threading.RLock()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query and return every row."""
        return list(self.db.execute_sql(sql, params).fetchall())

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run a read query and return its first row, or None."""
        found: tuple[Any, ...] | None = self.db.execute_sql(sql, params).fetchone()
        return found

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run a read query and return the first column of its first row, or None."""
        found = self.row(sql, params)
        return found[0] if found else None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """Hold the single writer and an IMMEDIATE transaction; commit on success."""
        with self._writer, self.db.atomic("IMMEDIATE"):
            cursor = self.db.cursor()
            yield cursor
            payees.settle(cursor)  # the kept payee totals are exact in every commit

    def close(self) -> None:
        """Close this thread's connection."""
        if not self.db.is_closed():
            self.db.close()

    def shut(self) -> None:
        """Close every thread's connection, when the app stops and no thread uses them."""
        with self._writer:
            self.db.close_every_connection()


def open_store(path: Path | str) -> Store:
    """Open (creating and migrating if needed) the ledger database at `path`."""
    store = Store(path)
    store.db.connect(reuse_if_open=True)
    try:
        with store.write() as cursor:
            if schema.version(cursor):
                indexes.rebuild(cursor)  # set aside by a bulk write that was killed midway
            schema.migrate(cursor)
    except BaseException:
        store.close()  # a refused database must not keep its file open
        raise
    return store
