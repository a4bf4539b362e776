"""Phone access in headless Chromium: the desktop shows a code, a phone signs in and records.

Tests stay on loopback, which counts as the desktop. So the phone talks to a second server
process on the same data folder started with OURMONEY_LOOPBACK_IS_LAN=true (a test-only
setting): to that server every browser is a phone on the network and must sign in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.conftest import StartServer, Watch

if TYPE_CHECKING:
    from playwright.sync_api import Page

SHOTS = Path("/tmp/shots")


def show_code(desktop: Page, url: str) -> str:
    """Switch phone access on from the desktop and return a sign-in code it shows."""
    desktop.goto(url + "phone")
    desktop.get_by_role("button", name="Turn phone access on").click()
    desktop.get_by_role("button", name="Show a sign-in code").click()
    code = desktop.locator("#code").inner_text().strip()
    assert len(code) == 9 and code[4] == "-"
    assert desktop.locator(".phone-qr svg.qr").count() == 1
    return code


def test_a_phone_signs_in_records_and_the_desktop_sees_it(
        page: Page, phone_page: Page, start_server: StartServer, watch: Watch,
        tmp_path: Path) -> None:
    desktop_server = start_server(tmp_path / "data")
    phone_server = start_server(tmp_path / "data", env={"OURMONEY_LOOPBACK_IS_LAN": "true"})
    watch(page)
    watch(phone_page)
    code = show_code(page, desktop_server.url)

    phone_page.goto(phone_server.url + "transactions/new")
    assert phone_page.url == phone_server.url + "signin"  # no session: the sign-in page
    phone_page.get_by_label("Sign-in code").fill(code.lower())
    phone_page.get_by_role("button", name="Sign in").click()
    assert phone_page.url == phone_server.url
    assert "Signed in as" in phone_page.locator(".flash").inner_text()

    phone_page.goto(phone_server.url + "transactions/new")
    phone_page.get_by_label("Description").fill("Coffee from the phone")
    phone_page.get_by_label("Amount").fill("3.50")
    phone_page.get_by_role("button", name="Save", exact=True).click()
    assert phone_page.get_by_text("Coffee from the phone").count() == 1

    page.goto(desktop_server.url)
    assert page.get_by_text("Coffee from the phone").count() == 1
    page.goto(desktop_server.url + "phone")
    assert page.locator(".phone-item").count() == 1

    page.locator(".phone-item").get_by_role("button", name="Sign out").click()
    assert page.locator(".phone-item").count() == 0
    phone_page.goto(phone_server.url + "transactions/new")
    assert phone_page.url == phone_server.url + "signin"  # signed out at once


def test_the_qr_link_fills_in_the_code(phone_page: Page, page: Page, start_server: StartServer,
                                       watch: Watch, tmp_path: Path) -> None:
    desktop_server = start_server(tmp_path / "data")
    phone_server = start_server(tmp_path / "data", env={"OURMONEY_LOOPBACK_IS_LAN": "true"})
    watch(phone_page)
    code = show_code(page, desktop_server.url)
    phone_page.goto(f"{phone_server.url}signin?code={code}")
    assert phone_page.get_by_label("Sign-in code").input_value() == code
    phone_page.get_by_role("button", name="Sign in").click()
    assert phone_page.url == phone_server.url
    nav = phone_page.locator(".nav-links").inner_text()
    assert "Sign out" in nav and "Settings" not in nav and "Phone" not in nav


def test_screenshots_of_phone_access(page: Page, phone_page: Page, start_server: StartServer,
                                     tmp_path: Path) -> None:
    """Save /phone and /signin at 360 px and on a desktop, to look at (/tmp/shots)."""
    desktop_server = start_server(tmp_path / "data")
    phone_server = start_server(tmp_path / "data", env={"OURMONEY_LOOPBACK_IS_LAN": "true"})
    SHOTS.mkdir(parents=True, exist_ok=True)
    code = show_code(page, desktop_server.url)
    page.screenshot(path=str(SHOTS / "phone-access-phone-desktop.png"), full_page=True)
    phone_page.goto(f"{phone_server.url}signin?code={code}")
    phone_page.screenshot(path=str(SHOTS / "phone-access-signin-360.png"), full_page=True)
    page.goto(phone_server.url + "signin")
    page.screenshot(path=str(SHOTS / "phone-access-signin-desktop.png"), full_page=True)
    phone_page.get_by_role("button", name="Sign in").click()
    phone_page.screenshot(path=str(SHOTS / "phone-access-phone-home-360.png"), full_page=True)
    narrow = page.context.browser.new_context(viewport={"width": 360, "height": 740})  # type: ignore[union-attr]
    try:
        small = narrow.new_page()
        small.goto(desktop_server.url + "phone")
        small.get_by_role("button", name="Show a sign-in code").click()
        small.screenshot(path=str(SHOTS / "phone-access-phone-360.png"), full_page=True)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 360  # nothing sticks out sideways on a phone-sized window
    finally:
        narrow.close()
