"""The `ourmoney hub` commands: join a sync hub, leave it, see how syncing with it goes."""

from __future__ import annotations

import sys

import click

from ourmoney.cli_devices import DATA_DIR, opened_book
from ourmoney.errors import OurMoneyError
from ourmoney.services import hub
from ourmoney.services.hub import HubStatus, Left


@click.group("hub")
def hub_command() -> None:
    """Join a sync hub, leave it, or see how syncing with it goes."""


@hub_command.command("join")
@click.argument("url")
@click.option("--email", help="The email you are a member of the household with at the hub.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
@click.option("--invite", metavar="CODE", help="An invite code from an owner of the household"
                                               " (instead of --email and a password).")
@DATA_DIR
def join_command(url: str, email: str | None, password_stdin: bool, invite: str | None,
                 data_dir: str | None) -> None:
    """Join the hub at URL; it is then synced as the peer named `hub`."""
    if invite is not None and (email is not None or password_stdin):
        raise click.UsageError("Give --email with --password-stdin, or --invite, not both.")
    if invite is None and (email is None or not password_stdin):
        raise click.UsageError("Give --email and --password-stdin (the password on standard"
                               " input), or --invite CODE.")
    password = read_password() if password_stdin else None
    try:
        credentials = hub.sign_in(email, password, invite)
    except OurMoneyError as error:
        raise click.ClickException(error.message) from None
    with opened_book(data_dir) as book:
        joined = hub.join(book, url, credentials)
    if joined.left is not None:
        click.echo(left_line(joined.left), err=True)
    member = joined.membership
    click.echo(f"joined hub at {joined.peer.url} as {member.email}"
               f" (household {member.household}, role {member.role})")


def read_password() -> str:
    """Return the first line of standard input, without its line ending."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException("no password on standard input")
    return line


@hub_command.command("leave")
@DATA_DIR
def leave_command(data_dir: str | None) -> None:
    """Leave the hub: revoke this device's token there and stop syncing with it."""
    with opened_book(data_dir) as book:
        left = hub.leave(book)
    click.echo(left_line(left))


def left_line(left: Left) -> str:
    """Return the line that says a hub was left, and whether the hub itself heard it."""
    if left.reached:
        return f"left the hub at {left.url}"
    return f"left the hub at {left.url} on this device only; the hub could not be told" \
           f" ({left.reason})"


@hub_command.command("status")
@DATA_DIR
def status_command(data_dir: str | None) -> None:
    """Show the joined hub: household, role, last sync, last error, and what it says now."""
    with opened_book(data_dir) as book:
        found = hub.status(book)
    for label, value in status_lines(found):
        click.echo(f"{label}: {value}")


def status_lines(found: HubStatus) -> list[tuple[str, str]]:
    """Return the hub's status as (label, value) lines."""
    peer, member = found.peer, found.membership
    return [("hub", f"{peer.url} ({peer.device_id})"), ("household", member.household or "-"),
            ("email", member.email or "-"), ("role", member.role or "-"),
            ("last sync", peer.last_sync_at or "never"),
            ("last error", peer.last_error.replace("\n", " ") or "-"),
            ("now", _now(found))]


def _now(found: HubStatus) -> str:
    if not found.answered:
        return found.problem
    return (f"answering (devices in the household: {_known(found.devices)},"
            f" changes held: {_known(found.last_seq)})")


def _known(count: int | None) -> str:
    return "?" if count is None else str(count)
