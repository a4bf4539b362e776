"""`ourmoney report`: the report of a period written as a PDF, or one clear line."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ourmoney.cli import main
from ourmoney.services import household, ledger, members
from tests.support.books import draft, ledger_at
from tests.web.test_report_print import LEDGER, expected_rows


def ourmoney(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--data-dir", str(data_dir)])


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A data folder whose ledger holds the hand-built first quarter of 2025."""
    data = tmp_path / "data"
    data.mkdir()
    with ledger_at(data / "ourmoney.sqlite3") as book:
        for day, description, kind, amount, category in LEDGER:
            ledger.add_transaction(book, draft(description, amount, kind=kind,
                                               category=category, on=date.fromisoformat(day)))
        ana = members.add_member(book, "Ana")
        ledger.add_transaction(book, draft("Books", "12.34", on=date(2025, 2, 1),
                                           category="Fun", member_id=ana.id))
    return data


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True)
    return " ".join(done.stdout.split())


@pytest.mark.parametrize("options", [("--period", "2025-Q1"),
                                     ("--from", "2025-01", "--to", "2025-03")])
def test_a_quarter_as_pdf(filled: Path, tmp_path: Path, options: tuple[str, ...]) -> None:
    target = tmp_path / "q1.pdf"
    result = ourmoney(filled, "report", *options, "--pdf", str(target))
    assert result.exit_code == 0, result.output
    key = "2025-Q1" if options[0] == "--period" else "2025-01..2025-03"
    assert result.stdout.startswith(f"wrote the {key} report to {target} (")
    text = pdf_text(target)
    assert "Expense €1,642.44" in text  # LEDGER's 1,630.10 and Ana's 12.34
    for row in expected_rows()["months"][::2]:  # January and March: Ana spent in February
        assert row in text
    assert (target.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_one_member_in_portuguese(filled: Path, tmp_path: Path) -> None:
    with ledger_at(filled / "ourmoney.sqlite3") as book:
        household.save_preferences(book, language="pt")
    target = tmp_path / "ana.pdf"
    assert ourmoney(filled, "report", "--period", "2025-02", "--member", "ana", "--pdf",
                    str(target)).exit_code == 0
    text = pdf_text(target)
    assert "Despesa 12,34 €" in text
    assert "Relatório da casa" in text


@pytest.mark.parametrize(("options", "message"), [
    (("--period", "2025-13"), "There is no month 2025-13."),
    (("--period", "=1+1"),
     "Period must be a month (2025-06), a quarter (2025-Q2) or a year (2025)."),
    (("--from", "2025-06", "--to", "2025-01"), "The last month must not be before the first."),
    (("--period", "2025", "--to", "2025-01"),
     "Give either a period or from/to months, not both."),
    (("--member", "Nobody"), "There is no member called Nobody."),
])
def test_refused_reports_are_one_line_and_leave_no_file(filled: Path, tmp_path: Path,
                                                        options: tuple[str, ...],
                                                        message: str) -> None:
    target = tmp_path / "out.pdf"
    result = ourmoney(filled, "report", *options, "--pdf", str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob(".*part")) == []


def test_an_unwritable_place_and_a_missing_pdf_option(filled: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.pdf"
    result = ourmoney(filled, "report", "--pdf", str(target))
    assert (result.exit_code, result.stderr) == (1, f"Error: {target}: No such file or directory\n")
    result = ourmoney(filled, "report", "--period", "2025")
    assert result.exit_code == 2
    assert "Missing option '--pdf'" in result.stderr
