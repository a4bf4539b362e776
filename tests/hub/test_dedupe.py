"""A push looks up which of its changes the hub holds by index, however big the household's log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import psycopg2
import pytest
from psycopg2.extras import execute_values

from hub import relay
from hub.db import Cursor, Database
from hub.devices import Caller
from ourmoney.sync.protocol import Change
from tests.support.hub import fresh_database

DEVICE = "d1d1d1d1d1d1d1d1"
HELD_BEFORE = 20_000


def clock(k: int, base: int) -> str:
    return f"{base + k:013d}-0000-{DEVICE}"


def rows(db: Database, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
    """Run one query in the hub's pool and return its rows."""
    def work(cur: Cursor) -> list[tuple[Any, ...]]:
        cur.execute(sql, args)
        return cur.fetchall()
    return db.run(work)


@pytest.fixture(scope="module")
def big_log() -> Iterator[tuple[Database, Caller, int]]:
    """A household holding 20,000 changes in a table PostgreSQL never analysed."""
    base = int(time.time() * 1000) - 10 * HELD_BEFORE
    with fresh_database() as dsn, closing(psycopg2.connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE change SET (autovacuum_enabled = false)")
        cur.execute("INSERT INTO household (name, last_seq) VALUES ('Home', %s) RETURNING id",
                    (HELD_BEFORE,))
        row = cur.fetchone()
        assert row is not None
        household = int(row[0])
        execute_values(cur, "INSERT INTO change (household_id, seq, hlc, origin, line) VALUES %s",
                       [(household, k + 1, clock(k, base), DEVICE, "{}")
                        for k in range(HELD_BEFORE)], page_size=5000)
        conn.commit()
        db = Database(dsn, 2)
        yield db, Caller(DEVICE, household, 0, "editor"), base
        db.close()


def test_the_held_changes_are_found_by_one_index_probe_each(
        big_log: tuple[Database, Caller, int]) -> None:
    db, caller, base = big_log
    clocks = [clock(k, base) for k in range(HELD_BEFORE - 500, HELD_BEFORE + 500)]
    plan = "\n".join(row[0] for row in rows(db, "EXPLAIN " + relay.HELD,
                                             (clocks, caller.household_id)))
    assert "Nested Loop" in plan.splitlines()[0]
    assert "Index Only Scan using change_household_id_hlc_key on change c" in plan
    assert "(hlc = pushed.hlc)" in plan


def test_a_push_half_held_stores_only_the_new_half_numbered_on(
        big_log: tuple[Database, Caller, int]) -> None:
    db, caller, base = big_log
    changes = [Change(clock(k, base), DEVICE, "transaction", f"r{k}", {"amount": k + 1})
               for k in range(HELD_BEFORE - 500, HELD_BEFORE + 500)]
    assert relay.push(db, caller, changes, None).as_json() == {
        "accepted": 500, "duplicates": 500, "quarantined": 0}
    found = rows(db, "SELECT count(*), min(seq), max(seq), count(DISTINCT hlc),"
                     " (SELECT last_seq FROM household WHERE id = %s),"
                     " min(hlc) FILTER (WHERE seq > %s) FROM change WHERE household_id = %s",
                 (caller.household_id, HELD_BEFORE, caller.household_id))
    assert found[0] == (HELD_BEFORE + 500, 1, HELD_BEFORE + 500, HELD_BEFORE + 500,
                     HELD_BEFORE + 500, clock(HELD_BEFORE, base))
