"""Fixtures for the browser tests: headless Chromium (Debian's) via Playwright,
driving a real ``ourmoney serve`` process.

- ``browser`` (session): a Playwright Chromium launched from /usr/bin/chromium.
  Without /usr/bin/chromium or the playwright module the tests are skipped,
  or fail when CI=true.
- ``server`` (function): a fresh server on a free port with its own data dir
  under tmp_path; has ``.url``, ``.port``, ``.data_dir``, ``.process``,
  ``.output()``.
- ``start_server(data_dir, *extra_args)`` (function): factory for more servers
  (or other arguments); every server it starts is stopped after the test.
- ``page`` (1280x800) and ``phone_page`` (360x740, mobile, touch): a new
  browser context and page per test.
- ``watch(page)`` (function): records console errors and warnings, uncaught
  exceptions, CSP violations and dialogs on that page from then on; the test
  fails at teardown if any was not explicitly allowed.
- ``app`` and ``phone_app``: ``page`` / ``phone_page`` on ``server``, watched.

Every test under tests/browser/ gets the ``browser`` marker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from tests.browser.helpers import App, PageWatch
from tests.support import server as server_support

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Fail fast: a missing element should not cost Playwright's default 30 s.
DEFAULT_TIMEOUT_MS = 10_000

HERE = Path(__file__).resolve().parent


def _unavailable(reason: str) -> NoReturn:
    """Skip locally; under CI=true a missing browser is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} not found: install Debian's chromium package "
            "(apt-get install chromium; ./bin/test does it when run as root)"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not importable ({exc}); run ./bin/test to install dev extras")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(chromium_path),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser: Browser, **context_options: Any) -> Iterator[Page]:
    context = browser.new_context(**context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from _new_page(browser, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    yield from _new_page(
        browser,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )


StartServer = Callable[..., server_support.RunningServer]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """``start_server(data_dir, *extra_args, **kw)`` -> RunningServer, stopped after the test."""
    started: list[server_support.RunningServer] = []

    def start(
        data_dir: str | os.PathLike[str], *extra_args: str, **kwargs: Any
    ) -> server_support.RunningServer:
        try:
            srv = server_support.start_server(data_dir, *extra_args, **kwargs)
        except server_support.ProcessStartError as exc:
            pytest.fail(f"ourmoney server did not start:\n{exc}", pytrace=False)
        started.append(srv)
        return srv

    try:
        yield start
    finally:
        for srv in reversed(started):
            srv.stop()


@pytest.fixture
def server(start_server: StartServer, tmp_path: Path) -> server_support.RunningServer:
    return start_server(tmp_path / "data")


Watch = Callable[["Page"], PageWatch]


@pytest.fixture
def watch() -> Iterator[Watch]:
    """``watch(page)`` -> PageWatch; fails the test at teardown if the page misbehaved."""
    watches: list[PageWatch] = []

    def start(page: Page) -> PageWatch:
        watched = PageWatch(page)
        watches.append(watched)
        return watched

    yield start
    problems = [problem for watched in watches for problem in watched.unexpected()]
    if problems:
        pytest.fail("the browser reported:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def app(page: Page, server: server_support.RunningServer, watch: Watch) -> App:
    return App(page, server, watch(page))


@pytest.fixture
def phone_app(phone_page: Page, server: server_support.RunningServer, watch: Watch) -> App:
    return App(phone_page, server, watch(phone_page))
