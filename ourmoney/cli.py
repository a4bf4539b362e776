"""The `ourmoney` command."""

from __future__ import annotations

import importlib
import sys
from datetime import date
from typing import Any

import click

from ourmoney import __version__
from ourmoney.errors import OurMoneyError
from ourmoney.settings import Settings, load

# Commands whose module loads only when the command runs (or --help lists them), so a plain
# `ourmoney` opens its window without importing what only the other commands use.
LAZY_COMMANDS = {"import": "ourmoney.cli_files:import_command",
                 "export": "ourmoney.cli_files:export_command",
                 "pair": "ourmoney.cli_devices:pair_command",
                 "devices": "ourmoney.cli_devices:devices_command",
                 "sync": "ourmoney.cli_devices:sync_command",
                 "report": "ourmoney.cli_report:report_command",
                 "hub": "ourmoney.cli_hub:hub_command"}

DATA_DIR = click.option("--data-dir", type=click.Path(file_okay=False),
                        help="Folder with the ledger (default: your user data folder; "
                             "also OURMONEY_HOME).")


def resolve(**overrides: Any) -> Settings:
    """Resolve settings from flags, failing with one clear line."""
    try:
        return load(overrides)
    except OurMoneyError as error:
        raise click.UsageError(error.message) from None


class LazyGroup(click.Group):
    """The `ourmoney` group: imports a command of LAZY_COMMANDS when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, name = LAZY_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="ourmoney", message="%(prog)s %(version)s")
@DATA_DIR
@click.pass_context
def main(ctx: click.Context, data_dir: str | None) -> None:
    """OurMoney: record, browse and share household money, offline first.

    With no command it opens the app in its own window (or the system browser where no
    window can open); a second launch shows the window already open."""
    if ctx.invoked_subcommand is None:
        _open_desktop(data_dir)


def run(**extra: Any) -> None:
    """Run the `ourmoney` command as a process of its own (what the installed script runs)."""
    from ourmoney.db import library

    library.turn_off_memory_statistics()  # before any connection opens
    main(**extra)


def _open_desktop(data_dir: str | None) -> None:
    from ourmoney.desktop.launch import launch

    settings = resolve(data_dir=data_dir, port=0)
    try:
        launch(settings, say=_say)
    except OurMoneyError as error:
        raise click.ClickException(error.message) from None


def _say(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


@main.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default 8421; 0 = any free).")
@DATA_DIR
@click.option("--open", "open_browser", is_flag=True, default=None,
              help="Open the app in the system browser.")
@click.option("--lan", is_flag=True, default=None,
              help="Phone access for this run: phones on this network can sign in.")
def serve(host: str | None, port: int | None, data_dir: str | None,
          open_browser: bool | None, lan: bool | None) -> None:
    """Run the app on this computer and print its address."""
    from ourmoney.server import run

    settings = resolve(host=host, port=port, data_dir=data_dir, open_browser=open_browser,
                       lan=lan)
    try:
        run(settings, ready=lambda url: _announce(url, settings.open_browser),
            on_lan=_announce_lan)
    except OurMoneyError as error:
        raise click.ClickException(error.message) from None


def _announce(url: str, open_browser: bool) -> None:
    click.echo(f"OurMoney running at {url}")
    sys.stdout.flush()
    if open_browser:
        import webbrowser  # here: a plain `ourmoney` opens a window, not the browser

        webbrowser.open(url)


def _announce_lan(urls: list[str]) -> None:
    if urls:
        click.echo(f"Phones on this network: open {urls[0]} and sign in with a code from the"
                   " Phone page")
    else:
        click.echo("Phone access is on, but this computer has no network address yet")
    sys.stdout.flush()


@main.command()
@click.option("--transactions", "count", type=int, default=2000, show_default=True,
              help="How many transactions to create.")
@click.option("--seed", type=int, default=2024, show_default=True, help="Random seed.")
@DATA_DIR
def demo(count: int, seed: int, data_dir: str | None) -> None:
    """Fill an empty ledger with a realistic synthetic household history."""
    from ourmoney.services import demo as demo_service
    from ourmoney.services.book import open_book

    settings = resolve(data_dir=data_dir)
    book = open_book(settings.database_path)
    try:
        with click.progressbar(length=count, label="Creating transactions",
                               file=sys.stderr) as bar:
            result = demo_service.fill(book, count, today=date.today(), seed=seed,  # noqa: DTZ011
                                       progress=lambda done: bar.update(done - bar.pos))
    except OurMoneyError as error:
        raise click.ClickException(error.message) from None
    finally:
        book.close()
    click.echo(f"created {result.transactions} transactions from {result.first_day} to "
               f"{result.last_day} in {settings.database_path}")
