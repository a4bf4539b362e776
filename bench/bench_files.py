"""Import/export benchmark (issue 3): the real CLI against raw floors, in the same run.

Run from the repository root::

    .venv/bin/python bench/bench_files.py                       # 1,000,000 transactions
    .venv/bin/python bench/bench_files.py --transactions 20000  # a quick smoke run

See bench/README.md ("Import and export") for what each figure means. Every figure is the
wall time and peak RSS (/usr/bin/time -v) of a child process:

- import:    `python -m ourmoney import SEED.json --data-dir EMPTY_DIR`
  floor:     ijson (C backend, use_float=False) + raw sqlite3 executemany (batches of 2,000)
             into a table of the transactions table's shape, WAL, synchronous=NORMAL;
- re-import: the same command again into the same ledger (every row a duplicate), against
             the first import;
- CSV:       `python -m ourmoney export out.csv` of the whole ledger; floor: csv.writer over
             a raw query of the same columns (category and member names joined);
- XLSX:      `python -m ourmoney export out.xlsx` of a 100,000-row ledger (the first 100k
             rows of the same seed, imported the same way); floor: openpyxl write-only
             writing the same cells (date, number formats, text).

The seed file is generated once with a streaming writer and cached in bench/.data/.
Missed targets are reported, not failed: the exit status is non-zero only when something
is broken (a command fails, a count is wrong).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    DATA,
    BenchError,
    fresh,
    machine,
    ourmoney,
    py,
    render_table,
    run_and_save,
    timed,
)

# Targets from the issue (ratios / MiB).
IMPORT_RATIO = 2.0
IMPORT_RSS_MB = 150.0
CSV_RATIO = 2.0
XLSX_RATIO = 1.5
XLSX_ROWS = 100_000
BATCH = 2_000
SEED_VERSION = 1


# -- the seed file -----------------------------------------------------------------------------

WORDS = ("Coffee", "Groceries", "Pizzeria", "Rent", "Salary", "Bakery", "Pharmacy", "Cinema",
         "Train ticket", "Bookshop", "Electricity bill", "Gym", "Internet", "Restaurant",
         "Taxi", "Hardware store", "Insurance", "Freelance job", "Gift", "Streaming")
PLACES = ("downtown", "at the mall", "near home", "online", "with friends", "weekly",
          "monthly", "corner shop", "airport", "market")
EXPENSE_CATEGORIES = ("Groceries", "Food", "Transport", "Housing", "Health", "Leisure",
                      "Utilities", "Shopping", "Education", "Other")
INCOME_CATEGORIES = ("Salary", "Freelance", "Gifts", "Investments")
OWNERS = (("Ana Souza", "ana@example.com"), ("Bruno Lima", "bruno@example.com"),
          ("Carla Dias", "carla@example.com"), ("Diego Rocha", "diego@example.com"))
ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
START = datetime(2021, 1, 1, 8, 0, tzinfo=UTC)


def seed_path(count: int) -> Path:
    return DATA / f"seed-{count}-v{SEED_VERSION}.json"


def ensure_seed(count: int, log: Callable[[str], None]) -> Path:
    """Write (once) a seed-format JSON array of `count` rows, one row at a time.

    Deterministic: the first K rows of the N-row file equal the K-row file (same random
    stream, fixed time steps), so the XLSX ledger is a prefix of the big one.
    """
    path = seed_path(count)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(3)
    tmp = path.with_suffix(".part")
    started = time.perf_counter()
    moment = START
    with tmp.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for i in range(count):
            moment += timedelta(seconds=rng.randint(20, 180), milliseconds=rng.randint(0, 999))
            income = rng.random() < 0.08
            owner, email = OWNERS[rng.randrange(len(OWNERS))]
            row = {
                "id": "".join(rng.choice(ID_CHARS) for _ in range(20)),
                "description": f"{rng.choice(WORDS)} {rng.choice(PLACES)}",
                "type": "income" if income else "outcome",
                "category": rng.choice(INCOME_CATEGORIES if income else EXPENSE_CATEGORIES),
                "price": round(rng.uniform(1, 5000 if income else 400), 2),
                "owner": owner,
                "email": email,
                "createdAt": moment.strftime("%Y-%m-%dT%H:%M:%S.")
                + f"{moment.microsecond // 1000:03d}Z",
                "status": "done",
            }
            out.write(("," if i else "") + json.dumps(row, ensure_ascii=False) + "\n")
        out.write("]\n")
    tmp.replace(path)
    log(f"seed {path.name}: {path.stat().st_size / 2**20:.0f} MiB written in"
        f" {time.perf_counter() - started:.0f} s")
    return path


def fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the run with the shortest wall time (other load on the machine only adds time)."""
    return min(runs, key=lambda run: float(run["wall_s"]))


def pairs(ours: list[dict[str, Any]], floors: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """Return the wall times of every run, ours with its floor."""
    return [(a["wall_s"], b["wall_s"]) for a, b in zip(ours, floors, strict=True)]


def floor(kind: str, *args: str) -> list[str]:
    return py(str(Path(__file__).resolve()), "--floor", kind, *args)


# -- floors (run in a child process: `bench_files.py --floor KIND ...`) ------------------------

FLOOR_TABLE = """CREATE TABLE transactions (
    id TEXT PRIMARY KEY, occurred_on TEXT NOT NULL, description TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('income', 'expense')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    category_id TEXT, member_id TEXT, notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    hlc TEXT NOT NULL, local_seq INTEGER NOT NULL DEFAULT 0)"""


def floor_import(source: str, db: str) -> None:
    import sqlite3

    import ijson

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA synchronous = normal")
    conn.execute(FLOOR_TABLE)
    sql = "INSERT INTO transactions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    batch: list[tuple[Any, ...]] = []
    count = 0
    with open(source, "rb") as f:
        for item in ijson.items(f, "item", use_float=False):
            count += 1
            stamp = item["createdAt"]
            batch.append((item["id"], stamp[:10], item["description"],
                          "expense" if item["type"] == "outcome" else "income",
                          int(item["price"] * 100), item["category"], item["email"], "",
                          stamp, stamp, stamp, count))
            if len(batch) == BATCH:
                conn.execute("BEGIN")
                conn.executemany(sql, batch)
                conn.execute("COMMIT")
                batch.clear()
    if batch:
        conn.execute("BEGIN")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
    conn.close()
    print(count)


EXPORT_SQL = """SELECT t.occurred_on, t.description, t.type, t.amount, c.name, m.name, t.notes,
    t.id, t.created_at FROM transactions t LEFT JOIN category c ON c.id = t.category_id
    LEFT JOIN member m ON m.id = t.member_id WHERE t.deleted = 0
    ORDER BY t.occurred_on DESC, t.created_at DESC, t.id DESC"""


def floor_csv(db: str, out: str, currency: str) -> None:
    import csv
    import sqlite3

    conn = sqlite3.connect(db)
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(("date", "description", "type", "amount", "currency", "category",
                         "member", "notes", "id", "created_at"))
        for day, text, kind, amount, category, member, notes, tid, created in \
                conn.execute(EXPORT_SQL):
            signed = -amount if kind == "expense" else amount
            writer.writerow((day, text, kind, f"{signed / 100:.2f}", currency, category,
                             member, notes, tid, created))


def floor_xlsx(db: str, out: str, currency: str) -> None:
    import sqlite3
    from datetime import date
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    conn = sqlite3.connect(db)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Transactions")
    money = f'#,##0.00 "{currency}";-#,##0.00 "{currency}"'
    sheet.append(["date", "description", "type", "amount", "currency", "category", "member",
                  "notes", "id", "created_at"])
    cent = Decimal("0.01")
    for day, text, kind, amount, category, member, notes, tid, created in \
            conn.execute(EXPORT_SQL):
        when = WriteOnlyCell(sheet, value=date.fromisoformat(day))
        when.number_format = "yyyy-mm-dd"
        value = WriteOnlyCell(sheet, value=(-amount if kind == "expense" else amount) * cent)
        value.number_format = money
        sheet.append([when, text, kind, value, currency, category, member, notes, tid,
                      created])
    workbook.save(out)


# -- the run -----------------------------------------------------------------------------------


def parse_import(line: str, label: str) -> tuple[int, int, int]:
    found = re.search(r"imported (\d+), duplicates (\d+), errors (\d+)", line)
    if not found:
        raise BenchError(f"{label}: no summary line in {line!r}")
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


def count_rows(db: Path, table: str = "transactions") -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def run(options: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    from bench.dataset import DB_NAME

    n = options.transactions
    xlsx_n = min(XLSX_ROWS, n)
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    seed = ensure_seed(n, log)
    small_seed = ensure_seed(xlsx_n, log) if xlsx_n != n else seed
    work = fresh(DATA / f"files-{n}")
    ledger, floor_db = work / "ledger", work / "floor.sqlite3"
    ledger.mkdir()
    figures: dict[str, Any] = {}
    try:
        # import: ours, then the floor, `repeat` times in turn; the fastest of each counts
        imports, floors = [], []
        for attempt in range(1, options.repeat + 1):
            fresh(ledger)
            ours = timed(ourmoney("import", str(seed), "--data-dir", str(ledger)),
                         f"import (run {attempt})", log)
            imported, dups, errors = parse_import(ours["stdout"], "import")
            if (imported, dups, errors) != (n, 0, 0) or count_rows(ledger / DB_NAME) != n:
                raise BenchError(f"import: {ours['stdout']!r}, expected {n} new rows")
            base = timed(floor("import", str(seed), str(floor_db)), f"import floor (run {attempt})",
                         log)
            if count_rows(floor_db) != n:
                raise BenchError("import floor: wrong row count")
            imports.append(ours)
            floors.append(base)
            figures["floor_db_mb"] = floor_db.stat().st_size / 2**20
            for extra in ("", "-wal", "-shm"):
                Path(str(floor_db) + extra).unlink(missing_ok=True)
        figures["import"], figures["import_floor"] = fastest(imports), fastest(floors)
        figures["import_runs"] = pairs(imports, floors)
        figures["ledger_mb"] = (ledger / DB_NAME).stat().st_size / 2**20

        again = timed(ourmoney("import", str(seed), "--data-dir", str(ledger)), "re-import", log)
        if parse_import(again["stdout"], "re-import")[:2] != (0, n):
            raise BenchError(f"re-import: {again['stdout']!r}, expected {n} duplicates")
        if count_rows(ledger / DB_NAME) != n:
            raise BenchError("re-import changed the number of transactions")
        figures["reimport"] = again

        from ourmoney.services import household
        from ourmoney.services.book import open_book

        book = open_book(ledger / DB_NAME)
        currency = household.preferences(book).currency
        book.close()

        out_csv, floor_csv_path = work / "out.csv", work / "floor.csv"
        csvs, csv_floors = [], []
        for attempt in range(1, options.repeat + 1):
            csvs.append(timed(ourmoney("export", str(out_csv), "--data-dir", str(ledger)),
                              f"export csv (run {attempt})", log))
            csv_floors.append(timed(floor("csv", str(ledger / DB_NAME), str(floor_csv_path),
                                          currency), f"export csv floor (run {attempt})", log))
        figures["csv"], figures["csv_floor"] = fastest(csvs), fastest(csv_floors)
        figures["csv_runs"] = pairs(csvs, csv_floors)
        for path in (out_csv, floor_csv_path):
            with path.open("rb") as f:
                lines = sum(1 for _ in f)
            if lines < n + 1:
                raise BenchError(f"{path.name}: {lines} lines for {n} rows")
        figures["csv_mb"] = out_csv.stat().st_size / 2**20
        figures["csv_floor_mb"] = floor_csv_path.stat().st_size / 2**20
        out_csv.unlink()
        floor_csv_path.unlink()

        # XLSX on a smaller ledger: the first 100k rows of the same seed
        if xlsx_n == n:
            small = ledger
        else:
            small = work / "ledger-small"
            small.mkdir()
            figures["import_small"] = timed(
                ourmoney("import", str(small_seed), "--data-dir", str(small)),
                f"import {xlsx_n:,} (for XLSX)", log)
        out_xlsx, floor_xlsx_path = work / "out.xlsx", work / "floor.xlsx"
        figures["xlsx"] = timed(ourmoney("export", str(out_xlsx), "--data-dir", str(small)),
                                "export xlsx", log)
        figures["xlsx_floor"] = timed(floor("xlsx", str(small / DB_NAME), str(floor_xlsx_path),
                                            currency), "export xlsx floor", log)
        figures["xlsx_rows"] = xlsx_n

        if options.profile:
            prof = work / "import.prof"
            target = fresh(work / "ledger-profile")
            timed(py("-m", "cProfile", "-o", str(prof), "-m", "ourmoney", "import",
                     str(small_seed), "--data-dir", str(target)),
                  f"cProfile import {xlsx_n:,}", log)
            import io
            import pstats

            text = io.StringIO()
            pstats.Stats(str(prof), stream=text).sort_stats("tottime").print_stats(10)
            figures["profile"] = text.getvalue()
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    figures["load_start"] = load_start
    figures["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    figures["seed_mb"] = seed.stat().st_size / 2**20
    return assemble(options, figures)


def assemble(options: argparse.Namespace, f: dict[str, Any]) -> dict[str, Any]:
    n = options.transactions

    def row(label: str, ours: dict[str, Any], base: dict[str, Any], target: str,
            met: bool, rss_target: float | None = None) -> list[str]:
        ratio = ours["wall_s"] / base["wall_s"]
        rss_ok = "" if rss_target is None else (
            "; RSS " + ("yes" if ours["peak_rss_mb"] <= rss_target else "NO"))
        return [label, f"{ours['wall_s']:.1f}", f"{ours['cpu_s']:.1f}", f"{base['wall_s']:.1f}",
                f"{ratio:.2f}x", f"{ours['peak_rss_mb']:.0f}", f"{base['peak_rss_mb']:.0f}",
                target, ("yes" if met else "NO") + rss_ok]

    imp, imp_floor = f["import"], f["import_floor"]
    rows = [
        row(f"import {n:,} (seed JSON, {f['seed_mb']:.0f} MiB)", imp, imp_floor,
            f"<= {IMPORT_RATIO:.0f}x floor, <= {IMPORT_RSS_MB:.0f} MiB",
            imp["wall_s"] <= IMPORT_RATIO * imp_floor["wall_s"], IMPORT_RSS_MB),
        row(f"re-import {n:,} (all duplicates) vs first import", f["reimport"], imp,
            "<= first import", f["reimport"]["wall_s"] <= imp["wall_s"], IMPORT_RSS_MB),
        row(f"export CSV {n:,}", f["csv"], f["csv_floor"], f"<= {CSV_RATIO:.0f}x floor",
            f["csv"]["wall_s"] <= CSV_RATIO * f["csv_floor"]["wall_s"]),
        row(f"export XLSX {f['xlsx_rows']:,}", f["xlsx"], f["xlsx_floor"],
            f"<= {XLSX_RATIO}x floor",
            f["xlsx"]["wall_s"] <= XLSX_RATIO * f["xlsx_floor"]["wall_s"]),
    ]
    headers = ["figure", "ours s", "ours CPU s", "floor s", "ratio", "ours peak RSS MiB",
               "floor peak RSS MiB", "target", "met"]
    table = render_table(headers, rows)
    m = machine()
    head = (f"OurMoney import/export benchmark: {n:,} transactions, {m['nproc']} CPUs,"
            f" {m['ram_gib']} GiB RAM, Python {m['python']}, SQLite {m['sqlite']};"
            f" load average {f['load_start']} at start, {f['load_end']} at end")
    notes = [f"ledger after import {f['ledger_mb']:.0f} MiB (floor table {f['floor_db_mb']:.0f}"
             f" MiB); CSV {f['csv_mb']:.0f} MiB (floor {f['csv_floor_mb']:.0f} MiB)",
             "floor of the re-import row = our first import"]
    if len(f.get("import_runs", [])) > 1:
        notes.append("fastest of each kept; every run, ours / floor s: import "
                     + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in f["import_runs"])
                     + "; CSV " + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in f["csv_runs"]))
    if "import_small" in f:
        s = f["import_small"]
        notes.append(f"import of the first {f['xlsx_rows']:,} rows (the XLSX ledger):"
                     f" {s['wall_s']:.1f} s, peak RSS {s['peak_rss_mb']:.0f} MiB")
    text = "\n".join([head, "", "wall times of child processes; RSS = peak (time -v)", "",
                      table, "", *notes])
    if "profile" in f:
        text += "\n\ncProfile of the import (top 10 by tottime):\n" + f["profile"]
    return {"table": text, "machine": m, "figures": f}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--floor"]:
        kind, *rest = argv[1:]
        {"import": floor_import, "csv": floor_csv, "xlsx": floor_xlsx}[kind](*rest)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=1_000_000,
                        help="rows in the seed file (default 1,000,000)")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile an import of the XLSX-size seed (top 10 by tottime)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time the import and the CSV export, each with its floor, this"
                             " many times in turn and keep the fastest of each (default 1)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the ledgers and files made (bench/.data/files-<N>/)")
    parser.add_argument("--json", type=Path, default=None,
                        help="write every figure as JSON (default"
                             " bench/.data/files-results-<N>.json)")
    options = parser.parse_args(argv)
    report = run_and_save(run, options, DATA / f"files-results-{options.transactions}.json")
    return 0 if report is not None else 1


if __name__ == "__main__":
    sys.exit(main())
