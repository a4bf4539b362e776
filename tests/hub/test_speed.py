"""What keeps the hub's requests cheap, checked on a real PostgreSQL.

A push finds which of its changes the hub already holds with one index probe per change,
however big the household's log and whether or not PostgreSQL has statistics for it; the
token check every request makes commits without waiting for the disk, and nothing else does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg2
import pytest
from psycopg2.extras import execute_values

from hub import devices, relay
from hub.db import Cursor, Database
from hub.devices import Caller
from hub.errors import NotSignedIn
from ourmoney.sync.protocol import Change
from tests.support.hub import fresh_database

DEVICE = "d1d1d1d1d1d1d1d1"
TOKEN = "speed-test-token"
HELD_BEFORE = 20_000
T = TypeVar("T")


@dataclass(frozen=True)
class BigLog:
    """A household holding 20,000 changes in a table PostgreSQL never analysed, and its device."""

    dsn: str
    db: Database
    caller: Caller
    base: int

    def clock(self, k: int) -> str:
        return f"{self.base + k:013d}-0000-{DEVICE}"


class SettingSpy(Database):
    """A one-connection pool that notes synchronous_commit at the end of each unit of work."""

    def __init__(self, dsn: str) -> None:
        super().__init__(dsn, 1)
        self.settings: list[str] = []

    def run(self, work: Callable[[Cursor], T]) -> T:
        def noted(cur: Cursor) -> T:
            result = work(cur)
            cur.execute("SHOW synchronous_commit")
            self.settings.append(str(rows_of(cur)[0][0]))
            return result
        return super().run(noted)


def rows_of(cur: Cursor) -> list[tuple[Any, ...]]:
    return cur.fetchall()


def rows(db: Database, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
    """Run one query in the hub's pool and return its rows."""
    def work(cur: Cursor) -> list[tuple[Any, ...]]:
        cur.execute(sql, args)
        return cur.fetchall()
    return db.run(work)


@pytest.fixture(scope="module")
def big_log() -> Iterator[BigLog]:
    base = int(time.time() * 1000) - 10 * HELD_BEFORE
    with fresh_database() as dsn, closing(psycopg2.connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE change SET (autovacuum_enabled = false)")
        cur.execute("INSERT INTO household (name, last_seq) VALUES ('Home', %s) RETURNING id",
                    (HELD_BEFORE,))
        household = int(rows_of(cur)[0][0])
        cur.execute("INSERT INTO member (household_id, email, password_hash, role) VALUES"
                    " (%s, 'editor@example.org', 'not used', 'editor') RETURNING id",
                    (household,))
        member = int(rows_of(cur)[0][0])
        cur.execute("INSERT INTO device (device_id, household_id, member_id, name, token_hash)"
                    " VALUES (%s, %s, %s, 'Laptop', %s)",
                    (DEVICE, household, member, devices.hash_token(TOKEN)))
        log = BigLog(dsn, Database(dsn, 2), Caller(DEVICE, household, member, "editor"), base)
        execute_values(cur, "INSERT INTO change (household_id, seq, hlc, origin, line) VALUES %s",
                       [(household, k + 1, log.clock(k), DEVICE, "{}")
                        for k in range(HELD_BEFORE)], page_size=5000)
        conn.commit()
        yield log
        log.db.close()


def test_the_held_changes_are_found_by_one_index_probe_each(big_log: BigLog) -> None:
    clocks = [big_log.clock(k) for k in range(HELD_BEFORE - 500, HELD_BEFORE + 500)]
    plan = "\n".join(row[0] for row in rows(big_log.db, "EXPLAIN " + relay.HELD,
                                             (clocks, big_log.caller.household_id)))
    assert "Nested Loop" in plan.splitlines()[0]
    assert "Index Only Scan using change_household_id_hlc_key on change c" in plan
    assert "(hlc = pushed.hlc)" in plan


def test_a_push_half_held_stores_only_the_new_half_numbered_on(big_log: BigLog) -> None:
    changes = [Change(big_log.clock(k), DEVICE, "transaction", f"r{k}", {"amount": k + 1})
               for k in range(HELD_BEFORE - 500, HELD_BEFORE + 500)]
    household = big_log.caller.household_id
    assert relay.push(big_log.db, big_log.caller, changes, None).as_json() == {
        "accepted": 500, "duplicates": 500, "quarantined": 0}
    found = rows(big_log.db, "SELECT count(*), min(seq), max(seq), count(DISTINCT hlc),"
                             " (SELECT last_seq FROM household WHERE id = %s),"
                             " min(hlc) FILTER (WHERE seq > %s) FROM change"
                             " WHERE household_id = %s", (household, HELD_BEFORE, household))
    assert found[0] == (HELD_BEFORE + 500, 1, HELD_BEFORE + 500, HELD_BEFORE + 500,
                        HELD_BEFORE + 500, big_log.clock(HELD_BEFORE))


def test_the_token_check_does_not_wait_for_the_disk_but_still_counts(big_log: BigLog) -> None:
    spy = SettingSpy(big_log.dsn)
    assert devices.authenticate(spy, TOKEN, 600) == big_log.caller
    assert devices.authenticate(spy, TOKEN, 600) == big_log.caller
    assert spy.settings == ["off", "off"]
    counted = rows(big_log.db, "SELECT requests, last_seen_at IS NOT NULL FROM device"
                               " WHERE device_id = %s", (DEVICE,))
    assert counted == [(2, True)]
    spy.close()


def test_pushes_and_pulls_on_the_same_connection_still_wait_for_the_disk(
        big_log: BigLog) -> None:
    spy = SettingSpy(big_log.dsn)
    devices.authenticate(spy, TOKEN, 600)
    new = Change(big_log.clock(HELD_BEFORE + 1000), DEVICE, "transaction", "r-new",
                 {"amount": 1})
    assert relay.push(spy, big_log.caller, [new], 5).accepted == 1
    relay.pull(spy, big_log.caller, 0, 10)
    assert spy.settings == ["off", "on", "on"]
    spy.close()


def test_a_wrong_token_is_still_refused(big_log: BigLog) -> None:
    with pytest.raises(NotSignedIn, match="the device token is wrong or was revoked"):
        devices.authenticate(big_log.db, "not-the-token", 600)
