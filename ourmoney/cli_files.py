"""The `ourmoney import` and `ourmoney export` commands."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO

import click

from ourmoney.errors import InvalidInput, OurMoneyError
from ourmoney.services import exporting, importing
from ourmoney.services.book import Book, open_book
from ourmoney.services.importing.rows import ImportSummary
from ourmoney.services.models import TransactionFilter

FORMAT_CHOICE = click.Choice(["auto", *importing.FORMATS])


class CountingReader:
    """Wrap a binary file and remember how many bytes were read (for the progress bar)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.position = raw, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.position += len(chunk)
        return chunk

    def peek(self, size: int = 0) -> bytes:
        peeked: bytes = self.raw.peek(size) if hasattr(self.raw, "peek") else b""
        return peeked

    def readable(self) -> bool:
        return True


def run_import(book: Book, path: Path, file_format: str, *, dry_run: bool,
               skip_invalid: bool, profile: str | None,
               sheet: str | None = None) -> ImportSummary:
    """Import one file with a progress bar on a terminal."""
    with path.open("rb") as raw:
        chosen = importing.detect(path.name, raw.peek(4096)[:4096]) if file_format == "auto" \
            else file_format
        reader = CountingReader(raw)
        options = _options(book, path, chosen, profile, sheet)
        rows = importing.reader_for(chosen)(reader, options)  # type: ignore[arg-type]
        with _Progress(path) as update:
            return importing.run_import(book, rows, source=path.name, file_format=chosen,
                                        dry_run=dry_run, skip_invalid=skip_invalid,
                                        progress=lambda _: update(reader.position))


def _options(book: Book, path: Path, file_format: str, profile: str | None,
             sheet: str | None) -> importing.ReadOptions:
    """CSV and XLSX: the named profile, else the one saved for this shape, else a sure guess."""
    if file_format in ("csv", "xlsx"):
        from ourmoney.services.importing.profiles import options_for

        return options_for(book, path, path.name, file_format, profile, sheet)
    if profile:
        raise InvalidInput("--profile applies to CSV and XLSX files only.", field="profile")
    if sheet:
        raise InvalidInput("--sheet applies to XLSX workbooks only.", field="sheet")
    return importing.ReadOptions(source=path.name)


class _Progress:
    """A click progress bar over the file's bytes, shown only on a terminal."""

    def __init__(self, path: Path) -> None:
        self.size = path.stat().st_size
        self.bar = click.progressbar(length=self.size, label="Importing", file=sys.stderr) \
            if sys.stderr.isatty() else None

    def __enter__(self) -> Callable[[int], None]:
        if self.bar:
            self.bar.__enter__()
        return self.update

    def update(self, position: int) -> None:
        if self.bar:
            self.bar.update(position - self.bar.pos)

    def __exit__(self, *details: object) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)


def report(summary: ImportSummary, label: str) -> None:
    """Print every problem as `FILE: line N: message`, then the one summary line."""
    for problem in summary.problems:
        where = f"line {problem.line}: " if problem.line else ""
        click.echo(f"{label}: {where}{problem.message}", err=True)
    if summary.errors > len(summary.problems):
        click.echo(f"{label}: ... and {summary.errors - len(summary.problems)} more", err=True)
    prefix = "would import" if summary.dry_run else "imported"
    batch = f"batch {summary.batch_id}" if summary.imported else (
        "dry run" if summary.dry_run else "nothing written")
    click.echo(f"{prefix} {summary.added}, duplicates {summary.duplicates}, "
               f"errors {summary.errors} ({batch})")


def refused(summary: ImportSummary, skip_invalid: bool) -> bool:
    """Return True when invalid rows kept the import from writing anything."""
    if not summary.errors:
        return False
    return not skip_invalid or not (summary.added or summary.duplicates or summary.ignored)


@click.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))
@click.option("--format", "file_format", type=FORMAT_CHOICE, default="auto", show_default=True)
@click.option("--profile", help="A saved bank profile (column mapping) for CSV/XLSX.")
@click.option("--sheet", metavar="NAME",
              help="XLSX: the sheet to read (default: the first sheet with a table).")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; change nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and list the rest.")
@click.option("--undo", "undo_batch", metavar="BATCH_ID", help="Undo a whole earlier import.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with the ledger.")
def import_command(file: Path | None, file_format: str, profile: str | None,
                   sheet: str | None, dry_run: bool, skip_invalid: bool,
                   undo_batch: str | None, data_dir: str | None) -> None:
    """Import a bank or app file (JSON, CSV, XLSX, OFX/QFX, QIF, CAMT, MT940) without duplicates."""
    from ourmoney.cli import resolve

    if bool(file) == bool(undo_batch):
        raise click.UsageError("Give a FILE to import, or --undo BATCH_ID.")
    book = open_book(resolve(data_dir=data_dir).database_path)
    with one_line_errors(file), closing(book):
        if undo_batch:
            removed = importing.undo_import(book, undo_batch)
            click.echo(f"undid batch {undo_batch}: removed {removed}")
            return
        assert file is not None
        summary = run_import(book, file, file_format, dry_run=dry_run,
                             skip_invalid=skip_invalid, profile=profile, sheet=sheet)
    report(summary, str(file))
    if refused(summary, skip_invalid):
        hint = "" if skip_invalid else "; fix the lines above or use --skip-invalid"
        raise click.ClickException(f"nothing was imported{hint}")


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "file_format", metavar="json|csv|xlsx",
              help="Default: from the file name's extension.")
@click.option("--from", "date_from", help="First day, YYYY-MM-DD.")
@click.option("--to", "date_to", help="Last day, YYYY-MM-DD.")
@click.option("--category", help="Category name or id.")
@click.option("--member", help="Member name or id.")
@click.option("--type", "kind", type=click.Choice(["income", "expense"]))
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with the ledger.")
def export_command(file: Path, file_format: str | None, date_from: str | None,
                   date_to: str | None, category: str | None, member: str | None,
                   kind: str | None, data_dir: str | None) -> None:
    """Export transactions (all, or those matching the filters) to JSON, CSV or XLSX."""
    from ourmoney.cli import resolve
    from ourmoney.services.filters import selection_from

    try:
        chosen = exporting.format_for(str(file), file_format)
    except OurMoneyError as error:
        raise click.ClickException(error.message) from None
    book = open_book(resolve(data_dir=data_dir).database_path)
    with one_line_errors(file), closing(book):
        args = {"from": date_from, "to": date_to, "category": category, "member": member,
                "type": kind}
        selection: TransactionFilter = selection_from({k: v for k, v in args.items() if v}, book)
        count = write_atomically(file, lambda out: exporting.export(book, selection, chosen, out))
    click.echo(f"exported {count} transactions to {file}")


@contextmanager
def one_line_errors(file: Path | None) -> Iterator[None]:
    """Turn a domain or file error into the one-line CLI error (exit code 1)."""
    try:
        yield
    except OurMoneyError as error:
        raise click.ClickException(error.message) from None
    except OSError as error:
        raise click.ClickException(f"{file}: {error.strerror or error}") from None


def write_atomically(path: Path, write: Callable[[IO[bytes]], int]) -> int:
    """Write a file under a temporary name beside it and rename it into place once complete.

    The file is readable by its owner only (mkstemp's 0600): it holds a household's money.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                         dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            written = write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return written
