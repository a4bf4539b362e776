"""`ourmoney import` and `ourmoney export`: one summary line, clear errors, undo, atomic files."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from ourmoney.cli import main
from ourmoney.cli_files import write_atomically
from tests.services.importing.seed import TABLES, seed_bytes, seed_item

CSV_HEADER = "date,description,type,amount,currency,category,member,notes,id,created_at"


def ourmoney(data_dir: Path, *args: str) -> Result:
    """Run a command in-process, stdout and stderr kept apart."""
    return CliRunner().invoke(main, [*args, "--data-dir", str(data_dir)])


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m ourmoney ARGS` in a real process, output piped."""
    return subprocess.run([sys.executable, "-m", "ourmoney", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=120, check=False)


def ledger_counts(data_dir: Path) -> dict[str, int]:
    with sqlite3.connect(data_dir / "ourmoney.sqlite3") as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in TABLES}


def batch_ids(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "ourmoney.sqlite3") as connection:
        return [r[0] for r in connection.execute("SELECT id FROM import_batch ORDER BY created_at")]


@pytest.fixture
def seed_file(tmp_path: Path) -> Path:
    path = tmp_path / "seed.json"
    path.write_bytes(seed_bytes(seed_item(1), seed_item(2, type="income", price=1000,
                                                       category="Salary"), seed_item(3)))
    return path


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_import_ends_with_one_summary_line(tmp_path: Path, seed_file: Path) -> None:
    data = tmp_path / "data"
    first = ourmoney(data, "import", str(seed_file))
    assert (first.exit_code, first.stderr) == (0, "")
    assert first.stdout == f"imported 3, duplicates 0, errors 0 (batch {batch_ids(data)[0]})\n"
    again = ourmoney(data, "import", str(seed_file))
    assert (again.exit_code, again.stderr) == (0, "")
    assert again.stdout == "imported 0, duplicates 3, errors 0 (nothing written)\n"


def test_invalid_rows_are_listed_and_nothing_is_imported(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", seed_bytes(seed_item(1), seed_item(2, price="abc"),
                                                  seed_item(3, createdAt="2025-02-30T10:00Z")))
    result = ourmoney(tmp_path / "data", "import", str(path))
    assert result.exit_code == 1
    assert result.stdout == "imported 0, duplicates 0, errors 2 (nothing written)\n"
    assert result.stderr.splitlines() == [
        f"{path}: line 2: Transaction 2: price must be a number, not 'abc'.",
        f"{path}: line 3: Transaction 3: createdAt '2025-02-30T10:00Z' is not a date and time.",
        "Error: nothing was imported; fix the lines above or use --skip-invalid"]
    assert ledger_counts(tmp_path / "data")["transactions"] == 0


def test_skip_invalid_imports_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", seed_bytes(seed_item(1), seed_item(2, price=[1])))
    result = ourmoney(tmp_path / "data", "import", str(path), "--skip-invalid")
    assert result.exit_code == 0
    assert result.stdout == (
        f"imported 1, duplicates 0, errors 1 (batch {batch_ids(tmp_path / 'data')[0]})\n")
    assert result.stderr == f"{path}: line 2: Transaction 2: price must be a number.\n"


def test_past_a_thousand_problems_the_rest_are_counted(tmp_path: Path) -> None:
    items = [seed_item(n, price="x") for n in range(1, 1004)]
    path = write(tmp_path, "many.json", seed_bytes(*items))
    result = ourmoney(tmp_path / "data", "import", str(path))
    lines = result.stderr.splitlines()
    assert (result.exit_code, len(lines)) == (1, 1002)
    assert lines[999] == f"{path}: line 1000: Transaction 1000: price must be a number, not 'x'."
    assert lines[1000:] == [
        f"{path}: ... and 3 more",
        "Error: nothing was imported; fix the lines above or use --skip-invalid"]
    assert result.stdout == "imported 0, duplicates 0, errors 1003 (nothing written)\n"


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."), (b"\x00\x01garbage", "This is not a JSON file."),
    (b"[1, 2", "line 1: Transaction 1 is not a JSON object.")])
@pytest.mark.parametrize("skip", [[], ["--skip-invalid"]])
def test_a_file_with_nothing_valid_exits_non_zero(tmp_path: Path, data: bytes, message: str,
                                                  skip: list[str]) -> None:
    path = write(tmp_path, "broken.json", data)
    result = ourmoney(tmp_path / "data", "import", str(path), *skip)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{path}: {message}"
    assert result.stderr.splitlines()[-1].startswith("Error: nothing was imported")
    assert ledger_counts(tmp_path / "data")["transactions"] == 0


def test_a_dry_run_says_would_import_and_changes_nothing(tmp_path: Path, seed_file: Path) -> None:
    data = tmp_path / "data"
    ourmoney(data, "import", str(write(tmp_path, "one.json", seed_bytes(seed_item(1)))))
    before = ledger_counts(data)
    result = ourmoney(data, "import", str(seed_file), "--dry-run")
    assert (result.exit_code, result.stdout) == (
        0, "would import 2, duplicates 1, errors 0 (dry run)\n")
    assert ledger_counts(data) == before


def test_undo_works_once(tmp_path: Path, seed_file: Path) -> None:
    data = tmp_path / "data"
    ourmoney(data, "import", str(seed_file))
    batch = batch_ids(data)[0]
    undone = ourmoney(data, "import", "--undo", batch)
    assert (undone.exit_code, undone.stdout) == (0, f"undid batch {batch}: removed 3\n")
    twice = ourmoney(data, "import", "--undo", batch)
    assert (twice.exit_code, twice.stdout, twice.stderr) == (
        1, "", "Error: That import was already undone.\n")
    unknown = ourmoney(data, "import", "--undo", "nope")
    assert (unknown.exit_code, unknown.stderr) == (
        1, "Error: There is no import with that batch id.\n")
    with sqlite3.connect(data / "ourmoney.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM transactions WHERE deleted = 0"
                                  ).fetchone() == (0,)
    assert ourmoney(data, "import", str(seed_file)).stdout.startswith("imported 3,")


def test_a_file_and_undo_together_are_a_usage_error(tmp_path: Path, seed_file: Path) -> None:
    result = ourmoney(tmp_path / "data", "import", str(seed_file), "--undo", "x")
    assert result.exit_code == 2
    assert "Give a FILE to import, or --undo BATCH_ID." in result.stderr


def read_terminal(master: int) -> bytes:
    """Read everything written to a pseudo-terminal until its last writer closes it."""
    output = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # Linux reports the closed terminal as EIO
            break
        if not chunk:
            break
        output += chunk
    return output


def test_the_progress_bar_shows_on_a_terminal_only(tmp_path: Path, seed_file: Path) -> None:
    master, slave = pty.openpty()
    command = [sys.executable, "-m", "ourmoney", "import", str(seed_file),
               "--data-dir", str(tmp_path / "tty")]
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=slave) as process:
        os.close(slave)
        try:
            shown = read_terminal(master).decode()
        finally:
            os.close(master)
        printed, _ = process.communicate(timeout=60)
    assert (process.returncode, printed.startswith(b"imported 3,")) == (0, True)
    assert "Importing" in shown and "100%" in shown
    piped = run(tmp_path / "piped", "import", str(seed_file))
    assert (piped.returncode, piped.stderr) == (0, "")


def big_seed_file(path: Path, rows: int) -> Path:
    """Write a seed file of `rows` records, streamed, without holding it in memory."""
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for n in range(rows):
            item = seed_item(n, description=f"Shop {n % 997}", price=round(n % 9000 / 100 + 1, 2),
                             category=f"Category {n % 30}", owner=("Ana", "Bo", "Cy")[n % 3],
                             createdAt=f"20{10 + n % 15}-0{1 + n % 9}-1{n % 9}T10:00:00.000Z")
            out.write(("," if n else "") + json.dumps(item))
        out.write("]")
    return path


def test_kill_9_mid_import_leaves_the_ledger_as_it_was(tmp_path: Path) -> None:
    data = tmp_path / "data"
    big = big_seed_file(tmp_path / "big.json", 300_000)
    wal = data / "ourmoney.sqlite3-wal"
    process = subprocess.Popen([sys.executable, "-m", "ourmoney", "import", str(big),
                                "--data-dir", str(data)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = time.monotonic()
    while (time.monotonic() - started < 60 and process.poll() is None
           and not (wal.exists() and wal.stat().st_size > 4_000_000)):
        time.sleep(0.05)
    assert process.poll() is None, "the import finished before it could be killed"
    assert wal.stat().st_size > 4_000_000, "the import never wrote a chunk"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with sqlite3.connect(data / "ourmoney.sqlite3") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    counts = ledger_counts(data)
    assert (counts["transactions"], counts["import_batch"], counts["import_item"],
            counts["change"], counts["category"], counts["member"]) == (0, 0, 0, 0, 0, 0)
    small = write(tmp_path, "small.json", seed_bytes(seed_item(1), seed_item(2)))
    after = run(data, "import", str(small))
    assert (after.returncode, after.stdout.startswith("imported 2, duplicates 0, errors 0 (batch"),
            ledger_counts(data)["transactions"]) == (0, True, 2)


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A ledger with three seed transactions: Ana's two groceries and Bo's salary."""
    data = tmp_path / "data"
    path = write(tmp_path, "seed.json", seed_bytes(
        seed_item(1, description="=HYPERLINK(\"x\")", createdAt="2025-01-05T10:00:00Z"),
        seed_item(2, type="income", price=1000, category="Salary", owner="Bo",
                  createdAt="2025-02-01T10:00:00Z"),
        seed_item(3, price=3.2, createdAt="2025-03-01T10:00:00Z")))
    assert ourmoney(data, "import", str(path)).exit_code == 0
    return data


def exported(data: Path, target: Path, *options: str) -> Result:
    return ourmoney(data, "export", str(target), *options)


def test_export_picks_the_format_from_the_extension(filled: Path, tmp_path: Path) -> None:
    for name in ("all.csv", "all.json", "all.xlsx", "ALL.CSV"):
        result = exported(filled, tmp_path / name)
        assert (result.exit_code, result.stdout) == (
            0, f"exported 3 transactions to {tmp_path / name}\n")
    assert (tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()[0] == CSV_HEADER
    assert json.loads((tmp_path / "all.json").read_bytes())["format"] == "ourmoney"
    assert load_workbook(tmp_path / "all.xlsx").active.max_row == 4
    forced = exported(filled, tmp_path / "data.txt", "--format", "csv")
    assert forced.exit_code == 0
    assert (tmp_path / "data.txt").read_text(encoding="utf-8").startswith(CSV_HEADER)


def descriptions(path: Path) -> list[str]:
    return [row["description"] for row in csv.DictReader(io.StringIO(path.read_text("utf-8")))]


@pytest.mark.parametrize(("options", "expected"), [
    ((), ["Groceries 3", "Groceries 2", "'=HYPERLINK(\"x\")"]),
    (("--type", "income"), ["Groceries 2"]),
    (("--category", "food"), ["Groceries 3", "'=HYPERLINK(\"x\")"]),
    (("--member", "Bo"), ["Groceries 2"]),
    (("--from", "2025-01-06", "--to", "2025-02-28"), ["Groceries 2"]),
    (("--type", "expense", "--from", "2025-02-01"), ["Groceries 3"])])
def test_export_follows_the_filters(filled: Path, tmp_path: Path, options: tuple[str, ...],
                                    expected: list[str]) -> None:
    target = tmp_path / "out.csv"
    assert exported(filled, target, *options).exit_code == 0
    assert descriptions(target) == expected


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.parametrize(("name", "options", "message"), [
    ("out.pdf", (), "Export format must be json, csv or xlsx."),
    ("out", (), "Export format must be json, csv or xlsx."),
    ("out.csv", ("--format", "pdf"), "Export format must be json, csv or xlsx."),
    ("out.csv", ("--category", "Nope"), "That category does not exist."),
    ("out.csv", ("--from", "2025-02-30"), "2025-02-30 is not a date in the calendar."),
    ("out.csv", ("--from", "2025-03-01", "--to", "2025-01-01"),
     "The start date is after the end date.")])
def test_a_refused_export_is_one_line_and_leaves_no_file(filled: Path, tmp_path: Path, name: str,
                                                         options: tuple[str, ...],
                                                         message: str) -> None:
    target = tmp_path / name
    result = exported(filled, target, *options)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_a_refused_export_keeps_the_previous_file(filled: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous", encoding="utf-8")
    assert exported(filled, target, "--member", "Nobody").exit_code == 1
    assert target.read_text(encoding="utf-8") == "previous"


def test_write_atomically_leaves_nothing_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")

    def half(out: Any) -> int:
        out.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, half)
    assert (target.read_bytes(), leftovers(tmp_path)) == (b"old", [])
    assert write_atomically(target, lambda out: out.write(b"new")) == 3
    assert (target.read_bytes(), oct(target.stat().st_mode & 0o777)) == (b"new", "0o600")


def test_an_empty_ledger_exports_valid_empty_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name in ("e.csv", "e.json", "e.xlsx"):
        assert exported(data, tmp_path / name).stdout == (
            f"exported 0 transactions to {tmp_path / name}\n")
    assert (tmp_path / "e.csv").read_bytes() == (CSV_HEADER + "\r\n").encode()
    assert json.loads((tmp_path / "e.json").read_bytes())["transactions"] == []
    assert load_workbook(tmp_path / "e.xlsx").active.max_row == 1
