"""Hub benchmark (issue 5): ingest of change pages, and many devices syncing through one hub.

Run from the repository root (PostgreSQL at OURMONEY_TEST_POSTGRES, by default
postgresql://postgres@127.0.0.1:5432/postgres)::

    .venv/bin/python bench/bench_hub.py                          # 200k ingest, 50 devices x 60 s
    .venv/bin/python bench/bench_hub.py --changes 20000 --devices 10 --seconds 10   # quick

See bench/README.md ("Hub") for what each figure means. In short:

- ingest: pages of 1,000 transaction change lines, pushed one after another by several
  devices (each with its own token and origin) through a real `ourmoney-hub serve` on
  loopback with the device's own client (HttpPeer.push). Floor, in the same run: the same
  rows (household_id, seq, hlc, origin, line) written by raw psycopg2 `cursor.executemany`
  into the `change` table of another fresh database (`ourmoney-hub init-db`), a commit per
  page. Each side runs `--repeat` times, each on a fresh database; the best run counts.
- concurrent devices: N devices (threads in a few client processes) join the hub, then for
  `--seconds` each loops: push a small batch of new changes, pull every new page, pause a
  little. Every request's latency is kept by kind; any exception or non-2xx answer is an
  error. At the end every device pulls what is left, and the run checks that each received
  every other device's changes exactly once (and none of its own), and that the hub's seqs
  are 1..N without a gap.

Missed targets are reported, not failed: the exit status is non-zero only when something is
broken (an error answer, a change missing or received twice, a wrong count in the database).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    DATA,
    BenchError,
    log,
    machine,
    peak_rss_mb,
    percentile,
    render_table,
    run_and_save,
)

INGEST_RATIO = 0.5
PAGE = 1_000
PAUSE_S = (0.1, 0.5)
BATCH = (1, 10)
Log = Callable[[str], None]
DESCRIPTIONS = ("Pingo Doce", "Continente", "IKEA", "Leroy Merlin", "Birthday present",
                "Electricity bill", "Pharmacy", "Cinema", "Fuel", "Restaurant O Pescador")
CATEGORIES = [str(uuid.UUID(int=random.Random(k).getrandbits(128))) for k in range(12)]
MEMBERS = [str(uuid.UUID(int=random.Random(100 + k).getrandbits(128))) for k in range(3)]


# -- data --------------------------------------------------------------------------------------


def transaction_line(device: str, ms: int, counter: int, rng: random.Random) -> str:
    """Return one realistic change line: a new transaction, as the app logs it."""
    from ourmoney.sync.protocol import Change

    day = time.strftime("%Y-%m-%d", time.gmtime(ms / 1000 - rng.randrange(0, 90 * 86400)))
    fields = {"occurred_on": day, "description": rng.choice(DESCRIPTIONS),
              "type": "expense", "amount": rng.randrange(100, 20000),
              "category": rng.choice(CATEGORIES), "member": rng.choice(MEMBERS), "notes": "",
              "deleted": False, "created_at": f"{day}T{rng.randrange(24):02d}:"
                                                f"{rng.randrange(60):02d}:00.000Z"}
    row = str(uuid.UUID(int=rng.getrandbits(128)))
    return Change(f"{ms:013d}-{counter:04x}-{device}", device, "transaction", row, fields).line()


@dataclass(frozen=True)
class IngestPage:
    """One push of the ingest: the device that sends it and its change lines."""

    device: str
    lines: list[str]


def ingest_pages(changes: int, devices: list[str]) -> list[IngestPage]:
    """Return `changes` change lines in pages of PAGE, taking turns among the devices."""
    rng = random.Random(2026)
    start_ms = int(time.time() * 1000) - changes - 60_000
    pages = []
    for number, first in enumerate(range(0, changes, PAGE)):
        device = devices[number % len(devices)]
        pages.append(IngestPage(device, [
            transaction_line(device, start_ms + i, i % 0x10000, rng)
            for i in range(first, min(first + PAGE, changes))]))
    return pages


def device_ids(count: int, salt: str) -> list[str]:
    """Return `count` device ids (16 hex digits), distinct for each salt."""
    return [hashlib.sha256(f"{salt}-{k}".encode()).hexdigest()[:16] for k in range(count)]


def digest(hlc: str) -> int:
    """An order-free fingerprint of one change: sums of these compare two sets of changes."""
    return int.from_bytes(hashlib.blake2b(hlc.encode(), digest_size=8).digest(), "big")


# -- the database and hub processes ------------------------------------------------------------


def check_postgres() -> None:
    """Fail with one line when the test PostgreSQL is not reachable."""
    import psycopg2

    from tests.support.hub import ADMIN_DSN

    try:
        psycopg2.connect(ADMIN_DSN, connect_timeout=5).close()
    except psycopg2.OperationalError as error:
        raise BenchError(f"PostgreSQL is not reachable at {ADMIN_DSN}: {error}") from None


@contextmanager
def household_database() -> Iterator[str]:
    """Yield a fresh hub database (init-db) with household Home (owner, editor, viewer)."""
    from tests.support.hub import add_household, fresh_database

    with fresh_database() as dsn:
        add_household(dsn)
        yield dsn


def join(url: str, device: str) -> str:
    """Join a device to household Home as its editor; return its token."""
    import requests

    from tests.support.hub import EDITOR

    answer = requests.post(url + "hub/v1/join", timeout=60, json={
        "email": EDITOR[0], "password": EDITOR[1], "device_id": device,
        "device_name": f"Bench {device[:4]}"})
    if answer.status_code != 200:
        raise BenchError(f"join {device}: {answer.status_code} {answer.text[:300]}")
    return str(answer.json()["token"])


def one(dsn: str, sql: str) -> Any:
    """Return the first value of a query's first row."""
    import psycopg2

    with closing(psycopg2.connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
        return row[0] if row else None


def check_log(dsn: str, expected: int, label: str) -> None:
    """Check that the household's log holds `expected` changes with seqs 1..N, no gap."""
    found = one(dsn, "SELECT json_build_array(count(*), coalesce(min(seq), 0),"
                     " coalesce(max(seq), 0), count(DISTINCT hlc),"
                     " (SELECT last_seq FROM household WHERE name = 'Home')) FROM change")
    want = [expected, 1 if expected else 0, expected, expected, expected]
    if found != want:
        raise BenchError(f"{label}: the hub holds [count, min seq, max seq, distinct hlc,"
                         f" last_seq] = {found}, expected {want}")


class BackendCpu:
    """CPU seconds that PostgreSQL's backends for one database used between start and now."""

    def __init__(self, dsn: str) -> None:
        self.name = dsn.rsplit("/", 1)[1]
        self.start = self._times()

    def _times(self) -> dict[int, float]:
        import psutil
        import psycopg2

        from tests.support.hub import ADMIN_DSN

        with closing(psycopg2.connect(ADMIN_DSN)) as conn, conn.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.name,))
            pids = [int(row[0]) for row in cur.fetchall()]
        found = {}
        for pid in pids:
            try:
                times = psutil.Process(pid).cpu_times()
                found[pid] = float(times.user + times.system)
            except psutil.Error:
                continue
        return found

    def used(self) -> float:
        """Return the CPU seconds used since start by backends alive now (new ones in full)."""
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self._times().items())


def cpu_s(pid: int) -> float:
    """User+system CPU seconds a live process has used."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


# -- benchmark 1: ingest -----------------------------------------------------------------------


def ingest_ours(pages: list[IngestPage], log: Log) -> dict[str, Any]:
    """Push every page through a real hub process; time the pushes."""
    from ourmoney.services.sync.http import HttpPeer
    from tests.support.hub import start_hub

    total = sum(len(page.lines) for page in pages)
    with household_database() as dsn, start_hub(dsn) as hub:
        peers = {device: HttpPeer(hub.url, join(hub.url, device))
                 for device in dict.fromkeys(page.device for page in pages)}
        for peer in peers.values():  # opens the hub's pooled connections, untimed
            peer.pull(0, 1)
        backend, hub_cpu = BackendCpu(dsn), cpu_s(hub.process.pid)
        started = time.perf_counter()
        for page in pages:
            result = peers[page.device].push(page.lines, 0)
            if (result.accepted, result.duplicates) != (len(page.lines), 0):
                raise BenchError(f"ingest: a push of {len(page.lines)} answered {result}")
        wall = time.perf_counter() - started
        figures = {"wall_s": wall, "rate": total / wall,
                   "hub_cpu_s": cpu_s(hub.process.pid) - hub_cpu, "pg_cpu_s": backend.used(),
                   "hub_peak_rss_mb": peak_rss_mb(hub.process.pid)}
        check_log(dsn, total, "ingest")
    log(f"ingest through the hub: {total:,} changes in {wall:.2f} s = {total / wall:,.0f}/s,"
        f" hub CPU {figures['hub_cpu_s']:.2f} s, PostgreSQL CPU {figures['pg_cpu_s']:.2f} s")
    return figures


def ingest_floor(pages: list[IngestPage], how: str, log: Log) -> dict[str, Any]:
    """Write the same rows with raw psycopg2 (`how`: executemany or execute_values)."""
    import psycopg2
    from psycopg2.extras import execute_values

    total = sum(len(page.lines) for page in pages)
    sql = "INSERT INTO change (household_id, seq, hlc, origin, line) VALUES "
    with household_database() as dsn, closing(psycopg2.connect(dsn)) as conn:
        household = int(one(dsn, "SELECT id FROM household WHERE name = 'Home'"))
        batches, seq = [], 0
        for page in pages:
            batch = []
            for line in page.lines:
                seq += 1
                hlc = line[8:43]  # '{"hlc":"' + 35 characters
                batch.append((household, seq, hlc, page.device, line))
            batches.append(batch)
        backend = BackendCpu(dsn)
        started = time.perf_counter()
        with conn.cursor() as cur:
            for batch in batches:
                if how == "executemany":
                    cur.executemany(sql + "(%s, %s, %s, %s, %s)", batch)
                else:
                    execute_values(cur, sql + "%s", batch, page_size=PAGE)
                conn.commit()
        wall = time.perf_counter() - started
        figures = {"wall_s": wall, "rate": total / wall, "pg_cpu_s": backend.used()}
        conn.close()
        check_log_rows(dsn, total, household)
    log(f"floor ({how}): {total:,} rows in {wall:.2f} s = {total / wall:,.0f}/s,"
        f" PostgreSQL CPU {figures['pg_cpu_s']:.2f} s")
    return figures


def check_log_rows(dsn: str, total: int, household: int) -> None:
    """Check that the floor wrote every row (it keeps no last_seq, unlike the hub)."""
    found = one(dsn, f"SELECT count(*) FROM change WHERE household_id = {household}")
    if found != total:
        raise BenchError(f"floor: {found} rows written, expected {total}")


def ingest(changes: int, repeat: int, log: Log) -> dict[str, Any]:
    """Run the floors and ours in turn `repeat` times on fresh databases; keep the best of each."""
    devices = device_ids(4, "ingest")
    pages = ingest_pages(changes, devices)
    sizes = [len(line.encode()) for page in pages for line in page.lines]
    runs: dict[str, list[dict[str, Any]]] = {"executemany": [], "execute_values": [], "ours": []}
    for attempt in range(1, repeat + 1):
        log(f"ingest round {attempt} of {repeat}")
        runs["executemany"].append(ingest_floor(pages, "executemany", log))
        runs["execute_values"].append(ingest_floor(pages, "execute_values", log))
        runs["ours"].append(ingest_ours(pages, log))
    best = {name: max(found, key=lambda f: f["rate"]) for name, found in runs.items()}
    return {"changes": changes, "pushes": len(pages), "devices": len(devices),
            "line_bytes_mean": sum(sizes) / len(sizes), "runs": runs, "best": best,
            "ratio": best["ours"]["rate"] / best["executemany"]["rate"],
            "ratio_batched": best["ours"]["rate"] / best["execute_values"]["rate"]}


# -- benchmark 2: many devices at once ---------------------------------------------------------


@dataclass
class Device:
    """One simulated device: makes changes, pushes them, pulls everyone else's."""

    device_id: str
    url: str
    token: str
    seed: int
    since: int = 0
    pending: list[str] = field(default_factory=list)
    pushed: int = 0
    pushed_digest: int = 0
    received: Counter[str] = field(default_factory=Counter)
    received_digest: int = 0
    seen: set[str] = field(default_factory=set)
    latency: dict[str, list[float]] = field(default_factory=lambda: {"push": [], "pull": []})
    errors: list[str] = field(default_factory=list)
    last_ms: int = 0
    counter: int = 0

    def __post_init__(self) -> None:
        from ourmoney.services.sync.http import HttpPeer

        self.rng = random.Random(self.seed)
        self.peer = HttpPeer(self.url, self.token, timeout=60)
        download = self.peer._download

        def timed_download(since: int, limit: int, held: int) -> tuple[bytes, int]:
            started = time.perf_counter()
            found = download(since, limit, held)
            self.latency["pull"].append((time.perf_counter() - started) * 1000)
            return found
        self.peer._download = timed_download  # type: ignore[method-assign]

    def make_batch(self) -> None:
        """Make a few new changes (unless a failed push left some to send again)."""
        if self.pending:
            return
        for _ in range(self.rng.randint(*BATCH)):
            ms = int(time.time() * 1000)
            self.counter = self.counter + 1 if ms <= self.last_ms else 0
            self.last_ms = max(ms, self.last_ms)
            line = transaction_line(self.device_id, self.last_ms, self.counter, self.rng)
            self.pending.append(line)
            self.pushed += 1
            self.pushed_digest += digest(line[8:43])

    def push(self) -> None:
        started = time.perf_counter()
        result = self.peer.push(self.pending, self.since)
        self.latency["push"].append((time.perf_counter() - started) * 1000)
        if result.accepted + result.duplicates != len(self.pending) or result.quarantined:
            raise BenchError(f"push of {len(self.pending)} answered {result}")
        self.pending = []

    def pull_all(self) -> None:
        while True:
            page = self.peer.pull(self.since, PAGE)
            for change in page.changes:
                self.received[change.origin] += 1
                self.received_digest += digest(change.hlc)
                self.seen.add(change.hlc)
            self.since = page.next
            if not page.more:
                return

    def attempt(self, step: Callable[[], None]) -> bool:
        """Run one step; count any exception as an error (the step is retried next loop)."""
        try:
            step()
        except Exception as error:
            self.errors.append(f"{type(error).__name__}: {error}"[:300])
            time.sleep(0.5)
            return False
        return True

    def run(self, deadline: float) -> None:
        """Loop until the deadline: push a small batch, pull every new page, pause."""
        while time.monotonic() < deadline:
            self.make_batch()
            if self.attempt(self.push):
                self.attempt(self.pull_all)
            time.sleep(self.rng.uniform(*PAUSE_S))

    def finish(self) -> None:
        """Push what a failed push left, then pull the rest (a few tries)."""
        for _ in range(5):
            if (not self.pending or self.attempt(self.push)) and self.attempt(self.pull_all):
                return

    def summary(self) -> dict[str, Any]:
        return {"device": self.device_id, "pushed": self.pushed,
                "pushed_digest": self.pushed_digest % 2**64,
                "received": dict(self.received), "received_total": sum(self.received.values()),
                "received_distinct": len(self.seen),
                "received_digest": self.received_digest % 2**64, "latency": self.latency,
                "errors": self.errors, "unsent": len(self.pending)}


def device_worker(assigned: list[tuple[str, str, str]], seconds: float, seed: int,
                  start: Any, stopped: Any, results: Any) -> None:
    """A client process: run its devices in threads, then report each device's summary."""
    devices = [Device(device, url, token, seed + n)
               for n, (device, url, token) in enumerate(assigned)]
    start.wait()
    deadline = time.monotonic() + seconds
    in_threads([partial(d.run, deadline) for d in devices])
    stopped.wait()  # every process has stopped pushing: what is left can be pulled whole
    in_threads([d.finish for d in devices])
    used = os.times()
    results.put({"cpu_s": used.user + used.system, "devices": [d.summary() for d in devices]})


def in_threads(work: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=w, daemon=True) for w in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def concurrent(count: int, seconds: float, hubs: int, processes: int,
               log: Log) -> dict[str, Any]:
    """Run `count` devices against `hubs` hub processes for `seconds`; verify what each got."""
    from tests.support.hub import start_hub

    processes = max(1, min(processes, count))
    devices = device_ids(count, "concurrent")
    with household_database() as dsn, ExitStack() as stack:
        running = [stack.enter_context(start_hub(dsn)) for _ in range(hubs)]
        assigned = [(device, running[n % hubs].url, join(running[n % hubs].url, device))
                    for n, device in enumerate(devices)]
        log(f"{count} devices joined; syncing for {seconds:g} s from {processes} processes"
            f" through {hubs} hub process(es)")
        context = multiprocessing.get_context("spawn")
        start, stopped = context.Barrier(processes + 1), context.Barrier(processes)
        results = context.Queue()
        workers = [context.Process(target=device_worker, args=(
            assigned[k::processes], seconds, 1000 * k, start, stopped, results))
            for k in range(processes)]
        for worker in workers:
            worker.start()
        start.wait(timeout=120)
        backend = BackendCpu(dsn)
        hub_cpu = [cpu_s(hub.process.pid) for hub in running]
        load_before = os.getloadavg()
        started = time.perf_counter()
        reports = [results.get(timeout=seconds + 600) for _ in workers]
        wall = time.perf_counter() - started
        summaries = [s for report in reports for s in report["devices"]]
        for worker in workers:
            worker.join(timeout=60)
        figures = {"hub_cpu_s": [cpu_s(hub.process.pid) - before
                                 for hub, before in zip(running, hub_cpu, strict=True)],
                   "pg_cpu_s": backend.used(), "wall_s": wall,
                   "clients_cpu_s": sum(report["cpu_s"] for report in reports),
                   "hub_peak_rss_mb": [peak_rss_mb(hub.process.pid) for hub in running],
                   "load_during": " ".join(f"{x:.2f}" for x in os.getloadavg()),
                   "load_before": " ".join(f"{x:.2f}" for x in load_before)}
        problems = verify(summaries)
        total = sum(s["pushed"] for s in summaries)
        try:
            check_log(dsn, total, "concurrent devices")
        except BenchError as error:
            problems.append(str(error))
        server_errors = [line for hub in running for line in hub.stderr_lines
                         if '"level": "warning"' in line or '"level": "error"' in line]
        in_hub = hub_times([line for hub in running for line in hub.stderr_lines])
    latency = {kind: [ms for s in summaries for ms in s["latency"][kind]]
               for kind in ("push", "pull")}
    errors = [e for s in summaries for e in s["errors"]]
    figures.update({
        "devices": count, "seconds": seconds, "hubs": hubs, "processes": processes,
        "changes": total, "errors": len(errors), "error_samples": errors[:10],
        "server_warnings": server_errors[:10], "problems": problems,
        "requests": {kind: len(found) for kind, found in latency.items()},
        "latency_ms": {kind: latency_figures(found) for kind, found in latency.items()},
        "in_hub_ms": {kind: latency_figures(found) for kind, found in in_hub.items()},
        "received_total": sum(s["received_total"] for s in summaries)})
    log(f"{count} devices: {sum(figures['requests'].values()):,} requests, {len(errors)} errors,"
        f" {total:,} changes, problems: {problems or 'none'}")
    return figures


def hub_times(log_lines: list[str]) -> dict[str, list[float]]:
    """Return the time each sync request took inside the hub (its request log's "ms")."""
    kinds = {"POST": "push", "GET": "pull"}
    found: dict[str, list[float]] = {"push": [], "pull": []}
    for line in log_lines:
        if '"path": "/sync/v1/changes"' not in line:
            continue
        entry = json.loads(line)
        if entry.get("ms") is not None and entry.get("method") in kinds:
            found[kinds[entry["method"]]].append(float(entry["ms"]))
    return found


def latency_figures(samples: list[float]) -> dict[str, float]:
    return {"n": len(samples), "p50": percentile(samples, 50), "p95": percentile(samples, 95),
            "p99": percentile(samples, 99), "max": max(samples) if samples else float("nan")}


def verify(summaries: list[dict[str, Any]]) -> list[str]:
    """Check that every device received every other device's changes exactly once."""
    pushed = {s["device"]: s["pushed"] for s in summaries}
    total_digest = sum(s["pushed_digest"] for s in summaries)
    problems = []
    for s in summaries:
        device, got = s["device"], s["received"]
        expected = {other: n for other, n in pushed.items() if other != device and n}
        if s["unsent"]:
            problems.append(f"{device}: {s['unsent']} changes never pushed")
        if got != expected:
            wrong = {o: (got.get(o, 0), expected.get(o, 0)) for o in set(got) | set(expected)
                     if got.get(o, 0) != expected.get(o, 0)}
            problems.append(f"{device}: received/expected by origin differ: "
                            f"{dict(list(wrong.items())[:3])}")
        if s["received_distinct"] != s["received_total"]:
            problems.append(f"{device}: {s['received_total'] - s['received_distinct']}"
                            " changes received twice")
        if s["received_digest"] != (total_digest - s["pushed_digest"]) % 2**64:
            problems.append(f"{device}: the changes received are not the others' changes")
    return problems


# -- the run -----------------------------------------------------------------------------------


def run(options: argparse.Namespace, log: Log) -> dict[str, Any]:
    check_postgres()
    figures: dict[str, Any] = {"load_start": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    if options.changes:
        figures["ingest"] = ingest(options.changes, options.repeat, log)
    if options.devices and options.seconds:
        figures["concurrent"] = concurrent(options.devices, options.seconds, options.hubs,
                                           options.processes, log)
    figures["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return assemble(figures)


def assemble(f: dict[str, Any]) -> dict[str, Any]:
    m = machine()
    postgres = one(_admin_dsn(), "SHOW server_version")
    parts = [f"OurMoney hub benchmark: {m['nproc']} CPUs, {m['ram_gib']} GiB RAM, Python"
             f" {m['python']}, PostgreSQL {postgres}; load average {f['load_start']} at start,"
             f" {f['load_end']} at end"]
    if "ingest" in f:
        parts += ["", ingest_table(f["ingest"])]
    if "concurrent" in f:
        parts += ["", concurrent_table(f["concurrent"])]
    return {"table": "\n".join(parts), "machine": m, "postgres": postgres, "figures": f}


def _admin_dsn() -> str:
    from tests.support.hub import ADMIN_DSN

    return ADMIN_DSN


def ingest_table(g: dict[str, Any]) -> str:
    best = g["best"]
    rows = []
    for name, label in (("ours", "ourmoney-hub serve, HttpPeer.push over loopback"),
                        ("executemany", "floor: psycopg2 cursor.executemany"),
                        ("execute_values", "stricter floor (information): execute_values")):
        b = best[name]
        runs = ", ".join(f"{r['rate']:,.0f}" for r in g["runs"][name])
        cpu = (f"{b['hub_cpu_s']:.2f} + {b['pg_cpu_s']:.2f}" if name == "ours"
               else f"- + {b['pg_cpu_s']:.2f}")
        rows.append([label, f"{b['rate']:,.0f}", f"{b['wall_s']:.2f}", cpu, runs])
    met = "yes" if g["ratio"] >= INGEST_RATIO else "NO"
    head = (f"Ingest: {g['changes']:,} changes in {g['pushes']} pushes of {PAGE:,} from"
            f" {g['devices']} devices, lines {g['line_bytes_mean']:.0f} bytes on average;"
            f" best of {len(g['runs']['ours'])} runs each on a fresh database")
    tail = (f"ours / floor = {g['ratio']:.0%} (target >= {INGEST_RATIO:.0%}: {met});"
            f" ours / stricter floor = {g['ratio_batched']:.0%}; hub peak RSS"
            f" {best['ours']['hub_peak_rss_mb']:.0f} MiB")
    return "\n".join([head, "", render_table(
        ["path", "changes/s (best)", "wall s", "CPU s hub + PostgreSQL", "changes/s, each run"],
        rows), "", tail])


def concurrent_table(c: dict[str, Any]) -> str:
    rows = []
    for kind in ("push", "pull"):
        for where, label in (("latency_ms", "at the device"), ("in_hub_ms", "inside the hub")):
            x = c[where][kind]
            rows.append([f"{kind}, {label}", f"{x['n']:,}", f"{x['p50']:.1f}",
                         f"{x['p95']:.1f}", f"{x['p99']:.1f}", f"{x['max']:.0f}"])
    requests = sum(c["requests"].values())
    head = (f"Concurrent devices: {c['devices']} devices in {c['processes']} client processes,"
            f" {c['hubs']} hub process(es), {c['seconds']:g} s (loop: push {BATCH[0]}-{BATCH[1]}"
            f" changes, pull all, pause {PAUSE_S[0]}-{PAUSE_S[1]} s)")
    verdict = "every device received every other device's changes exactly once" \
        if not c["problems"] else "PROBLEMS: " + "; ".join(c["problems"][:5])
    tail = [f"{requests:,} requests ({requests / c['seconds']:.0f}/s), errors: {c['errors']}"
            f" (target 0: {'yes' if c['errors'] == 0 else 'NO'}); {c['changes']:,} changes"
            f" pushed, {c['received_total']:,} received; {verdict}",
            f"CPU s: hub {' + '.join(f'{x:.1f}' for x in c['hub_cpu_s'])}, PostgreSQL"
            f" {c['pg_cpu_s']:.1f}, client processes {c['clients_cpu_s']:.1f}; hub peak RSS"
            f" {' + '.join(f'{x:.0f}' for x in c['hub_peak_rss_mb'])} MiB; load average"
            f" before {c['load_before']}, after {c['load_during']}"]
    if c["error_samples"]:
        tail.append("errors, first ones: " + " | ".join(c["error_samples"][:5]))
    if c["server_warnings"]:
        tail.append("hub warnings: " + " | ".join(c["server_warnings"][:3]))
    return "\n".join([head, "", render_table(
        ["request", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows), "", *tail])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200_000,
                        help="changes to ingest, in pushes of 1,000 (200,000; 0 skips)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of the ingest and of each floor; the best counts (2)")
    parser.add_argument("--devices", type=int, default=50,
                        help="devices syncing at once (50; 0 skips)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they sync (60)")
    parser.add_argument("--hubs", type=int, default=1,
                        help="hub processes on the one database, devices spread over them (1)")
    parser.add_argument("--processes", type=int, default=5,
                        help="client processes the devices run in, as threads (5)")
    parser.add_argument("--json", type=Path, default=None,
                        help="write every figure as JSON (default bench/.data/hub-results.json)")
    options = parser.parse_args(argv)
    report = run_and_save(run, options, DATA / "hub-results.json")
    if report is None:
        return 1
    concurrent_run = report["figures"].get("concurrent")
    if concurrent_run and (concurrent_run["errors"] or concurrent_run["problems"]):
        log("BROKEN: errors or changes not delivered exactly once (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
