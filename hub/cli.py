"""`ourmoney-hub`: run the hub and manage its households, members and devices.

Every command takes `--database` (or OURMONEY_HUB_DATABASE). Errors are one line on
standard error and exit status 1; passwords are read from standard input, never flags.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hub import accounts, devices, logs, schema
from hub.db import LOST, Database, connect
from hub.errors import HubError
from hub.settings import READERS, HubSettings, load

F = TypeVar("F", bound=Callable[..., Any])


def database_option(command: F) -> F:
    """Add --database to a command."""
    return click.option("--database", help="postgresql://USER@HOST:PORT/NAME "
                        "(default: OURMONEY_HUB_DATABASE)")(command)


def settings_from(**flags: Any) -> HubSettings:
    """Return the settings, failing with one line if they are incomplete or wrong."""
    try:
        return load(flags)
    except HubError as error:
        raise click.ClickException(error.message) from None


def open_db(settings: HubSettings) -> Database:
    """Open the database, failing with one line if PostgreSQL does not answer."""
    try:
        connect(settings.database).close()
    except LOST as error:
        raise click.ClickException(f"cannot reach the database: {_first_line(error)}") from None
    return Database(settings.database, settings.pool_size)


def read_password() -> str:
    """Read one line from standard input as the password."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException("give the password on standard input (--password-stdin)")
    return line


def _first_line(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def managed(work: Callable[[], None]) -> None:
    """Run a command's work, turning the hub's refusals into one-line errors."""
    try:
        work()
    except HubError as error:
        raise click.ClickException(error.message) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The OurMoney hub: relays changes between a household's devices, on PostgreSQL."""
    logging.getLogger("hub").setLevel(logging.ERROR)  # `serve` logs; the other commands print


@main.command("init-db")
@database_option
def init_db(database: str | None) -> None:
    """Create or migrate the hub's tables (safe to run again, and from two places at once)."""
    db = open_db(settings_from(database=database))
    managed(lambda: _migrated(db))


def _migrated(db: Database) -> None:
    before, after = schema.migrate(db)
    click.echo(f"hub database at schema {after}" + (f" (was {before})" if before != after
                                                     else " (already current)"))


@main.command()
@database_option
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8700; 0 = any free port).")
@click.option("--threads", type=int, help="Worker threads (default 8).")
def serve(database: str | None, host: str | None, port: int | None,
          threads: int | None) -> None:
    """Serve the hub over HTTP (put it behind a TLS reverse proxy on the internet)."""
    for name, value in (("port", port), ("threads", threads)):
        if value is not None:
            _check(name, value)
    settings = settings_from(database=database, host=host, port=port, threads=threads)
    logs.configure(settings.log_level)
    db = open_db(settings)
    managed(lambda: _serve(settings, db))


def _check(name: str, value: int) -> None:
    try:
        READERS[name](str(value))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=f"--{name}") from None


def _serve(settings: HubSettings, db: Database) -> None:
    from waitress.server import create_server

    from hub.web import create_app
    schema.check(db)
    app = create_app(settings, db)
    try:
        server = create_server(app, host=settings.host, port=settings.port,
                               threads=settings.threads, ident="OurMoney hub",
                               clear_untrusted_proxy_headers=True)
    except OSError as error:
        raise HubError(f"cannot listen on {settings.host}:{settings.port}:"
                       f" {error.strerror}") from None
    signal.signal(signal.SIGTERM, _interrupt)
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    click.echo(f"OurMoney hub running at http://{shown}:{server.effective_port}/")
    sys.stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        db.close()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


@main.command("create-household")
@click.argument("name")
@click.option("--email", required=True, help="Email of the household's first owner.")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the owner's password from standard input.")
@database_option
def create_household(name: str, email: str, password_stdin: bool, database: str | None) -> None:
    """Create a household NAME with its first member, an owner."""
    db = open_db(settings_from(database=database))
    password = read_password()

    def work() -> None:
        member = accounts.create_household(db, name, email, password)
        click.echo(f"created household {member.household} with owner {member.email}")
    managed(work)


@main.command("add-member")
@click.argument("household")
@click.option("--email", required=True, help="The member's email (their sign-in).")
@click.option("--role", required=True, type=click.Choice(["owner", "editor", "viewer"]))
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the member's password from standard input.")
@database_option
def add_member(household: str, email: str, role: str, password_stdin: bool,
               database: str | None) -> None:
    """Add a member to HOUSEHOLD with a role: owner, editor or viewer."""
    db = open_db(settings_from(database=database))
    password = read_password()

    def work() -> None:
        member = accounts.add_member(db, household, email, role, password)
        click.echo(f"added {member.email} to {member.household} as {member.role}")
    managed(work)


@main.command("invite")
@click.argument("household")
@click.option("--email", required=True, help="The member the invite signs a device in as.")
@database_option
def invite(household: str, email: str, database: str | None) -> None:
    """Print a one-time code that joins one device as a member of HOUSEHOLD (7 days)."""
    db = open_db(settings_from(database=database))

    def work() -> None:
        found = db.run(lambda cur: accounts.household_id(cur, household))
        code, expires = devices.invite(db, found, email)
        click.echo(f"{code}  (valid until {expires.isoformat(timespec='minutes')})")
    managed(work)


@main.command("revoke-device")
@click.argument("device_id")
@database_option
def revoke_device(device_id: str, database: str | None) -> None:
    """Revoke a device's token: it can no longer pull or push until it joins again."""
    db = open_db(settings_from(database=database))

    def work() -> None:
        devices.revoke(db, device_id)
        click.echo(f"revoked {device_id}")
    managed(work)


if __name__ == "__main__":  # pragma: no cover
    main()
