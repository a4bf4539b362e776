"""The hub's tables and their migrations; `migrate` is idempotent and safe to run concurrently."""

from __future__ import annotations

import secrets

from hub.db import Cursor, Database
from hub.errors import HubError

LOCK_KEY = 7_428_115_001  # pg_advisory_xact_lock key: one migrating process at a time

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE hub_info (
        id integer PRIMARY KEY CHECK (id = 1),
        hub_id text NOT NULL CHECK (hub_id ~ '^[0-9a-f]{16}$'),
        created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE household (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
        last_seq bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE member (
        id bigserial PRIMARY KEY,
        household_id bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
        email text NOT NULL UNIQUE CHECK (email = lower(email)),
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX member_household ON member (household_id);
    CREATE TABLE device (
        device_id text PRIMARY KEY CHECK (device_id ~ '^[0-9a-f]{16}$'),
        household_id bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
        member_id bigint NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        joined_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz,
        pulled_seq bigint NOT NULL DEFAULT 0,
        window_start timestamptz NOT NULL DEFAULT now(),
        requests integer NOT NULL DEFAULT 0,
        revoked_at timestamptz);
    CREATE INDEX device_household ON device (household_id);
    CREATE TABLE invite (
        code_hash text PRIMARY KEY,
        household_id bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
        member_id bigint NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz);
    CREATE TABLE change (
        household_id bigint NOT NULL REFERENCES household (id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        hlc text NOT NULL,
        origin text NOT NULL,
        line text NOT NULL,
        PRIMARY KEY (household_id, seq),
        UNIQUE (household_id, hlc));
    CREATE TABLE sign_in_limit (
        key text PRIMARY KEY,
        failures integer NOT NULL DEFAULT 0,
        window_start timestamptz NOT NULL DEFAULT now());
    """,
)


def version(cur: Cursor) -> int:
    """Return the schema version of the database (0 when it has no hub tables)."""
    cur.execute("SELECT to_regclass('hub_schema') IS NOT NULL")
    row = cur.fetchone()
    if not row or not row[0]:
        return 0
    cur.execute("SELECT version FROM hub_schema")
    found = cur.fetchone()
    return int(found[0]) if found else 0


def migrate(db: Database) -> tuple[int, int]:
    """Bring the database to the newest schema; return (version before, version after)."""
    def work(cur: Cursor) -> tuple[int, int]:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        cur.execute("CREATE TABLE IF NOT EXISTS hub_schema (version integer NOT NULL)")
        before = version(cur)
        if before > len(MIGRATIONS):
            raise HubError(f"the database has hub schema {before}, newer than this hub "
                           f"({len(MIGRATIONS)}); upgrade ourmoney-hub")
        for number in range(before + 1, len(MIGRATIONS) + 1):
            cur.execute(MIGRATIONS[number - 1])
            if number == 1:
                cur.execute("INSERT INTO hub_info (id, hub_id) VALUES (1, %s)",
                            (secrets.token_hex(8),))
        cur.execute("DELETE FROM hub_schema")
        cur.execute("INSERT INTO hub_schema (version) VALUES (%s)", (len(MIGRATIONS),))
        return before, len(MIGRATIONS)
    return db.run(work)


def check(db: Database) -> str:
    """Return the hub id if the schema is current; else refuse with what to run."""
    def work(cur: Cursor) -> str:
        found = version(cur)
        if found != len(MIGRATIONS):
            raise HubError(f"the database has hub schema {found}, this hub needs "
                           f"{len(MIGRATIONS)}: run ourmoney-hub init-db first")
        cur.execute("SELECT hub_id FROM hub_info WHERE id = 1")
        row = cur.fetchone()
        assert row is not None
        return str(row[0])
    return db.run(work)
