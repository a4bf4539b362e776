"""Build (once) and reuse the demo ledgers the benchmarks run on.

A ledger is cached under bench/.data/ledger-<N>-v<schema version>/ (git-ignored). The key
holds the number of transactions and the schema version the current code writes
(len(MIGRATIONS), checked against PRAGMA user_version after the build), so a migration
invalidates the cache. The ledger is built by the real command,
`python -m ourmoney demo --transactions N --data-dir DIR`, whose wall time and peak RSS are
recorded in meta.json beside it (a cached run reports them with their date).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import DATA, ROOT

DB_NAME = "ourmoney.sqlite3"
READ_PRAGMA_NAMES = ("cache_size", "temp_store")  # taken from ourmoney.db.store.PRAGMAS


@dataclass(frozen=True)
class Ledger:
    """A demo ledger ready for benchmarking."""

    data_dir: Path
    meta: dict[str, Any]
    reused: bool

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME


def schema_version() -> int:
    """The PRAGMA user_version the current code migrates a new ledger to."""
    from ourmoney.db import schema

    return len(schema.MIGRATIONS)


def ensure_ledger(count: int, *, rebuild: bool = False, demo_floor: bool = True,
                  log: Any = print) -> Ledger:
    """Return the cached ledger of `count` transactions, building it if missing or stale."""
    version = schema_version()
    home = DATA / f"ledger-{count}-v{version}"
    meta_path = home / "meta.json"
    if not rebuild and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("complete") and _user_version(home / "data" / DB_NAME) == version:
            log(f"reusing {home} (built {meta['built_at']}; --rebuild to re-time the demo)")
            return Ledger(home / "data", meta, reused=True)
    for stale in DATA.glob(f"ledger-{count}-v*"):  # other schema versions: never reused
        if stale.is_dir() and stale.name != building_name(home):
            shutil.rmtree(stale)
    building = home.with_name(building_name(home))
    if building.exists():
        shutil.rmtree(building)
    building.mkdir(parents=True)
    log(f"building a {count:,}-transaction demo ledger in {home} (timing `ourmoney demo`) ...")
    meta = {"transactions": count, "schema_version": version, "complete": False,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "demo": _run_demo(count, building)}
    found = _user_version(building / "data" / DB_NAME)
    if found != version:
        raise RuntimeError(f"demo wrote schema version {found}, expected {version}")
    with closing(sqlite3.connect(building / "data" / DB_NAME)) as conn:
        rows = conn.execute("SELECT count(*) FROM transactions WHERE deleted = 0").fetchone()[0]
    if rows != count:
        raise RuntimeError(f"demo made {rows} live transactions, expected {count}")
    meta["db_bytes"] = (building / "data" / DB_NAME).stat().st_size
    log(f"  demo: {meta['demo']['wall_s']:.1f} s wall, peak RSS {meta['demo']['peak_rss_mb']:.0f}"
        f" MiB, database {meta['db_bytes'] / 2**20:.0f} MiB")
    if demo_floor:
        log("  measuring the demo's floor (the same rows through raw sqlite3 executemany) ...")
        meta["demo_floor"] = _demo_floor(building / "data" / DB_NAME, building / "floor.sqlite3")
        log(f"  demo floor: {meta['demo_floor']['wall_s']:.1f} s")
    meta["complete"] = True
    (building / "meta.json").write_text(json.dumps(meta, indent=2))
    building.rename(home)
    return Ledger(home / "data", meta, reused=False)


def building_name(home: Path) -> str:
    """The folder a ledger is built in before it is renamed into place."""
    return home.name + ".building"


def _user_version(path: Path) -> int | None:
    if not path.is_file():
        return None
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _run_demo(count: int, home: Path) -> dict[str, Any]:
    """Run the real `ourmoney demo` command; return its wall time, CPU time and peak RSS."""
    args = [sys.executable, "-m", "ourmoney", "demo", "--transactions", str(count),
            "--data-dir", str(home / "data")]
    load_before = _load()
    with open(home / "demo.out", "wb") as out, open(home / "demo.err", "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"`{' '.join(args)}` exited {process.returncode}:\n"
                           + (home / "demo.err").read_text(errors="replace")[-2000:])
    return {"command": " ".join(["ourmoney", *args[3:]]), "wall_s": round(wall, 2),
            "load_before": load_before, "load_after": _load(),
            "user_s": round(usage.ru_utime, 2), "sys_s": round(usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "stdout": (home / "demo.out").read_text(errors="replace").strip()}


def _load() -> str:
    """The 1/5/15-minute load averages (the machine may be shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _demo_floor(source: Path, target: Path, batch: int = 50_000) -> dict[str, Any]:
    """Write the demo's rows again with nothing but sqlite3: the floor for `ourmoney demo`.

    Same schema, same pragmas, same batch size and the same SQL as the demo's bulk path
    (ourmoney.db.bulk: executemany of the change log and the transactions, then the FTS
    index and daily totals set-wise per batch). Only the time spent writing is counted;
    reading the rows back from the built ledger is not.
    """
    from ourmoney.db import bulk, schema

    if target.exists():
        target.unlink()
    dst = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode = wal", "synchronous = normal", "foreign_keys = 1",
                   "cache_size = -32000", "temp_store = memory"):
        dst.execute(f"PRAGMA {pragma}")
    cur = dst.cursor()
    cur.execute("BEGIN IMMEDIATE")
    schema.migrate(cur)
    cur.execute("COMMIT")
    src = sqlite3.connect(source)
    txn_rows = src.execute(
        "SELECT id, occurred_on, description, type, amount, category_id, member_id, notes,"
        " created_at, updated_at, hlc, local_seq FROM transactions ORDER BY rowid")
    change_rows = src.execute(
        "SELECT hlc, origin, entity, row_id, fields FROM change WHERE entity = 'transaction'"
        " ORDER BY seq")
    timed = _TimedCursor(cur)
    spent = 0.0
    while True:
        txns = txn_rows.fetchmany(batch)
        changes = change_rows.fetchmany(len(txns)) if txns else []
        if not txns:
            break
        started = time.perf_counter()
        timed.execute("BEGIN IMMEDIATE")
        timed.executemany(bulk.INSERT_CHANGE, changes)
        bulk.insert_transactions(timed, txns)  # type: ignore[arg-type]
        timed.execute("COMMIT")
        spent += time.perf_counter() - started
    src.close()
    dst.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return {"wall_s": round(spent, 2),
            "parts_s": {k: round(v, 2) for k, v in sorted(timed.spent.items(),
                                                          key=lambda kv: -kv[1])},
            "what": "raw sqlite3 executemany of the same rows, same schema/pragmas/batches"}


class _TimedCursor:
    """A cursor that adds up the time spent in each kind of statement (for the breakdown)."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor
        self.spent: dict[str, float] = {}

    def _label(self, sql: str) -> str:
        text = " ".join(sql.split())
        for needle, label in (("INTO change", "change log rows"),
                              ("INTO transactions", "transaction rows + 4 indexes"),
                              ("INTO transaction_search", "FTS trigram index"),
                              ("INTO daily_total", "daily totals"), ("COMMIT", "commit")):
            if needle in text:
                return label
        return "other"

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        started = time.perf_counter()
        try:
            return self.cursor.execute(sql, params)
        finally:
            label = self._label(sql)
            self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - started

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        started = time.perf_counter()
        try:
            return self.cursor.executemany(sql, rows)
        finally:
            label = self._label(sql)
            self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - started


def raw_connection(db_path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the app's read pragmas (the floor's); it only reads."""
    from ourmoney.db.store import PRAGMAS

    conn = sqlite3.connect(db_path, check_same_thread=False)
    for name in READ_PRAGMA_NAMES:
        if name in PRAGMAS:
            conn.execute(f"PRAGMA {name} = {PRAGMAS[name]}")
    return conn
