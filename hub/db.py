"""PostgreSQL connections for the hub: a small pool, one transaction per unit of work.

When PostgreSQL restarts, every pooled connection dies at once. A unit of work that meets
a dead connection drops all idle ones and runs again once on a fresh connection; if the
database still does not answer, the caller gets DatabaseDown (HTTP 503 with Retry-After),
so devices back off and retry. Units of work are safe to run again: pushes dedupe on hlc,
everything else either reads or sets values.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import psycopg2
import psycopg2.extensions

from hub.errors import DatabaseDown

Cursor = psycopg2.extensions.cursor
T = TypeVar("T")
LOST = (psycopg2.OperationalError, psycopg2.InterfaceError)
RETRY_AFTER = 5
CONNECT_TIMEOUT = 5
STATEMENT_TIMEOUT_MS = 30_000
log = logging.getLogger("hub.db")


class Database:
    """A pool of connections to one PostgreSQL database, shared by the hub's threads."""

    def __init__(self, dsn: str, size: int = 10) -> None:
        self.dsn = dsn
        self._idle: list[psycopg2.extensions.connection] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)

    def run(self, work: Callable[[Cursor], T]) -> T:
        """Run `work` in one transaction, once more on a fresh connection if the first was dead."""
        try:
            return self._once(work)
        except LOST as error:
            log.warning("database connection lost (%s); reconnecting",
                        str(error).strip().splitlines()[0] if str(error).strip() else "closed")
            self.drop_idle()
        try:
            return self._once(work)
        except LOST as error:
            raise DatabaseDown("the hub's database is not answering; try again shortly",
                               retry_after=RETRY_AFTER) from error

    def _once(self, work: Callable[[Cursor], T]) -> T:
        with self._connection() as conn, conn.cursor() as cur:
            return work(cur)

    @contextmanager
    def _connection(self) -> Iterator[psycopg2.extensions.connection]:
        """Check a connection out for one transaction: commit on success, else roll back."""
        with self._slots:
            conn = self._checkout()
            healthy = False
            try:
                yield conn
                conn.commit()
                healthy = True
            except BaseException:
                healthy = _rolled_back(conn)
                raise
            finally:
                self._checkin(conn, healthy)

    def _checkout(self) -> psycopg2.extensions.connection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed:
                    return conn
        return connect(self.dsn)

    def _checkin(self, conn: psycopg2.extensions.connection, healthy: bool) -> None:
        if healthy and not conn.closed:
            with self._lock:
                self._idle.append(conn)
            return
        _close(conn)

    def drop_idle(self) -> None:
        """Close every idle connection (after the database restarted, all of them are dead)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close(conn)

    def close(self) -> None:
        """Close the pool's idle connections."""
        self.drop_idle()


def connect(dsn: str) -> psycopg2.extensions.connection:
    """Open one connection with the hub's timeouts; raise OperationalError if none answers."""
    return psycopg2.connect(
        dsn, connect_timeout=CONNECT_TIMEOUT, application_name="ourmoney-hub",
        options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)


def _rolled_back(conn: psycopg2.extensions.connection) -> bool:
    """Roll back after a failure; return False if the connection is unusable."""
    if conn.closed:
        return False
    try:
        conn.rollback()
    except LOST:
        return False
    return True


def _close(conn: Any) -> None:
    with suppress(*LOST):
        conn.close()
