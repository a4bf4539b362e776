"""Sync benchmark (issue 4): a first sync and a one-change sync between real processes.

Run from the repository root::

    .venv/bin/python bench/bench_sync.py                  # 200k first sync (+50k), 1M pair
    .venv/bin/python bench/bench_sync.py --transactions 20000 --small 5000 --pair 20000

See bench/README.md ("Sync") for what each figure means. In short:

- first sync: A is a demo ledger served by a real `ourmoney serve` on loopback; B is an empty
  data folder paired with A by the CLI (`ourmoney pair URL CODE`); the figure is the wall
  time and peak RSS (/usr/bin/time -v) of `ourmoney sync --data-dir B`, plus the server's
  CPU. Floor, in the same run: the same transaction rows streamed as NDJSON (one JSON
  object a row) by a minimal http.server over a raw sqlite3 query, and inserted on the
  receiving side with raw sqlite3 executemany (a commit per 1,000 rows) into a table of the
  transactions table's shape. The floor runs before and after ours; the ratio uses the
  faster floor. The same is run at a smaller size to show that memory stays flat.
- one change both ways: A and B both hold the same 1M-transaction ledger (cached in
  bench/.data); each round edits one transaction on A (PATCH through A's API) and another on
  B (the ledger service, in this process), then times one sync of B with A in this process
  (runner.sync_all, what `ourmoney sync` runs), and separately the CLI's wall time.

Missed targets are reported, not failed: the exit status is non-zero only when something is
broken (a command fails, the ledgers differ after a sync).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    DATA,
    ROOT,
    BenchError,
    Stats,
    fresh,
    machine,
    ourmoney,
    py,
    render_table,
    run_and_save,
    timed,
)

FIRST_RATIO = 3.0
ONE_CHANGE_MS = 100.0
FLOOR_BATCH = 1_000
DB_NAME = "ourmoney.sqlite3"
Log = Callable[[str], None]


# -- the floor: a raw NDJSON stream over loopback, raw executemany on the other side ----------

FLOOR_COLUMNS = ("id", "occurred_on", "description", "type", "amount", "category_id",
                 "member_id", "notes", "created_at", "updated_at", "hlc")
FLOOR_TABLE = """CREATE TABLE transactions (
    id TEXT PRIMARY KEY, occurred_on TEXT NOT NULL, description TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('income', 'expense')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    category_id TEXT, member_id TEXT, notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, hlc TEXT NOT NULL)"""
READY = re.compile(r"floor serving at (http://127\.0\.0\.1:\d+/)")


def floor_serve(db: str) -> None:
    """Serve GET / as NDJSON: every transaction row as one JSON object a line (HTTP/1.0)."""
    from http.server import BaseHTTPRequestHandler, HTTPServer

    sql = f"SELECT {', '.join(FLOOR_COLUMNS)} FROM transactions ORDER BY rowid"

    class Rows(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
            with closing(sqlite3.connect(db)) as conn:
                cursor = conn.execute(sql)
                while rows := cursor.fetchmany(FLOOR_BATCH):
                    self.wfile.write("".join(
                        encode(dict(zip(FLOOR_COLUMNS, row, strict=True))) + "\n"
                        for row in rows).encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Rows)
    print(f"floor serving at http://127.0.0.1:{server.server_address[1]}/", flush=True)
    server.serve_forever()


def floor_receive(url: str, db: str, schema: str = "bare") -> None:
    """Read the NDJSON stream and insert it with raw executemany, a commit per batch.

    `schema` "bare": a table of the transactions table's columns and primary key (the floor);
    "ledger": OurMoney's own schema written as its bulk path does (db/bulk.py: the change
    log, the transactions with their indexes, the search index and daily totals), which is
    what a first sync must write at least (for information: our sync code's own cost).
    """
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA synchronous = normal")
    write = _floor_write
    if schema == "ledger":
        from ourmoney.db import schema as ledger_schema

        conn.execute("BEGIN IMMEDIATE")
        ledger_schema.migrate(conn.cursor())
        conn.execute("COMMIT")
        write = _ledger_write
    else:
        conn.execute(FLOOR_TABLE)
    sql = f"INSERT INTO transactions VALUES ({', '.join('?' * len(FLOOR_COLUMNS))})"
    parsed = http.client.urlsplit(url)  # type: ignore[attr-defined]
    client = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    client.request("GET", "/")
    answer = client.getresponse()
    batch: list[tuple[Any, ...]] = []
    count = 0
    for line in answer:
        row = json.loads(line)
        batch.append(tuple(row[name] for name in FLOOR_COLUMNS))
        if len(batch) == FLOOR_BATCH:
            count += write(conn, sql, batch)
    count += write(conn, sql, batch)
    conn.close()
    print(count)


def _ledger_write(conn: sqlite3.Connection, _sql: str, batch: list[tuple[Any, ...]]) -> int:
    """Write a batch as OurMoney's bulk path does: change log rows, then the transactions."""
    from ourmoney.db import bulk

    if not batch:
        return 0
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    names = FLOOR_COLUMNS[1:9]
    cursor = conn.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    cursor.executemany(bulk.INSERT_CHANGE, [
        (row[10], row[10][-16:], "transaction", row[0],
         encode(dict(zip(names, row[1:9], strict=True)))) for row in batch])
    bulk.insert_transactions(cursor, [(*row, 0) for row in batch])
    cursor.execute("COMMIT")
    done = len(batch)
    batch.clear()
    return done


def _floor_write(conn: sqlite3.Connection, sql: str, batch: list[tuple[Any, ...]]) -> int:
    if not batch:
        return 0
    conn.execute("BEGIN")
    conn.executemany(sql, batch)
    conn.execute("COMMIT")
    done = len(batch)
    batch.clear()
    return done


# -- processes ---------------------------------------------------------------------------------


def cpu_s(pid: int) -> float:
    """User+system CPU seconds a live process has used."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def run_cli(*args: str) -> str:
    done = subprocess.run(ourmoney(*args), cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"ourmoney {' '.join(args)}: exit {done.returncode}: {done.stderr}")
    return done.stdout.strip()


def pair(server_url: str, a_dir: Path, b_dir: Path) -> None:
    """Pair B with the server A through the CLI, as a user would."""
    code = run_cli("pair", "--new-code", "--data-dir", str(a_dir)).splitlines()[-1]
    run_cli("pair", server_url, code, "--data-dir", str(b_dir))


def copy_ledger(source: Path, target: Path) -> None:
    """Copy a ledger folder (the database and its WAL, if any)."""
    fresh(target)
    for name in (DB_NAME, DB_NAME + "-wal"):
        if (source / name).exists():
            shutil.copyfile(source / name, target / name)


def counts(db: Path) -> tuple[int, int]:
    """Return (transactions, changes) in a ledger."""
    with closing(sqlite3.connect(db)) as conn:
        txns = conn.execute("SELECT count(*) FROM transactions").fetchone()[0]
        changes = conn.execute("SELECT count(*) FROM change").fetchone()[0]
    return int(txns), int(changes)


def synced_state(db: Path) -> tuple[int, str]:
    """A digest of what sync must make equal: every transaction's fields and clocks."""
    import hashlib

    digest = hashlib.sha256()
    count = 0
    with closing(sqlite3.connect(db)) as conn:
        for row in conn.execute(
                "SELECT id, occurred_on, description, type, amount, category_id, member_id,"
                " notes, created_at, deleted, hlc, field_hlc FROM transactions ORDER BY id"):
            digest.update(repr(row).encode())
            count += 1
    return count, digest.hexdigest()


# -- first sync --------------------------------------------------------------------------------


@contextmanager
def served(data_dir: Path) -> Iterator[Any]:
    from tests.support.server import start_server

    server = start_server(data_dir, cwd=ROOT)
    try:
        yield server
    finally:
        server.stop()


def first_sync(source: Path, n: int, work: Path, log: Log,
               profile: bool = False) -> dict[str, Any]:
    """Time the first sync of a copy of ledger `source` into an empty B, and its floor."""
    a_dir, b_dir = work / f"a-{n}", work / f"b-{n}"
    copy_ledger(source, a_dir)
    floor_db = work / f"floor-{n}.sqlite3"
    figures: dict[str, Any] = {"n": n}
    figures["floor_before"] = floor_run(a_dir / DB_NAME, floor_db, f"floor {n:,} (before)", log)
    fresh(b_dir)
    with served(a_dir) as a:
        pair(a.url, a_dir, b_dir)
        server_cpu = cpu_s(a.process.pid)
        command = ourmoney("sync", "--data-dir", str(b_dir))
        if profile:
            command = py("-m", "cProfile", "-o", str(work / f"sync-{n}.prof"), *command[1:])
        figures["ours"] = timed(command, f"first sync {n:,}", log)
        figures["server_cpu_s"] = cpu_s(a.process.pid) - server_cpu
    pulled = re.search(r"pulled (\d+)", figures["ours"]["stdout"])
    a_counts, b_counts = counts(a_dir / DB_NAME), counts(b_dir / DB_NAME)
    if pulled is None or b_counts[0] != n or a_counts[0] != n:
        raise BenchError(f"first sync {n}: {figures['ours']['stdout']!r}, A {a_counts},"
                         f" B {b_counts}")
    if synced_state(a_dir / DB_NAME) != synced_state(b_dir / DB_NAME):
        raise BenchError(f"first sync {n}: A and B differ after the sync")
    figures["pulled"] = int(pulled.group(1))
    figures["b_db_mb"] = (b_dir / DB_NAME).stat().st_size / 2**20
    figures["floor_after"] = floor_run(a_dir / DB_NAME, floor_db, f"floor {n:,} (after)", log)
    figures["floor"] = min(figures["floor_before"], figures["floor_after"],
                           key=lambda f: f["wall_s"])
    figures["ledger_floor"] = floor_run(a_dir / DB_NAME, floor_db,
                                        f"our schema's bulk write {n:,} (information)", log,
                                        "ledger")
    if profile:
        figures["profile"] = top_functions(work / f"sync-{n}.prof")
    shutil.rmtree(a_dir)
    shutil.rmtree(b_dir)
    return figures


def floor_run(source_db: Path, floor_db: Path, label: str, log: Log,
              schema: str = "bare") -> dict[str, Any]:
    """Stream the transactions of `source_db` through the raw floor; time the receiver."""
    from tests.support.server import start_process

    for suffix in ("", "-wal", "-shm"):
        Path(str(floor_db) + suffix).unlink(missing_ok=True)
    server, ready = start_process(py(str(Path(__file__).resolve()), "--floor-serve",
                                     str(source_db)), READY, cwd=ROOT)
    try:
        before = cpu_s(server.process.pid)
        result = timed(py(str(Path(__file__).resolve()), "--floor-receive", ready.group(1),
                          str(floor_db), schema), label, log)
        result["server_cpu_s"] = cpu_s(server.process.pid) - before
    finally:
        server.stop()
    if int(result["stdout"].splitlines()[-1]) != counts(source_db)[0]:
        raise BenchError(f"{label}: received {result['stdout']!r} rows")
    for suffix in ("", "-wal", "-shm"):
        Path(str(floor_db) + suffix).unlink(missing_ok=True)
    return result


def top_functions(path: Path, count: int = 15) -> str:
    import io
    import pstats

    text = io.StringIO()
    pstats.Stats(str(path), stream=text).sort_stats("tottime").print_stats(count)
    return text.getvalue()


# -- one change both ways on a big pair --------------------------------------------------------


def schema_version() -> int:
    """The PRAGMA user_version the current code migrates a new ledger to."""
    from ourmoney.db import schema

    return len(schema.MIGRATIONS)


def demo_ledger(n: int, log: Log) -> Path:
    """Return the data folder of a cached n-transaction demo ledger (made by `ourmoney demo`).

    Kept apart from bench_ledger's cache (bench/.data/ledger-*), which another run may be
    building or pruning at the same time.
    """
    home = DATA / f"sync-demo-{n}-v{schema_version()}"
    if (home / "meta.json").is_file():
        return home / "data"
    for stale in DATA.glob(f"sync-demo-{n}-v*"):
        shutil.rmtree(stale)
    made = timed(ourmoney("demo", "--transactions", str(n), "--data-dir", str(home / "data")),
                 f"ourmoney demo --transactions {n}", log)
    (home / "meta.json").write_text(json.dumps(made, indent=2))
    return home / "data"


def ensure_pair(n: int, log: Log) -> tuple[Path, Path, dict[str, Any]]:
    """Return (A, B): the same n-transaction ledger on both sides, paired (cached)."""
    home = DATA / f"sync-pair-{n}-v{schema_version()}"
    a_dir, b_dir, meta_path = home / "a", home / "b", home / "meta.json"
    if meta_path.is_file():
        log(f"reusing the synced pair in {home}")
        return a_dir, b_dir, json.loads(meta_path.read_text())
    for stale in DATA.glob(f"sync-pair-{n}-v*"):
        shutil.rmtree(stale)
    copy_ledger(demo_ledger(n, log), a_dir)
    fresh(b_dir)
    with served(a_dir) as a:
        pair(a.url, a_dir, b_dir)
        first = timed(ourmoney("sync", "--data-dir", str(b_dir)), f"first sync {n:,} (pair)",
                      log)
    if counts(b_dir / DB_NAME)[0] != n:
        raise BenchError(f"pair {n}: B holds {counts(b_dir / DB_NAME)} after the first sync")
    meta = {"transactions": n, "first_sync": first,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    meta_path.write_text(json.dumps(meta, indent=2))
    return a_dir, b_dir, meta


def one_change(n: int, rounds: int, cli_rounds: int, log: Log,
               profile: bool = False) -> dict[str, Any]:
    """Edit one transaction on each side, then sync once; time it in-process and by the CLI."""
    from ourmoney.services import devices, ledger
    from ourmoney.services.book import open_book
    from ourmoney.services.sync import runner

    a_dir, b_dir, meta = ensure_pair(n, log)
    book = open_book(b_dir / DB_NAME)
    figures: dict[str, Any] = {"n": n, "pair_first_sync": meta["first_sync"]}
    try:
        a_id, b_id = [r[0] for r in book.store.rows(
            "SELECT id FROM transactions WHERE deleted = 0 ORDER BY rowid DESC LIMIT 2")]
        with served(a_dir) as a:
            peer = devices.list_peers(book)[0]
            devices.update_url(book, peer.device_id, a.url)  # A's port is new every run
            client = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
            counter = iter(range(10**9))

            def edit_both() -> None:
                mark = f"bench edit {time.time_ns()}-{next(counter)}"
                body = json.dumps({"notes": mark}).encode()
                client.request("PATCH", f"/api/v1/transactions/{a_id}", body=body,
                               headers={"Content-Type": "application/json"})
                answer = client.getresponse()
                if answer.status != 200:
                    raise BenchError(f"PATCH on A: {answer.status} {answer.read()[:300]!r}")
                answer.read()
                ledger.update_transaction(book, b_id, {"notes": mark})

            def sync_once() -> None:
                results = runner.sync_all(book)
                report = results[0].report
                if results[0].error or report is None or (report.pushed, report.pulled) != (1, 1):
                    raise BenchError(f"one-change sync: {results[0]}")

            stats = Stats()
            profiler = None
            if profile:
                import cProfile

                profiler = cProfile.Profile()
            for i in range(rounds + 3):
                edit_both()
                started = time.perf_counter()
                if profiler and i >= 3:
                    profiler.enable()
                sync_once()
                if profiler:
                    profiler.disable()
                if i >= 3:  # three warm-up rounds
                    stats.samples.append((time.perf_counter() - started) * 1000)
            figures["in_process"] = stats.as_dict()
            log(f"one change both ways, in process: p50 {stats.p50:.1f} ms,"
                f" p95 {stats.p95:.1f} ms, max {stats.max:.1f} ms")
            cli = Stats()
            for _ in range(cli_rounds):
                edit_both()
                run = timed(ourmoney("sync", "--data-dir", str(b_dir)), "one change, CLI",
                            lambda _message: None)
                if run["stdout"] != "pushed 1, pulled 1":
                    raise BenchError(f"one-change CLI sync: {run['stdout']!r}")
                cli.samples.append(run["wall_s"] * 1000)
            figures["cli"] = cli.as_dict()
            log(f"one change both ways, CLI wall: p50 {cli.p50:.0f} ms")
            client.close()
            if profiler:
                import io
                import pstats

                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats("cumtime").print_stats(25)
                figures["profile"] = text.getvalue()
        if synced_state(a_dir / DB_NAME) != synced_state(b_dir / DB_NAME):
            raise BenchError("one-change sync: A and B differ after the rounds")
    finally:
        book.close()
    return figures


# -- the run -----------------------------------------------------------------------------------


def run(options: argparse.Namespace, log: Log) -> dict[str, Any]:
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    work = fresh(DATA / "sync-run")
    figures: dict[str, Any] = {"first": []}
    try:
        for n in dict.fromkeys((options.transactions, options.small)):
            if n:
                source = demo_ledger(n, log)
                figures["first"].append(first_sync(source, n, work, log, options.profile))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if options.pair:
        figures["one_change"] = one_change(options.pair, options.rounds, options.cli_rounds,
                                           log, options.profile)
    figures["load_start"] = load_start
    figures["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return assemble(figures)


def assemble(f: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for first in f["first"]:
        ours, base = first["ours"], first["floor"]
        ratio = ours["wall_s"] / base["wall_s"]
        rows.append([f"first sync {first['n']:,} transactions", f"{ours['wall_s']:.2f} s",
                     f"{ours['cpu_s']:.2f} + {first['server_cpu_s']:.2f}",
                     f"{base['wall_s']:.2f} s", f"{base['cpu_s']:.2f} + "
                     f"{base['server_cpu_s']:.2f}", f"{ratio:.2f}x",
                     f"{ours['peak_rss_mb']:.0f} / {base['peak_rss_mb']:.0f}",
                     f"<= {FIRST_RATIO:.0f}x floor", "yes" if ratio <= FIRST_RATIO else "NO"])
    if "one_change" in f:
        one = f["one_change"]
        inproc, cli = one["in_process"], one["cli"]
        rows.append([f"one change both ways, {one['n']:,} on both sides (in process, n="
                     f"{inproc['n']})", f"p50 {inproc['p50_ms']:.1f} / p95 {inproc['p95_ms']:.1f}"
                     f" ms", "-", "-", "-", "-", "-", f"<= {ONE_CHANGE_MS:.0f} ms",
                     "yes" if inproc["p95_ms"] <= ONE_CHANGE_MS else "NO"])
        rows.append([f"  the same by `ourmoney sync` (n={cli['n']}, for information)",
                     f"p50 {cli['p50_ms']:.0f} ms", "-", "-", "-", "-", "-", "-", "-"])
    headers = ["figure", "ours", "ours CPU s (sync + server)", "floor",
               "floor CPU s (recv + serve)", "ratio", "peak RSS MiB ours / floor", "target",
               "met"]
    m = machine()
    head = (f"OurMoney sync benchmark: {m['nproc']} CPUs, {m['ram_gib']} GiB RAM,"
            f" Python {m['python']}, SQLite {m['sqlite']}; load average {f['load_start']}"
            f" at start, {f['load_end']} at end")
    notes = [f"first sync {x['n']:,}: pulled {x['pulled']:,} changes; B's ledger"
             f" {x['b_db_mb']:.0f} MiB; floors {x['floor_before']['wall_s']:.2f} s before,"
             f" {x['floor_after']['wall_s']:.2f} s after (ratio uses the faster); the same"
             f" stream written into OurMoney's schema by its bulk path (change log, indexes,"
             f" search, daily totals; no sync code): {x['ledger_floor']['wall_s']:.2f} s,"
             f" CPU {x['ledger_floor']['cpu_s']:.2f} s -> ours is"
             f" {x['ours']['wall_s'] / x['ledger_floor']['wall_s']:.2f}x that"
             for x in f["first"]]
    if "one_change" in f:
        built = f["one_change"]["pair_first_sync"]
        notes.append(f"the {f['one_change']['n']:,} pair's own first sync (when it was cached):"
                     f" {built['wall_s']:.1f} s, peak RSS {built['peak_rss_mb']:.0f} MiB")
    text = "\n".join([head, "", render_table(headers, rows), "", *notes])
    for part in (*f["first"], f.get("one_change", {})):
        if "profile" in part:
            text += f"\n\ncProfile ({part['n']:,}):\n{part['profile']}"
    return {"table": text, "machine": m, "figures": f}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--floor-serve"]:
        floor_serve(argv[1])
        return 0
    if argv[:1] == ["--floor-receive"]:
        floor_receive(*argv[1:4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=200_000,
                        help="size of the first-sync ledger (default 200,000)")
    parser.add_argument("--small", type=int, default=50_000,
                        help="a second, smaller first sync to show memory stays flat"
                             " (default 50,000; 0 to skip)")
    parser.add_argument("--pair", type=int, default=1_000_000,
                        help="transactions on both sides for the one-change sync"
                             " (default 1,000,000; 0 to skip)")
    parser.add_argument("--rounds", type=int, default=30, help="timed one-change syncs (30)")
    parser.add_argument("--cli-rounds", type=int, default=5,
                        help="one-change syncs through the CLI (5)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the syncing side (top functions in the output)")
    parser.add_argument("--json", type=Path, default=None,
                        help="write every figure as JSON (default"
                             " bench/.data/sync-results-<N>.json)")
    options = parser.parse_args(argv)
    report = run_and_save(run, options, DATA / f"sync-results-{options.transactions}.json")
    return 0 if report is not None else 1


if __name__ == "__main__":
    sys.exit(main())
