"""Reports benchmark: the /reports dashboard of the real server on a demo ledger.

Run from the repository root::

    .venv/bin/python bench/bench_reports.py                       # 1,000,000 transactions
    .venv/bin/python bench/bench_reports.py --transactions 50000  # a quick run

Each scenario is timed on the real `ourmoney serve` process (one keep-alive connection,
request sent to last byte received; the server CPU per request from psutil). "after a
write" scenarios PATCH a transaction's notes before each timed request, so the report the
server remembers per ledger version is rebuilt: the cost of the first look after an edit.
The floor replays, on one plain sqlite3 connection, exactly the SQL the report ran
(captured in this process). Missed targets are reported, not failed.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATA, ROOT, KeepAliveClient, Stats, fmt_ms, machine, render_table
from bench.dataset import ensure_ledger

TARGET_MS = 500.0


def capture_sql(db_path: Path, key: str) -> list[tuple[str, tuple[Any, ...]]]:
    """Build the report in this process and return every SQL statement it ran."""
    from ourmoney.db.store import Store
    from ourmoney.services.book import open_book
    from ourmoney.services.reports import build, parse_period

    seen: list[tuple[str, tuple[Any, ...]]] = []
    original = Store.rows

    def rows(store: Store, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        seen.append((sql, tuple(params)))
        return original(store, sql, params)

    Store.rows = rows  # type: ignore[method-assign]
    try:
        book = open_book(db_path)
        today = date.today()  # noqa: DTZ011 - the local calendar day
        build._build(book, parse_period(key, today=today), None)
        book.close()
    finally:
        Store.rows = original  # type: ignore[method-assign]
    return seen


def replay(db_path: Path, statements: list[tuple[str, tuple[Any, ...]]]) -> Callable[[], None]:
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA cache_size = -2000")

    def run() -> None:
        for sql, params in statements:
            conn.execute(sql, params).fetchall()
    return run


def timed(action: Callable[[], None], before: Callable[[], None] | None, count: int,
          pid: int) -> tuple[Stats, float]:
    import time

    stats, process, cpu = Stats(), psutil.Process(pid), 0.0
    for _ in range(count):
        if before:
            before()
        used = sum(process.cpu_times()[:2])
        t0 = time.perf_counter()
        action()
        stats.samples.append((time.perf_counter() - t0) * 1000.0)
        cpu += sum(process.cpu_times()[:2]) - used
    return stats, cpu * 1000.0 / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="timed runs per scenario")
    options = parser.parse_args(argv)
    from tests.support.server import start_server

    ledger = ensure_ledger(options.transactions, demo_floor=False,
                           log=lambda m: print(m, file=sys.stderr))
    conn = sqlite3.connect(ledger.db_path)
    last_day = conn.execute("SELECT max(day) FROM daily_total WHERE count > 0").fetchone()[0]
    year = str(int(last_day[:4]) - 1)
    month = f"{year}-06"
    target_id, notes = conn.execute(
        "SELECT id, notes FROM transactions WHERE deleted = 0 ORDER BY occurred_on LIMIT 1"
    ).fetchone()
    conn.close()
    server = start_server(ledger.data_dir, cwd=ROOT)
    client = KeepAliveClient(server.url)
    flips = [0]

    def write() -> None:
        flips[0] += 1
        status, _ = client.request("PATCH", f"/api/v1/transactions/{target_id}",
                                   {"notes": notes + (" (bench)" if flips[0] % 2 else "")})
        assert status == 200, status

    def get(path: str) -> Callable[[], None]:
        def run() -> None:
            status, body = client.get(path)
            assert status == 200 and len(body) > 1000, (status, body[:200])
        return run

    scenarios = [
        (f"dashboard, year {year} [after a write]", get(f"/reports?period={year}"), write),
        (f"dashboard, year {year} (remembered)", get(f"/reports?period={year}"), None),
        (f"API, year {year} [after a write]", get(f"/api/v1/reports?period={year}"), write),
        (f"dashboard, month {month} [after a write]", get(f"/reports?period={month}"), write),
    ]
    results = []
    try:
        for label, action, before in scenarios:
            action()  # warm the page cache and the code paths
            stats, cpu = timed(action, before, options.requests, server.process.pid)
            results.append((label, stats, cpu))
            print(f"  {label}: p50 {stats.p50:.0f} ms", file=sys.stderr)
        if flips[0] % 2:
            write()
    finally:
        client.close()
        server.stop()
    floors = {key: replay(ledger.db_path, capture_sql(ledger.db_path, key)) for key in
              (year, month)}
    floor_stats = {key: timed(run, None, options.requests, psutil.Process().pid)[0]
                   for key, run in floors.items()}
    rows = []
    for label, stats, cpu in results:
        floor = floor_stats[month if "month" in label else year]
        rows.append([label, str(stats.n), fmt_ms(stats.p50), fmt_ms(stats.p95),
                     f"<= {TARGET_MS:.0f} ms", "yes" if stats.p95 <= TARGET_MS else "NO",
                     fmt_ms(floor.p50), f"{stats.p50 / floor.p50:.1f}x", fmt_ms(cpu)])
    print(render_table(["scenario", "n", "http p50", "http p95", "target", "met", "floor p50",
                        "http/floor p50", "server CPU/req"], rows))
    facts = {"machine": machine(), "load": psutil.getloadavg(), "rows": rows,
             "transactions": options.transactions}
    (DATA / f"reports-{options.transactions}.json").write_text(json.dumps(facts, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
