"""Joining a real hub (ourmoney-hub on PostgreSQL) from the Settings page in headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.conftest import StartServer, Watch
from tests.browser.helpers import add_transaction
from tests.support.hub import EDITOR, add_household, fresh_database, member_email, start_hub

if TYPE_CHECKING:
    from playwright.sync_api import Page

SHOTS = Path("/tmp/shots")
WAKING = "The hub is waking up; trying again shortly."


def sync_now(page: Page) -> str:
    """Press Sync now in the Hub section and return the result once the round ends."""
    page.locator("#hub").get_by_role("button", name="Sync now").click()
    page.wait_for_selector('#sync-status[data-running="true"]', state="attached", timeout=5000)
    page.wait_for_selector('#sync-status[data-running="false"]', timeout=90_000)
    return " ".join(page.locator("#sync-result").inner_text().split())


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#hub").screenshot(path=str(SHOTS / f"{name}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_join_a_hub_from_settings_see_its_status_sync_and_leave(
        page: Page, phone_page: Page, start_server: StartServer, watch: Watch,
        tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    add_transaction(server, "Groceries", "54.20")
    watch(page)
    with fresh_database() as dsn:
        add_household(dsn)
        hub = start_hub(dsn)
        try:
            page.goto(server.url + "settings")
            shoot(page, "hub-join")
            form = page.locator("#hub-join")
            form.get_by_label("Hub address").fill(hub.url)
            form.get_by_label("Email").fill(member_email(EDITOR))
            form.get_by_label("Password").fill(EDITOR[1])
            form.get_by_role("button", name="Join the hub").click()
            page.wait_for_selector("#hub-leave")
            assert page.locator(".flash").inner_text() == (
                f"Joined the hub at {hub.url} as {member_email(EDITOR)} (household Home,"
                " role editor).")
            assert page.locator("#hub-household").inner_text() == "Home"
            assert page.locator("#hub-role").inner_text() == "editor"
            assert page.locator("#hub-last-sync").inner_text() == "Never synced"
            page.wait_for_selector("#hub-now[data-state=answering]")
            assert page.locator("#hub-now").inner_text() == \
                "The hub answers: 1 device in the household."
            # This server's member and its transaction (a change each) reach the hub.
            assert sync_now(page) == "Synced: pushed 2, pulled 0."
            page.reload()
            assert page.locator("#hub-last-sync").inner_text() != "Never synced"
            assert page.locator("#hub-error").count() == 0
            shoot(page, "hub-joined")
            phone_page.goto(server.url + "settings")
            shoot(phone_page, "hub-joined-360")
        finally:
            hub.stop()
        assert sync_now(page) == f"Could not sync with hub: {WAKING}"
        assert page.locator("#sync-result .sync-waking").count() == 1
        page.reload()
        assert page.locator("#hub-error").count() == 0  # not an error: the live line says it
        page.wait_for_selector("#hub-now[data-state=waking]")
        assert page.locator("#hub-now").inner_text() == WAKING
        shoot(page, "hub-waking")

        page.locator("#hub-leave summary").click()
        page.get_by_role("button", name="Yes, leave the hub").click()
        page.wait_for_selector("#hub-join")
        note = page.locator(".flash-error").inner_text()
        assert note.startswith(f"Left the hub at {hub.url} on this device only; the hub could"
                               f" not be told (Cannot reach {hub.url}hub/v1/leave (")
        page.goto(server.url + "devices")
        assert page.locator(".peer.revoked .badge").all_inner_texts() == ["sync hub", "left"]
