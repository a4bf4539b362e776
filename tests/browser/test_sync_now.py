"""Sync now in headless Chromium between two real servers paired with the CLI."""

from __future__ import annotations

import socket
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.conftest import StartServer, Watch
from tests.browser.helpers import add_transaction, api
from tests.test_cli_devices import info, new_code, ourmoney

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.support.server import RunningServer

SHOTS = Path("/tmp/shots")
HOSTILE = "<img src=x onerror=alert(1)>Laptop"


def paired(start_server: StartServer, tmp_path: Path) -> tuple[RunningServer, RunningServer]:
    """Start A and B (automatic sync off) and pair B with A through the command line."""
    a = start_server(tmp_path / "a")
    b = start_server(tmp_path / "b")
    done = ourmoney("pair", a.url, new_code(a.data_dir), "--data-dir", str(b.data_dir))
    assert done.returncode == 0, done.stderr
    return a, b


def sync_now(page: Page) -> str:
    """Press Sync now, see the round run and end; return the result line."""
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_selector('#sync-status[data-running="true"]', state="attached", timeout=5000)
    page.wait_for_selector('#sync-status[data-running="false"]', timeout=30_000)
    return " ".join(page.locator("#sync-result").inner_text().split())


def test_sync_now_on_the_devices_page_brings_the_other_devices_transaction(
        page: Page, start_server: StartServer, watch: Watch, tmp_path: Path) -> None:
    a, b = paired(start_server, tmp_path)
    watch(page)
    lunch = add_transaction(a, "Lunch on A", "12.50")
    page.goto(b.url + "devices")
    assert page.locator("#sync-status[data-running=false]").count() == 1
    # Each server added its user as a member; the same name, so the same row (see
    # tests/test_sync_processes.py): B pulls that and the lunch, and pushes its own member.
    assert sync_now(page) == "Synced: pushed 1, pulled 2."
    assert page.get_by_role("button", name="Sync now").is_enabled()
    page.goto(b.url)
    assert page.locator(f"#txn-{lunch['id']} .txn-description").inner_text() == "Lunch on A"
    assert page.locator("#pending-count").inner_text() == "all synced"


def test_sync_now_on_the_list_and_a_failed_device(page: Page, start_server: StartServer,
                                                  watch: Watch, tmp_path: Path) -> None:
    a, b = paired(start_server, tmp_path)
    watch(page)
    add_transaction(b, "Taxi on B", "9.00")
    page.goto(b.url)
    assert page.locator("#pending-count").inner_text() == "1 pending"
    assert sync_now(page) == "Synced: pushed 2, pulled 1. Show the changes"
    page.get_by_role("link", name="Show the changes").click()
    assert page.locator("#pending-count").inner_text() == "all synced"
    name = info(a)["name"]
    a.stop()
    assert sync_now(page) == (f"Could not sync with {name}: Cannot reach {a.url}"
                              " ([Errno 111] Connection refused).")
    assert page.locator("#sync-result .sync-done").count() == 0


def conflicting_edit(a: RunningServer, b: RunningServer, b_page: Page) -> str:
    """Edit one amount on both devices (A later) and sync B: A's edit wins on B."""
    lunch = add_transaction(b, "Lunch", "12.50", notes="<b>team</b> =1+1")
    sync_now(b_page)
    api(b, "PATCH", f"transactions/{lunch['id']}", {"amount": "13.00"})
    time.sleep(0.01)
    api(a, "PATCH", f"transactions/{lunch['id']}", {"amount": "30.00"})
    b_page.goto(b.url + "devices")
    sync_now(b_page)
    return str(lunch["id"])


def hold_back_a_change(b: RunningServer, sender: str) -> None:
    """Put a change from a clock 20 minutes ahead into B's quarantine (as apply would)."""
    ahead = int(time.time() * 1000) + 20 * 60 * 1000
    with sqlite3.connect(b.data_dir / "ourmoney.sqlite3") as db:
        db.execute("INSERT INTO quarantine (hlc, origin, entity, row_id, fields, sender,"
                   " received_at) VALUES (?, ?, 'transaction', 'r1', ?, ?,"
                   " '2026-03-01T10:00:00.000Z')",
                   (f"{ahead:013d}-0000-{sender}", sender,
                    '{"description":"<script>alert(1)</script> Dinner"}', sender))
    db.close()


def test_another_devices_edit_won_and_screenshots(
        page: Page, phone_page: Page, start_server: StartServer, watch: Watch,
        tmp_path: Path) -> None:
    """The notice on the row and the form, dismissed; held-back changes; shots (/tmp/shots)."""
    a, b = paired(start_server, tmp_path)
    watch(page)
    watch(phone_page)
    page.goto(b.url + "devices")
    a_id = page.locator("#peers li").get_attribute("data-device-id")
    assert a_id
    page.locator(".rename-form input[name=name]").fill(HOSTILE)
    page.get_by_role("button", name="Rename").click()
    lunch = conflicting_edit(a, b, page)
    hold_back_a_change(b, a_id)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot, where in (("sync-devices", "devices"), ("sync-list", "")):
        for viewer, size in ((page, "desktop"), (phone_page, "360")):
            viewer.goto(b.url + where)
            viewer.screenshot(path=str(SHOTS / f"{shot}-{size}.png"), full_page=True)
            assert viewer.evaluate("document.documentElement.scrollWidth") <= \
                (360 if size == "360" else 1280)
    page.goto(b.url + "devices")
    assert page.locator(".held-what").inner_text() == \
        "Transaction: <script>alert(1)</script> Dinner"
    assert "20 min ahead" in page.locator(".held-ahead").inner_text()

    page.goto(b.url)
    notice = page.locator(f"#txn-{lunch} .sync-notice")
    assert notice.locator(".sync-notice-text").inner_text() == \
        f"Changed on {HOSTILE}: your edit of amount was replaced."
    page.get_by_role("link", name="Lunch").click()
    assert page.locator(".sync-notice-text").count() == 1
    page.screenshot(path=str(SHOTS / "sync-edit-desktop.png"), full_page=True)
    page.goto(b.url)
    notice.get_by_role("button", name="Dismiss").click()
    notice.wait_for(state="detached")
    page.reload()
    assert page.locator(".sync-notice").count() == 0


def test_progress_while_a_device_is_slow_to_answer(
        page: Page, phone_page: Page, start_server: StartServer, watch: Watch,
        tmp_path: Path) -> None:
    """A device that accepts but does not answer yet: its bar shows until it fails; shots."""
    _, b = paired(start_server, tmp_path)
    watch(page)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never answers
        port = silent.getsockname()[1]
        with sqlite3.connect(b.data_dir / "ourmoney.sqlite3") as db:
            db.execute("UPDATE peer SET url = ?", (f"http://127.0.0.1:{port}/",))
        db.close()
        page.goto(b.url + "devices")
        page.get_by_role("button", name="Sync now").click()
        page.wait_for_selector('#sync-progress li[data-stage="pull"]', timeout=5000)
        assert page.get_by_role("button", name="Syncing…").is_disabled()
        assert page.locator("#sync-progress li").inner_text().split()[-1] == "receiving"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "sync-progress-desktop.png"), full_page=True)
        phone_page.goto(b.url)
        phone_page.screenshot(path=str(SHOTS / "sync-progress-list-360.png"), full_page=True)
        assert phone_page.locator("#sync-progress progress").count() == 1
    page.wait_for_selector('#sync-status[data-running="false"]', timeout=30_000)
    assert page.locator("#sync-result .sync-failed").inner_text().startswith("Could not sync")
