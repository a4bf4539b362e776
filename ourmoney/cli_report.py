"""`ourmoney report`: the printable report of a period as a PDF file."""

from __future__ import annotations

from pathlib import Path

import click

from ourmoney.cli_files import one_line_errors, write_atomically


@click.command("report")
@click.option("--period", help="A year (2025), a quarter (2025-Q2) or a month (2025-06).")
@click.option("--from", "date_from", help="First month, YYYY-MM (with --to).")
@click.option("--to", "date_to", help="Last month, YYYY-MM (with --from).")
@click.option("--member", help="Only this member's transactions (name or id).")
@click.option("--pdf", "pdf_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The PDF file to write.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with the ledger.")
def report_command(period: str | None, date_from: str | None, date_to: str | None,
                   member: str | None, pdf_file: Path, data_dir: str | None) -> None:
    """Write the report of a period (default: this month) as a PDF, in the household's language."""
    from ourmoney.cli import resolve
    from ourmoney.web import create_app, report_print

    app = create_app(resolve(data_dir=data_dir))
    book = app.extensions["ourmoney"]["book"]
    try:
        with one_line_errors(pdf_file), app.test_request_context("/reports/report.pdf"):
            made = report_print.pdf_of(period, date_from, date_to, member)
            size = write_atomically(pdf_file, lambda out: out.write(made.pdf))
    finally:
        book.close()
    click.echo(f"wrote the {made.period} report to {pdf_file} ({size} bytes)")
