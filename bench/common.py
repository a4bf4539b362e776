"""Small helpers shared by the benchmarks: percentiles, timing, memory of a process, machine facts.

Standard library plus psutil (a [dev] dependency) only; nothing here imports ourmoney.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"  # git-ignored (see the top-level .gitignore)
TIME_BIN = "/usr/bin/time"


class BenchError(RuntimeError):
    """Something is broken (not merely slow)."""


def percentile(samples: Sequence[float], pct: float) -> float:
    """Return the pct-th percentile (0..100) with linear interpolation between closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Stats:
    """Latency samples of one measured thing, in milliseconds."""

    samples: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def max(self) -> float:
        return max(self.samples) if self.samples else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "p50_ms": round(self.p50, 3), "p95_ms": round(self.p95, 3),
                "max_ms": round(self.max, 3)}


def measure(action: Callable[[], Any], *, warmup: int, count: int, budget_s: float,
            min_count: int = 20) -> Stats:
    """Run `action` `warmup` times untimed, then up to `count` timed times.

    Stops early once `budget_s` seconds of timed runs have passed and at least `min_count`
    samples exist, so a pathologically slow scenario cannot stall the whole run.
    """
    for _ in range(warmup):
        action()
    stats = Stats()
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        action()
        stats.samples.append((time.perf_counter() - t0) * 1000.0)
        if stats.n >= min_count and time.perf_counter() - started > budget_s:
            break
    return stats


def measure_interleaved(actions: dict[str, Callable[[], Any]], *, warmup: int, count: int,
                        budget_s: float, min_count: int = 20,
                        before_round: Callable[[], Any] | None = None) -> dict[str, Stats]:
    """Like measure, for several actions taken in turn (a, b, c, a, b, c, ...).

    Interleaving makes a burst of load from other processes on the machine hit every
    action alike, so ratios between them stay meaningful on a busy machine.
    `before_round`, if given, runs untimed before every round (warm-up rounds included).
    """
    for _ in range(warmup):
        if before_round:
            before_round()
        for action in actions.values():
            action()
    stats = {name: Stats() for name in actions}
    started = time.perf_counter()
    for _ in range(count):
        if before_round:
            before_round()
        for name, action in actions.items():
            t0 = time.perf_counter()
            action()
            stats[name].samples.append((time.perf_counter() - t0) * 1000.0)
        if len(stats[next(iter(actions))].samples) >= min_count and \
                time.perf_counter() - started > budget_s:
            break
    return stats


class KeepAliveClient:
    """A minimal HTTP/1.1 keep-alive client (http.client) that times whole responses."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parsed = http.client.urlsplit(base_url)  # type: ignore[attr-defined]
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        self.reconnects = 0

    def get(self, path: str) -> tuple[int, bytes]:
        """GET `path`, read the whole body; reconnect once if the server closed the socket."""
        return self.request("GET", path)

    def request(self, method: str, path: str, json_body: Any = None) -> tuple[int, bytes]:
        """Send one request (a JSON body if given) and read the whole answer."""
        headers = {"Accept": "application/json"}
        payload = None
        if json_body is not None:
            payload = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self._reopen()
                return response.status, body
            except (http.client.HTTPException, ConnectionError):
                if attempt:
                    raise
                self._reopen()
        raise AssertionError("unreachable")

    def _reopen(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.reconnects += 1

    def close(self) -> None:
        self.conn.close()


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MiB."""
    return psutil.Process(pid).memory_info().rss / 2**20


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a live process in MiB; NaN where /proc is missing."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def own_peak_rss_mb() -> float:
    """Peak RSS of this (the benchmark) process in MiB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def machine() -> dict[str, Any]:
    """Facts about the machine the numbers were measured on."""
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt_ms(value: float) -> str:
    """Format milliseconds for the table: 3 significant-ish digits."""
    if math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Render a plain-text table (also valid Markdown)."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
            for r in rows]
    return "\n".join([line, rule, *body])


# -- child processes ---------------------------------------------------------------------------


def py(*args: str) -> list[str]:
    """Return a command that runs this Python with `args`."""
    return [sys.executable, *args]


def ourmoney(*args: str) -> list[str]:
    """Return a command that runs the ourmoney CLI with `args`."""
    return py("-m", "ourmoney", *args)


def fresh(path: Path) -> Path:
    """Empty (or make) a folder and return it."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def timed(cmd: list[str], label: str, log: Callable[[str], None]) -> dict[str, Any]:
    """Run `cmd` under /usr/bin/time -v: wall seconds, peak RSS (MiB), CPU seconds, stdout."""
    report = DATA / f".time-{os.getpid()}.txt"
    started = time.perf_counter()
    done = subprocess.run([TIME_BIN, "-v", "-o", str(report), *cmd], cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    text = report.read_text() if report.exists() else ""
    report.unlink(missing_ok=True)
    if done.returncode != 0:
        raise BenchError(f"{label}: exit {done.returncode}\n{done.stdout[-2000:]}"
                         f"\n{done.stderr[-2000:]}")

    def field(name: str) -> float:
        found = re.search(rf"{re.escape(name)}: ([\d.]+)", text)
        return float(found.group(1)) if found else float("nan")

    result = {"wall_s": wall, "peak_rss_mb": field("Maximum resident set size (kbytes)") / 1024,
              "cpu_s": field("User time (seconds)") + field("System time (seconds)"),
              "stdout": done.stdout.strip()[-500:]}
    log(f"{label}: {wall:.2f} s, CPU {result['cpu_s']:.2f} s,"
        f" peak RSS {result['peak_rss_mb']:.0f} MiB")
    return result


def log(message: str) -> None:
    """Say how a benchmark is going, on standard error."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_and_save(run: Callable[[Any, Callable[[str], None]], dict[str, Any]], options: Any,
                 default_json: Path) -> dict[str, Any] | None:
    """Run a benchmark, print its table and write its figures as JSON; None if it broke."""
    DATA.mkdir(parents=True, exist_ok=True)
    try:
        report = run(options, log)
    except BenchError as error:
        log(f"ERROR: {error}")
        return None
    print(report["table"])
    path = options.json or default_json
    path.write_text(json.dumps(report, indent=2, default=str))
    log(f"figures written to {path}")
    return report
