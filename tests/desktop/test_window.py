"""The real window under Xvfb: the page shows, a transaction added through it lands on disk."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.desktop.support import desktop_env, run_script, screenshot, start_desktop

APP = [sys.executable, "-m", "ourmoney"]
RUNNING = re.compile(r"OurMoney running at (http://127\.0\.0\.1:(\d+)/) in its window")
ALREADY = re.compile(r"OurMoney is already open at http://127\.0\.0\.1:(\d+)/; showing its window")

ADD_TRANSACTION = [
    {"wait": "document.readyState === 'complete' && document.querySelector('main') !== null"},
    {"eval": "document.title"},
    {"eval": "document.querySelector('main').innerText"},
    {"wait": "!!window.pywebview"},
    {"eval": "(window.location.assign('/transactions/new'), 1)"},
    {"wait": "document.readyState === 'complete' && !!document.querySelector('form.txn-form')"},
    {"eval": "(function (form) { form.description.value = 'Window groceries';"
             " form.amount.value = '12.34'; form.category.value = 'Food';"
             " form.requestSubmit(); return 1; })(document.querySelector('form.txn-form'))"},
    {"wait": "location.pathname === '/' && document.readyState === 'complete'"
             " && document.body.innerText.indexOf('Window groceries') >= 0"},
    {"eval": "document.querySelector('main').innerText"},
    {"close": True},
]


def stored_transactions(data_dir: Path) -> list[tuple[str, int]]:
    """Return (description, amount) of every stored transaction, read with plain sqlite3."""
    db = sqlite3.connect(data_dir / "ourmoney.sqlite3")
    try:
        rows = db.execute("SELECT description, amount FROM transactions ORDER BY description")
        return [(str(description), int(amount)) for description, amount in rows]
    finally:
        db.close()


def test_window_shows_the_page_records_through_it_and_closes_cleanly(
        display: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run = run_script(APP, data_dir, display, ADD_TRANSACTION)
    assert run.error is None, run.output
    assert run.returncode == 0, run.output
    title, first_page, pages_ready, submitted, after = run.answers
    assert title == "Transactions · OurMoney"
    assert "No transactions yet." in first_page
    assert (pages_ready, submitted) == (1, 1)
    assert "Window groceries" in after and "12.34" in after
    # Closed cleanly: no address left for a second launch, the WAL folded into the database.
    assert not (data_dir / "desktop.json").exists()
    assert not (data_dir / "ourmoney.sqlite3-wal").exists()
    assert stored_transactions(data_dir) == [("Window groceries", 1234)]


def test_second_launch_shows_the_first_and_starts_no_server(display: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with start_desktop(APP, data_dir, desktop_env(display)) as first:
        url, port = first.wait_for_line(RUNNING, timeout=30).groups()
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
        time.sleep(2)  # let the window paint before the screenshot
        shot = screenshot(display, "desktop-window")
        second = subprocess.run([*APP, "--data-dir", str(data_dir)], capture_output=True,
                                text=True, timeout=60, env={**desktop_env(display)},
                                check=False)
        assert second.returncode == 0, second.stderr
        assert ALREADY.search(second.stdout).group(1) == port  # type: ignore[union-attr]
        assert "running at" not in second.stdout
        assert first.running
        assert (data_dir / "desktop.json").exists()
        assert first.stop() == 0, first.describe()
    assert not (data_dir / "desktop.json").exists()
    assert shot is None or shot.stat().st_size > 10_000


def test_without_a_display_it_says_so_and_opens_the_browser(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f"#!/bin/sh\necho \"$1\" > {opened}\n", encoding="utf-8")
    browser.chmod(0o755)
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "BROWSER": str(browser),
           "OURMONEY_DISCOVERY": "false", "OURMONEY_AUTO_SYNC": "false"}
    with start_desktop(APP, tmp_path / "data", env) as app:
        line = app.wait_for_line(re.compile(r"cannot open a window here \(no display\); opened "
                                            r"(http://127\.0\.0\.1:\d+/) in your browser"), 30)
        url = line.group(1)
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text(encoding="utf-8").strip() == url
        assert len(app.stdout_lines) == 1
        assert app.stop() == 0, app.describe()
