"""A real hub for tests: a fresh PostgreSQL database and `ourmoney-hub serve` processes on it.

Usable from any test::

    from tests.support.hub import fresh_database, start_hub, HOUSEHOLD

    with fresh_database() as dsn, start_hub(dsn) as hub:
        add_household(dsn)                     # household "Home", owner owner@example.org
        requests.post(hub.url + "hub/v1/join", json={...}, timeout=10)

``fresh_database`` creates a database with a unique name on the local PostgreSQL
(OURMONEY_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/postgres), runs
``ourmoney-hub init-db`` on it, and drops it afterwards. Without a reachable PostgreSQL the
test is skipped, except under CI=true, where it fails. ``start_hub`` runs
``python -m hub.cli serve --port 0`` and waits for its ready line; several hubs may serve
one database at once (as behind a load balancer).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

from tests.support.server import READY_TIMEOUT, ManagedProcess

ADMIN_DSN = os.environ.get("OURMONEY_TEST_POSTGRES",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
READY_LINE = re.compile(r"OurMoney hub running at (http://127\.0\.0\.1:(\d+)/)")
HOUSEHOLD = "Home"
OWNER = ("owner@example.org", "owner-password")
EDITOR = ("editor@example.org", "editor-password")
VIEWER = ("viewer@example.org", "viewer-password")


def admin_connection() -> psycopg2.extensions.connection:
    """Connect to the maintenance database; skip the test if PostgreSQL is absent (not in CI)."""
    try:
        conn = psycopg2.connect(ADMIN_DSN, connect_timeout=5)
    except psycopg2.OperationalError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL is not reachable at {ADMIN_DSN}: {error}")
    conn.autocommit = True
    return conn


def dsn_for(name: str) -> str:
    """Return the connection string of database `name` on the test server."""
    parts = urlsplit(ADMIN_DSN)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def fresh_database(init: bool = True) -> Iterator[str]:
    """Yield the connection string of a new, initialised hub database; drop it afterwards."""
    name = f"ourmoney_hub_test_{secrets.token_hex(6)}"
    admin = admin_connection()
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        dsn = dsn_for(name)
        if init:
            hub_cli("init-db", "--database", dsn)
        yield dsn
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def hub_cli(*args: str, stdin: str = "", env: Mapping[str, str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `ourmoney-hub ARGS` (as python -m hub.cli) and return what it did."""
    done = subprocess.run([sys.executable, "-m", "hub.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})
    if check and done.returncode != 0:
        raise AssertionError(f"ourmoney-hub {' '.join(args)} failed ({done.returncode}):\n"
                             f"{done.stdout}\n{done.stderr}")
    return done


def add_household(dsn: str, name: str = HOUSEHOLD) -> None:
    """Create household `name` with an owner, an editor and a viewer (see OWNER, EDITOR, VIEWER)."""
    hub_cli("create-household", name, "--email", _email(OWNER[0], name), "--password-stdin",
            "--database", dsn, stdin=OWNER[1] + "\n")
    for (email, password), role in ((EDITOR, "editor"), (VIEWER, "viewer")):
        hub_cli("add-member", name, "--email", _email(email, name), "--role", role,
                "--password-stdin", "--database", dsn, stdin=password + "\n")


def _email(email: str, household: str) -> str:
    """Return the member email used in `household` (each email belongs to one household)."""
    return email if household == HOUSEHOLD else email.replace("@", f"+{household.lower()}@")


def member_email(who: tuple[str, str], household: str = HOUSEHOLD) -> str:
    """Return the email of OWNER, EDITOR or VIEWER in a household made by add_household."""
    return _email(who[0], household)


class RunningHub(ManagedProcess):
    """An `ourmoney-hub serve` process that has printed its ready line."""

    url: str
    port: int

    def __init__(self, dsn: str, *extra: str, env: Mapping[str, str] | None = None,
                 timeout: float = READY_TIMEOUT) -> None:
        super().__init__([sys.executable, "-m", "hub.cli", "serve", "--database", dsn,
                          "--port", "0", *extra], env=env)
        match = self.wait_for_line(READY_LINE, timeout)
        self.url, self.port = match.group(1), int(match.group(2))


def start_hub(dsn: str, *extra: str, env: Mapping[str, str] | None = None) -> RunningHub:
    """Start a hub process on database `dsn`; stop it (or use `with`) when done."""
    return RunningHub(dsn, *extra, env=env)
