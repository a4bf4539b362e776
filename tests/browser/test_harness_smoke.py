"""Checks the browser harness itself (Playwright + Debian's Chromium + the
process helper), independently of the OurMoney app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.server import start_process

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_browser_renders_a_page_from_a_local_server(page: Page, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>smoke</title><h1>hello</h1>", encoding="utf-8"
    )
    # Port 0: the OS picks a free port and http.server prints the real one.
    proc, ready = start_process(
        [
            sys.executable,
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
            str(tmp_path),
        ],
        r"Serving HTTP on 127\.0\.0\.1 port (\d+)",
    )
    with proc:
        page.goto(f"http://127.0.0.1:{ready.group(1)}/")
        assert page.locator("h1").inner_text() == "hello"
        assert page.title() == "smoke"
