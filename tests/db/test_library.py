"""SQLite's memory statistics are off in an `ourmoney` process (a global lock per allocation)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ourmoney import cli
from ourmoney.db import library

SQLITE_LINKED = sys.platform.startswith("linux")


def in_process(code: str) -> list[str]:
    """Run Python code in a fresh process; return its output lines."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(not SQLITE_LINKED, reason="the SQLite library is looked up by its Linux name")
def test_memory_statistics_are_kept_by_default_and_off_once_turned_off() -> None:
    assert in_process("""
        import sqlite3
        from ourmoney.db import library
        def busy():
            connection = sqlite3.connect(":memory:")
            connection.execute("CREATE TABLE t (x)")
            connection.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
            return connection
        held = busy()
        found = library.loaded_library()
        print(found is not None, library.memory_in_use(found) > 0)
        held.close()
        print(library.turn_off_memory_statistics())
        held = busy()
        print(library.memory_in_use(found), held.execute("SELECT count(*) FROM t").fetchone()[0])
        """) == ["True", "True", "True", "0", "1000"]


def test_without_the_library_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(library, "LIBRARY_NAMES", {sys.platform: ("no-such-sqlite.so.0",)})
    assert library.loaded_library() is None
    assert library.turn_off_memory_statistics() is False


def test_the_command_turns_them_off_before_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(library, "turn_off_memory_statistics", lambda: calls.append("off"))
    monkeypatch.setattr(cli, "main", lambda **extra: calls.append(extra))
    cli.run(prog_name="ourmoney")
    assert calls == ["off", {"prog_name": "ourmoney"}]


@pytest.mark.skipif(not SQLITE_LINKED, reason="the SQLite library is looked up by its Linux name")
def test_python_m_ourmoney_runs_with_them_off() -> None:
    assert in_process("""
        import runpy, sys
        from ourmoney.db import library
        sys.argv = ["ourmoney", "--version"]
        try:
            runpy.run_module("ourmoney", run_name="__main__")
        except SystemExit:
            pass
        import sqlite3
        sqlite3.connect(":memory:").execute("CREATE TABLE t (x)")
        print(library.memory_in_use(library.loaded_library()))
        """)[-1] == "0"
