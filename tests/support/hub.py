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
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
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


@pytest.fixture(scope="module")
def hub_db() -> Iterator[str]:
    """A fresh hub database with households Home and Away (owner, editor, viewer each)."""
    with fresh_database() as dsn:
        add_household(dsn, "Home")
        add_household(dsn, "Away")
        yield dsn


@pytest.fixture(scope="module")
def hub(hub_db: str) -> Iterator[RunningHub]:
    """A hub process serving the module's database (import with hub_db into a test module)."""
    with start_hub(hub_db) as running:
        yield running


class PrivatePostgres:
    """A PostgreSQL cluster of its own in a temporary folder, which a test may restart or stop."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        """Run a PostgreSQL program as the postgres user when we are root (initdb refuses root)."""
        command = [str(_pg_bin() / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def create(self) -> None:
        """Make the cluster (trust auth on loopback) and start it."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l",
                  str(self.root / "log"), "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                  " -c fsync=off", "start")

    def stop(self) -> None:
        """Stop the server at once (fast mode: open connections are cut)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def restart(self) -> None:
        """Stop and start the server, cutting every connection."""
        self.stop()
        self.start()


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    located = shutil.which("initdb")
    if located is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("initdb is not installed (PostgreSQL server packages)")
        pytest.skip("initdb is not installed, so no private PostgreSQL can be made")
    return Path(located).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """Yield a running private PostgreSQL cluster; stop and delete it afterwards."""
    root = Path(tempfile.mkdtemp(prefix="ourmoney-pg-"))
    cluster = PrivatePostgres(root)
    try:
        cluster.create()
        yield cluster
    finally:
        with suppress(AssertionError):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
