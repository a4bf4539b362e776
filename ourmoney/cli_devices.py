"""The `ourmoney pair` and `ourmoney devices` commands."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from ourmoney.errors import OurMoneyError
from ourmoney.services import devices, pairing
from ourmoney.services.book import Book, open_book
from ourmoney.services.devices import Peer
from ourmoney.services.sync import runner

DATA_DIR = click.option("--data-dir", type=click.Path(file_okay=False),
                        help="Folder with the ledger (default: your user data folder; "
                             "also OURMONEY_HOME).")


@contextmanager
def opened_book(data_dir: str | None) -> Iterator[Book]:
    """Open the ledger of `data_dir`; any OurMoney error ends the command with one line."""
    from ourmoney.cli import resolve

    settings = resolve(data_dir=data_dir)
    try:
        book = open_book(settings.database_path)
        try:
            yield book
        finally:
            book.close()
    except OurMoneyError as error:
        raise click.ClickException(error.message) from None


@click.command("pair")
@click.argument("url", required=False)
@click.argument("code", required=False)
@click.option("--new-code", is_flag=True, help="Print a one-time code another device can use"
                                               " to pair with this one (valid 10 minutes).")
@DATA_DIR
def pair_command(url: str | None, code: str | None, new_code: bool,
                 data_dir: str | None) -> None:
    """Pair with the device at URL using the CODE it shows, or show a code (--new-code)."""
    if new_code == bool(url):
        raise click.UsageError("Give either --new-code, or the URL and CODE of the other device.")
    with opened_book(data_dir) as book:
        if new_code:
            click.echo(pairing.new_code(book).code)
            click.echo("Enter this code on the other device within 10 minutes; it works once.",
                       err=True)
            return
        peer = pairing.pair_with(book, url, code)
    click.echo(f"paired with {peer.name} ({peer.device_id})")


@click.command("devices")
@DATA_DIR
def devices_command(data_dir: str | None) -> None:
    """List the paired devices: name, id, address, last sync, last error, revoked."""
    with opened_book(data_dir) as book:
        peers = devices.list_peers(book)
    if not peers:
        click.echo("no paired devices")
    for peer in peers:
        click.echo(describe(peer))


def describe(peer: Peer) -> str:
    """Return one line about a paired device."""
    state = f"revoked {peer.revoked_at}" if peer.revoked else "active"
    synced = peer.last_sync_at or "never"
    error = peer.last_error.replace("\n", " ") or "-"
    return (f"{peer.name}\t{peer.device_id}\t{peer.url or '-'}\tlast sync: {synced}"
            f"\tlast error: {error}\t{state}")


@click.command("sync")
@click.option("--peer", "wanted", metavar="NAME|URL", help="Sync with this paired device only.")
@DATA_DIR
def sync_command(wanted: str | None, data_dir: str | None) -> None:
    """Sync now with every paired device (or one); ends with `pushed N, pulled M`."""
    on_terminal = sys.stderr.isatty()
    with opened_book(data_dir) as book:
        results = runner.sync_all(book, wanted, progress=_show_progress if on_terminal else None)
    if on_terminal:
        click.echo(err=True)  # end the progress line
    if not results:
        raise click.ClickException("no paired devices: pair one first (ourmoney pair)")
    pushed = sum(r.report.pushed for r in results if r.report)
    pulled = sum(r.report.pulled for r in results if r.report)
    for failed in (r for r in results if r.error):
        click.echo(f"{failed.peer.name}: {failed.error}", err=True)
    click.echo(f"pushed {pushed}, pulled {pulled}")
    if any(r.error for r in results):
        raise SystemExit(1)


def progress_line(stage: str, done: int, total: int) -> str:
    """Return the progress line of a sync shown on a terminal."""
    return f"{'Pulling' if stage == 'pull' else 'Pushing'} changes: {done:,} of {total:,}"


def _show_progress(stage: str, done: int, total: int) -> None:
    click.echo("\r\033[K" + progress_line(stage, done, total), err=True, nl=False)
