"""`ourmoney import` on bank CSV/XLSX: automatic when sure, a saved or named profile otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ourmoney.cli import main, resolve
from ourmoney.services.book import open_book
from ourmoney.services.importing.profiles import save_profile
from ourmoney.services.importing.table import ColumnMapping
from tests.services.importing.table_files import shape_of
from tests.services.importing.test_profiles import APRIL, EASYBANK, HEADED, MARCH
from tests.services.importing.test_xlsx import BANK

SUMMARY = re.compile(r"^imported (\d+), duplicates (\d+), errors (\d+)"
                     r" \((?:batch [0-9a-f-]{36}|nothing written)\)$")


def run(tmp_path: Path, *args: str) -> Result:
    """Run `ourmoney import ARGS --data-dir TMP` in-process."""
    return CliRunner().invoke(main, ["import", *args, "--data-dir", str(tmp_path / "data")])


def written(tmp_path: Path, name: str, data: bytes) -> str:
    """Write a statement file and return its path."""
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def summary_of(result: Result) -> tuple[int, int, int]:
    """Return (imported, duplicates, errors) from the last output line."""
    found = SUMMARY.match(result.output.strip().splitlines()[-1])
    assert found, result.output
    return int(found[1]), int(found[2]), int(found[3])


def save(tmp_path: Path, name: str, signature: str, mapping: ColumnMapping) -> None:
    """Save a profile in the CLI's ledger, as the Import page would."""
    path = resolve(data_dir=str(tmp_path / "data")).database_path
    path.parent.mkdir(parents=True, exist_ok=True)
    book = open_book(path)
    try:
        save_profile(book, name, signature, mapping)
    finally:
        book.close()


def test_a_csv_the_guess_is_sure_of_imports_automatically(tmp_path: Path) -> None:
    statement = written(tmp_path, "statement.csv", HEADED)
    result = run(tmp_path, statement)
    assert (result.exit_code, summary_of(result)) == (0, (2, 0, 0))
    again = run(tmp_path, statement)
    assert (again.exit_code, summary_of(again)) == (0, (0, 2, 0))


def test_an_xlsx_imports_automatically(tmp_path: Path) -> None:
    result = run(tmp_path, written(tmp_path, "statement.xlsx", BANK))
    assert (result.exit_code, summary_of(result)) == (0, (4, 0, 0))


def test_a_file_that_needs_mapping_says_so(tmp_path: Path) -> None:
    result = run(tmp_path, written(tmp_path, "march.csv", MARCH))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: Map the columns of this file once in the Import page, or name a --profile.")


def test_a_saved_profile_maps_the_next_file_and_profile_names_one(tmp_path: Path) -> None:
    save(tmp_path, "easybank giro", shape_of(MARCH).signature, EASYBANK)
    result = run(tmp_path, written(tmp_path, "april.csv", APRIL))
    assert (result.exit_code, summary_of(result)) == (0, (3, 0, 0))
    renamed = written(tmp_path, "march.txt", MARCH)
    named = run(tmp_path, renamed, "--format", "csv", "--profile", "easybank giro")
    assert (named.exit_code, summary_of(named)) == (0, (2, 0, 0))


@pytest.mark.parametrize(("args", "message"), [
    (["--profile", "Nope"], "Error: There is no bank profile called Nope."),
    (["--profile", "x", "--format", "json"], "Error: --profile applies to CSV and XLSX files"
                                             " only."),
])
def test_a_bad_profile_is_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    statement = written(tmp_path, "statement.csv", HEADED)
    result = run(tmp_path, statement, *args)
    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (1, message)


def test_bad_rows_are_listed_with_their_lines_and_nothing_is_imported(tmp_path: Path) -> None:
    statement = written(tmp_path, "bad.csv", b"Date,Payee,Amount\n2024-05-01,Shop,12.00\n"
                                             b"2024-02-30,Ghost,1.00\n2024-05-03,Cafe,NaN\n")
    result = run(tmp_path, statement)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[:2] == [
        f"{statement}: line 3: Date '2024-02-30' is not in the calendar.",
        f"{statement}: line 4: The amount 'NaN' is not a number."]
    skipped = run(tmp_path, statement, "--skip-invalid")
    assert (skipped.exit_code, summary_of(skipped)) == (0, (1, 0, 2))
