"""Ledger benchmark: list pages, totals, startup and memory of the real server on a demo ledger.

Run from the repository root::

    .venv/bin/python bench/bench_ledger.py                      # 1,000,000 transactions
    .venv/bin/python bench/bench_ledger.py --transactions 50000 # a quick run

See bench/README.md for what each figure means. Every list/totals scenario is measured
three ways in the same run, on the same ledger:

- http:  the real `ourmoney serve` process (waitress + Flask), one keep-alive HTTP/1.1
         connection, time from sending the request to the last byte of the response;
- svc:   the same view work in this process without Flask or HTTP (forms.selection_from,
         listing.list_transactions, listing.totals, forms.*_json, json.dumps);
- floor: exactly the SQL statements the svc path ran (captured with their parameters),
         replayed on one plain sqlite3 connection, fetching every row.

The ratio http p95 / floor p95 is the cost of our layers. Missed targets are reported,
not failed: the exit status is non-zero only when something is broken (a non-200 answer,
a wrong page, wrong totals, a server that does not start).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    DATA,
    ROOT,
    BenchError,
    KeepAliveClient,
    Stats,
    fmt_ms,
    machine,
    measure,
    measure_interleaved,
    own_peak_rss_mb,
    peak_rss_mb,
    render_table,
    rss_mb,
)
from bench.dataset import Ledger, ensure_ledger, raw_connection

# Targets from the issue (milliseconds / MiB / seconds).
PAGE_P95_MS = 30.0
TOTALS_P95_MS = 200.0
SERVE_TO_200_S = 1.0
IDLE_RSS_MB = 80.0
DEMO_S = 60.0
DEPTH = 10_000
SEARCH = "pizzeria"
CATEGORY = "Groceries"
PAGE_ORDER = " ORDER BY t.occurred_on DESC, t.created_at DESC, t.id DESC"


# -- capturing the SQL the services run ------------------------------------------------------


class SqlRecorder:
    """Wrap Store.rows/row in this process only, to record each statement and its parameters."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] | None = None

    def install(self) -> None:
        from ourmoney.db.store import Store

        recorder = self
        original_rows, original_row = Store.rows, Store.row

        def rows(store: Store, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
            if recorder.statements is not None:
                recorder.statements.append((sql, tuple(params)))
            return original_rows(store, sql, params)

        def row(store: Store, sql: str, params: Any = ()) -> tuple[Any, ...] | None:
            if recorder.statements is not None:
                recorder.statements.append((sql, tuple(params)))
            return original_row(store, sql, params)

        Store.rows, Store.row = rows, row  # type: ignore[method-assign]

    def capture(self, action: Callable[[], Any]) -> list[tuple[str, tuple[Any, ...]]]:
        self.statements = []
        try:
            action()
            return self.statements
        finally:
            self.statements = None


def kind_of(sql: str) -> str:
    """Label a captured statement for the floor breakdown."""
    text = " ".join(sql.split())
    if text.startswith("SELECT t.id, t.occurred_on"):
        return "page" if "ORDER BY" in text else "row"
    if "daily_total" in text or "sum(t.amount)" in text:
        return "totals"
    return "lookups"


# -- scenarios ---------------------------------------------------------------------------------


REPEAT, AFTER_WRITE = "repeat", "after a write"


@dataclass
class Scenario:
    name: str
    args: dict[str, str]
    target_ms: float
    note: str = ""
    mode: str = REPEAT
    server_cpu_ms: float = math.nan
    http: Stats = field(default_factory=Stats)
    svc: Stats = field(default_factory=Stats)
    floor: Stats = field(default_factory=Stats)
    floor_parts: dict[str, float] = field(default_factory=dict)
    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    response_bytes: int = 0

    @property
    def path(self) -> str:
        return "/api/v1/transactions" + ("?" + urlencode(self.args) if self.args else "")

    @property
    def label(self) -> str:
        return self.name if self.mode == REPEAT else f"{self.name} [{self.mode}]"

    @property
    def met(self) -> bool:
        return self.http.p95 <= self.target_ms

    @property
    def ratio(self) -> float:
        return self.http.p95 / self.floor.p95 if self.floor.p95 > 0 else math.nan


def build_scenarios(ledger: Ledger, conn: sqlite3.Connection, book: Any,
                    log: Callable[[str], None]) -> tuple[list[Scenario], dict[str, Any]]:
    """Work out the filters, the year and the deep cursors from the data itself."""
    from ourmoney.services import listing
    from ourmoney.web import forms

    category_id = conn.execute("SELECT id FROM category WHERE name = ? AND deleted = 0",
                               (CATEGORY,)).fetchone()[0]
    first, last = conn.execute(
        "SELECT min(occurred_on), max(occurred_on) FROM transactions WHERE deleted = 0").fetchone()
    year = int(last[:4]) - (0 if last[5:] >= "12-31" else 1)
    span = {"from": f"{year}-01-01", "to": f"{year}-12-31"}
    if span["from"] < first:  # a small ledger: no whole calendar year, take its last 365 days
        year_start = date.fromisoformat(last) - timedelta(days=364)
        span = {"from": year_start.isoformat(), "to": last}
        year = f"{span['from']}..{span['to']}"
    facts: dict[str, Any] = {"first_day": first, "last_day": last, "year": year,
                             "category": CATEGORY, "category_id": category_id, "q": SEARCH}

    def deep(args: dict[str, str]) -> tuple[dict[str, str], str] | None:
        condition, params = listing.where(book, forms.selection_from(args, book))
        count = conn.execute(f"SELECT count(*) FROM transactions t WHERE {condition}",
                             params).fetchone()[0]
        facts.setdefault("matching_rows", {})[urlencode(args) or "all"] = count
        if count <= 50:
            return None  # one page holds them all: there is no deep page
        depth = DEPTH if count >= DEPTH + 50 else (count - 1) // 50 * 50
        row = conn.execute(f"SELECT t.occurred_on, t.created_at, t.id FROM transactions t"
                           f" WHERE {condition}{PAGE_ORDER} LIMIT 1 OFFSET ?",
                           (*params, depth - 1)).fetchone()
        note = "" if depth == DEPTH else (
            f"only {count:,} rows match: 'deep' = after row {depth} (the last page)")
        return {**args, "cursor": listing.encode_cursor(*row)}, note

    def pair(label: str, args: dict[str, str]) -> list[Scenario]:
        first_page = Scenario(f"first page, {label}", dict(args), PAGE_P95_MS)
        found = deep(args)
        if found is None:
            return [first_page]
        deep_args, note = found
        depth_label = "10k deep" if not note else "deep"
        return [first_page,
                Scenario(f"{depth_label} page, {label}", deep_args, PAGE_P95_MS, note)]

    scenarios = [*pair("unfiltered", {}),
                 *pair(f"category={CATEGORY}", {"category": category_id}),
                 *pair("type=income", {"type": "income"}),
                 Scenario(f"first page, q={SEARCH}", {"q": SEARCH}, PAGE_P95_MS,
                          "extra: the list as the search box asks for it (no dates)"),
                 Scenario(f"totals {year}, category={CATEGORY}",
                          {**span, "category": category_id}, TOTALS_P95_MS),
                 Scenario(f"totals {year}, q={SEARCH}", {**span, "q": SEARCH}, TOTALS_P95_MS)]
    log(f"ledger {first}..{last}; year {year}; {CATEGORY} = {category_id}")
    return scenarios, facts


def view(book: Any, args: dict[str, str]) -> bytes:
    """What GET /api/v1/transactions does, minus Flask and HTTP (see ourmoney.web.api)."""
    from ourmoney.services import listing
    from ourmoney.web import forms

    selection = forms.selection_from(args, book)
    page = listing.list_transactions(book, selection, cursor=args.get("cursor") or None,
                                     limit=forms.limit_from(args, 50))
    return json.dumps({"items": [forms.transaction_json(t) for t in page.items],
                       "next_cursor": page.next_cursor,
                       "totals": forms.totals_json(listing.totals(book, selection))},
                      separators=(",", ":")).encode()


def replay(conn: sqlite3.Connection, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    for sql, params in statements:
        conn.execute(sql, params).fetchall()


# -- checks ------------------------------------------------------------------------------------


def check_page(scenario: Scenario, status: int, body: bytes,
               conn: sqlite3.Connection) -> dict[str, Any]:
    """The answer is a 200 with the right rows (the floor's) and, for totals, the right sums."""
    if status != 200:
        raise BenchError(f"{scenario.name}: HTTP {status}: {body[:300]!r}")
    answer = json.loads(body)
    if set(answer) != {"items", "next_cursor", "totals"}:
        raise BenchError(f"{scenario.name}: unexpected keys {sorted(answer)}")
    page_sql = [s for s in scenario.statements if kind_of(s[0]) == "page"]
    if len(page_sql) != 1:
        raise BenchError(f"{scenario.name}: expected one page query, captured {len(page_sql)}")
    expected = [r[0] for r in conn.execute(*page_sql[0]).fetchall()][:50]
    got = [item["id"] for item in answer["items"]]
    if got != expected:
        raise BenchError(f"{scenario.name}: HTTP page differs from the floor's rows"
                         f" ({len(got)} vs {len(expected)} rows)")
    if not got and "cursor" not in scenario.args:
        raise BenchError(f"{scenario.name}: empty first page")
    return answer


def check_totals(scenario: Scenario, answer: dict[str, Any], conn: sqlite3.Connection,
                 book: Any, precision: int) -> None:
    """Totals must equal sums over the transactions themselves (not the daily_total table)."""
    from ourmoney.services import listing
    from ourmoney.web import forms

    condition, params = listing.where(book, forms.selection_from(scenario.args, book))
    sums = dict(conn.execute(f"SELECT t.type, sum(t.amount) FROM transactions t"
                             f" WHERE {condition} GROUP BY 1", params).fetchall())
    scale = Decimal(10) ** precision
    for kind in ("income", "expense"):
        shown = Decimal(answer["totals"][kind]) * scale
        if shown != sums.get(kind, 0):
            raise BenchError(f"{scenario.name}: {kind} total {answer['totals'][kind]} but the"
                             f" transactions sum to {sums.get(kind, 0)} minor units")


def walk_check(client: KeepAliveClient, scenario: Scenario) -> None:
    """Walk the API page by page to the deep cursor: it must be the one computed in SQL."""
    if "cursor" not in scenario.args:
        return
    depth = None
    args = {k: v for k, v in scenario.args.items() if k != "cursor"}
    cursor, seen = None, 0
    limit = 500 if "10k" in scenario.name else 50
    while seen < 20 * 500:
        query = {**args, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        status, body = client.get("/api/v1/transactions?" + urlencode(query))
        if status != 200:
            raise BenchError(f"walk {scenario.name}: HTTP {status}: {body[:200]!r}")
        page = json.loads(body)
        seen += len(page["items"])
        cursor = page["next_cursor"]
        if cursor == scenario.args["cursor"]:
            depth = seen
            break
        if cursor is None:
            break
    if depth is None:
        raise BenchError(f"walk {scenario.name}: walking the API never reached the cursor"
                         " computed in SQL")


class Toggler:
    """Make a real write through the API that changes nothing the scenarios look at.

    It flips the notes of the oldest expense outside the filters measured (not Groceries,
    not income, no search match), through PATCH /api/v1/transactions/ID; notes change no
    total and no page order.
    Like any write it appends to the change log, so whatever the app remembers per ledger
    version (e.g. totals) is recomputed on the next request: the state of a list reloaded
    just after someone recorded or edited a transaction.
    """

    def __init__(self, client: KeepAliveClient, conn: sqlite3.Connection,
                 facts: dict[str, Any]) -> None:
        self.client = client
        found = conn.execute(
            "SELECT id, notes FROM transactions WHERE deleted = 0 AND type = 'expense'"
            " AND category_id != ? AND description NOT LIKE ? AND notes NOT LIKE ?"
            " ORDER BY occurred_on, created_at, id LIMIT 1",
            (facts["category_id"], f"%{SEARCH}%", f"%{SEARCH}%")).fetchone()
        if found is None:
            raise BenchError("no transaction to write to for the 'after a write' runs")
        self.transaction_id, self.original = found
        self.flips = 0

    def write(self) -> None:
        self.flips += 1
        notes = self.original if self.flips % 2 == 0 else self.original + " (bench)"
        self._patch(notes)

    def restore(self) -> None:
        if self.flips % 2:
            self._patch(self.original)

    def _patch(self, notes: str) -> None:
        status, body = self.client.request("PATCH", f"/api/v1/transactions/{self.transaction_id}",
                                           {"notes": notes})
        if status != 200:
            raise BenchError(f"PATCH for the 'after a write' runs answered {status}:"
                             f" {body[:200]!r}")


# -- startup -----------------------------------------------------------------------------------


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds the server process has used (robust to other load)."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def ledger_fds(pid: int, db_path: Path) -> int:
    """How many open files of the process are the ledger's database file (= connections)."""
    target = str(db_path.resolve())
    return sum(1 for f in psutil.Process(pid).open_files() if f.path == target)


def cold_starts(ledger: Ledger, times: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Start `ourmoney serve` `times` times: spawn -> ready line -> first 200 -> first page."""
    from tests.support.server import start_server

    spawn_to_ready, spawn_to_200, first_page, idle = [], [], [], []
    for _ in range(times):
        started = time.perf_counter()
        server = start_server(ledger.data_dir, cwd=ROOT)
        try:
            ready = time.perf_counter()
            client = KeepAliveClient(server.url)
            status, body = client.get("/api/v1/health")
            ok = time.perf_counter()
            if status != 200:
                raise BenchError(f"cold start: /api/v1/health answered {status}: {body[:200]!r}")
            t0 = time.perf_counter()
            status, body = client.get("/api/v1/transactions")
            first_page.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise BenchError(f"cold start: first page answered {status}: {body[:200]!r}")
            time.sleep(1.0)
            idle.append(rss_mb(server.process.pid))
            client.close()
        finally:
            server.stop()
        spawn_to_ready.append(ready - started)
        spawn_to_200.append(ok - started)
    floor = []
    db = str(ledger.db_path)
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sqlite3,sys; sqlite3.connect(sys.argv[1])"
                        ".execute('SELECT count(*) FROM setting').fetchall()", db],
                       check=True, cwd=ROOT)
        floor.append(time.perf_counter() - started)
    result = {"spawn_to_ready_s": spawn_to_ready, "spawn_to_200_s": spawn_to_200,
              "cold_first_page_ms": first_page, "idle_rss_after_first_page_mb": idle,
              "floor_python_sqlite_s": floor,
              "median_to_200_s": statistics.median(spawn_to_200),
              "median_floor_s": statistics.median(floor)}
    log(f"serve -> first 200: {', '.join(f'{s:.2f}' for s in spawn_to_200)} s")
    return result


# -- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=1_000_000,
                        help="ledger size (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=200, help="timed runs per measurement")
    parser.add_argument("--warmup", type=int, default=20, help="untimed runs before each")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds per scenario before it stops early (>= 20 runs kept)")
    parser.add_argument("--cold-starts", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true",
                        help="build the ledger again even if cached (re-times the demo)")
    parser.add_argument("--no-demo-floor", action="store_true",
                        help="skip the raw-sqlite3 floor of the demo when building")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write every figure as JSON here"
                             " (default bench/.data/results-<N>.json)")
    options = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    try:
        report = run(options, log)
    except BenchError as error:
        log(f"ERROR: {error}")
        return 1
    path = options.json or DATA / f"results-{options.transactions}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str))
    log(f"figures written to {path}")
    return 0


def run(options: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    from ourmoney.services import household
    from ourmoney.services.book import open_book
    from tests.support.server import start_server

    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ledger = ensure_ledger(options.transactions, rebuild=options.rebuild,
                           demo_floor=not options.no_demo_floor, log=log)
    recorder = SqlRecorder()
    recorder.install()
    book = open_book(ledger.db_path)
    conn = raw_connection(ledger.db_path)
    precision = household.preferences(book).precision
    base, facts = build_scenarios(ledger, conn, book, log)
    facts["load_start"] = load_start
    scenarios = [replace(s, mode=mode, http=Stats(), svc=Stats(), floor=Stats(), floor_parts={},
                         statements=[]) for s in base for mode in (REPEAT, AFTER_WRITE)]

    log("starting the server ...")
    server = start_server(ledger.data_dir, cwd=ROOT)
    pid = server.process.pid
    try:
        client = KeepAliveClient(server.url)
        status, body = client.get("/api/v1/health")
        if status != 200:
            raise BenchError(f"/api/v1/health answered {status}: {body[:200]!r}")
        time.sleep(1.0)
        rss_idle_start = rss_mb(pid)
        toggler = Toggler(client, conn, facts)
        for scenario in scenarios:
            before_round = toggler.write if scenario.mode == AFTER_WRITE else None
            # The statements one such request runs: after a write, or in the steady state.
            (before_round or (lambda s=scenario: view(book, s.args)))()
            scenario.statements = recorder.capture(lambda s=scenario: view(book, s.args))
            log(f"{scenario.label}: checking ...")
            status, body = client.get(scenario.path)
            answer = check_page(scenario, status, body, conn)
            scenario.response_bytes = len(body)
            if scenario.mode == REPEAT:
                check_totals(scenario, answer, conn, book, precision)
                walk_check(client, scenario)

            def http(s: Scenario = scenario) -> None:
                code, payload = client.get(s.path)
                if code != 200:
                    raise BenchError(f"{s.name}: HTTP {code}: {payload[:200]!r}")

            cpu_before = server_cpu_s(pid)
            found = measure_interleaved(
                {"floor": lambda s=scenario: replay(conn, s.statements),
                 "svc": lambda s=scenario: view(book, s.args), "http": http},
                warmup=options.warmup, count=options.requests, budget_s=options.budget,
                before_round=before_round)
            scenario.floor, scenario.svc = found["floor"], found["svc"]
            scenario.http = found["http"]
            scenario.server_cpu_ms = ((server_cpu_s(pid) - cpu_before) * 1000
                                      / (scenario.http.n + options.warmup))
            for label in ("page", "totals", "lookups"):
                chosen = [st for st in scenario.statements if kind_of(st[0]) == label]
                if chosen:
                    scenario.floor_parts[label] = measure(
                        lambda c=chosen: replay(conn, c), warmup=3,
                        count=max(20, options.requests // 4), budget_s=options.budget / 4).p50
            log(f"{scenario.label}: http p50 {fmt_ms(scenario.http.p50)} p95"
                f" {fmt_ms(scenario.http.p95)} ms | svc p95 {fmt_ms(scenario.svc.p95)} |"
                f" floor p95 {fmt_ms(scenario.floor.p95)} ms")
        toggler.restore()
        facts["writes_made"] = toggler.flips + toggler.flips % 2
        time.sleep(2.0)
        rss_idle_end = rss_mb(pid)
        facts["server_threads"] = psutil.Process(pid).num_threads()
        facts["server_ledger_fds"] = ledger_fds(pid, ledger.db_path)
        server_peak = peak_rss_mb(pid)
        reconnects = client.reconnects
        client.close()
    finally:
        server.stop()
    book.close()
    conn.close()

    log(f"cold starts x{options.cold_starts} ...")
    startup = cold_starts(ledger, options.cold_starts, log)
    facts["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = assemble(options, ledger, facts, scenarios, startup, rss_idle_start, rss_idle_end,
                      server_peak, reconnects)
    print(report["table"])
    return report


def assemble(options: argparse.Namespace, ledger: Ledger, facts: dict[str, Any],
             scenarios: list[Scenario], startup: dict[str, Any], rss_start: float,
             rss_end: float, server_peak: float, reconnects: int) -> dict[str, Any]:
    demo = ledger.meta["demo"]
    demo_floor = ledger.meta.get("demo_floor", {}).get("wall_s")
    headers = ["scenario", "n", "http p50", "http p95", "target", "met", "svc p95",
               "floor p50", "floor p95", "http/floor p95", "server CPU/req"]
    rows = []
    for s in scenarios:
        rows.append([s.label, str(s.http.n), fmt_ms(s.http.p50), fmt_ms(s.http.p95),
                     f"<= {s.target_ms:.0f} ms", "yes" if s.met else "NO", fmt_ms(s.svc.p95),
                     fmt_ms(s.floor.p50), fmt_ms(s.floor.p95), f"{s.ratio:.1f}x",
                     fmt_ms(s.server_cpu_ms)])
    to_200 = startup["median_to_200_s"]
    rows.append(["serve -> first 200 (median of cold starts)", str(len(startup["spawn_to_200_s"])),
                 f"{to_200 * 1000:.0f}", f"max {max(startup['spawn_to_200_s']) * 1000:.0f}",
                 f"<= {SERVE_TO_200_S * 1000:.0f} ms", "yes" if to_200 <= SERVE_TO_200_S else "NO",
                 "-", "-", f"{startup['median_floor_s'] * 1000:.0f}",
                 f"{to_200 / startup['median_floor_s']:.1f}x", "-"])
    for label, value in (("idle RSS after startup (MiB)", rss_start),
                         ("idle RSS after the scenarios (MiB)", rss_end)):
        rows.append([label, "1", f"{value:.1f}", "-", f"<= {IDLE_RSS_MB:.0f} MiB",
                     "yes" if value <= IDLE_RSS_MB else "NO", "-", "-", "-", "-", "-"])
    demo_note = "" if not ledger.reused else " (cached)"
    rows.append([f"ourmoney demo --transactions {options.transactions:,}{demo_note} (s)", "1",
                 f"{demo['wall_s']:.1f}", "-", f"< {DEMO_S:.0f} s",
                 "yes" if demo["wall_s"] < DEMO_S else "NO", "-", "-",
                 f"{demo_floor:.1f}" if demo_floor else "-",
                 f"{demo['wall_s'] / demo_floor:.1f}x" if demo_floor else "-", "-"])
    table = render_table(headers, rows)
    parts = render_table(
        ["scenario", "floor: page SQL p50", "totals SQL p50", "lookups p50", "response bytes"],
        [[s.label, fmt_ms(s.floor_parts.get("page", math.nan)),
          fmt_ms(s.floor_parts.get("totals", math.nan)),
          fmt_ms(s.floor_parts.get("lookups", math.nan)), f"{s.response_bytes:,}"]
         for s in scenarios])
    notes = [f"- {s.name}: {s.note}" for s in scenarios if s.note and s.mode == REPEAT]
    if ledger.meta.get("demo_floor", {}).get("parts_s"):
        parts_s = ledger.meta["demo_floor"]["parts_s"]
        notes.append(f"- demo: {demo['wall_s']:.1f} s wall ({demo['user_s']:.1f} s user CPU,"
                     f" load average {demo.get('load_before', '?')} before,"
                     f" built {ledger.meta['built_at']});"
                     f" its floor {demo_floor:.1f} s = "
                     + ", ".join(f"{k} {v:.1f}" for k, v in parts_s.items()))
    notes.append(f"- server after the scenarios: {facts['server_threads']} threads,"
                 f" {facts['server_ledger_fds']} open connections to the ledger file;"
                 f" load average at start {facts['load_start']}, at end {facts['load_end']}")
    memory = (f"server peak RSS (VmHWM) {server_peak:.1f} MiB; demo peak RSS"
              f" {demo['peak_rss_mb']:.0f} MiB; benchmark process peak {own_peak_rss_mb():.0f} MiB;"
              f" idle RSS after a cold start + first page: median"
              f" {statistics.median(startup['idle_rss_after_first_page_mb']):.1f} MiB;"
              f" first page on a cold process: median"
              f" {statistics.median(startup['cold_first_page_ms']):.0f} ms")
    m = machine()
    head = (f"OurMoney ledger benchmark: {options.transactions:,} transactions"
            f" ({facts['first_day']}..{facts['last_day']}, database"
            f" {ledger.db_path.stat().st_size / 2**20:.0f} MiB), {m['nproc']} CPUs,"
            f" {m['ram_gib']} GiB RAM, Python {m['python']}, SQLite {m['sqlite']}")
    text = "\n".join([head, "", "times in ms unless marked; http = end to end through"
                      " `ourmoney serve`; svc = same view in-process, no Flask/HTTP;"
                      " floor = the same SQL on raw sqlite3", "", table, "",
                      "floor by statement:", parts, "", memory, *notes])
    if reconnects:
        text += f"\nnote: the keep-alive connection was re-opened {reconnects} times"
    return {"table": text, "machine": m, "facts": facts, "meta": ledger.meta,
            "scenarios": [{"name": s.label, "mode": s.mode, "path": s.path,
                           "target_ms": s.target_ms,
                           "met": s.met, "http": s.http.as_dict(), "svc": s.svc.as_dict(),
                           "floor": s.floor.as_dict(), "floor_parts_p50_ms": s.floor_parts,
                           "ratio_p95": s.ratio, "note": s.note,
                           "server_cpu_ms_per_request": s.server_cpu_ms,
                           "response_bytes": s.response_bytes,
                           "statements": [[sql, list(p)] for sql, p in s.statements]}
                          for s in scenarios],
            "startup": startup, "rss_idle_start_mb": rss_start, "rss_idle_end_mb": rss_end,
            "server_peak_rss_mb": server_peak, "bench_peak_rss_mb": own_peak_rss_mb()}


if __name__ == "__main__":
    sys.exit(main())
