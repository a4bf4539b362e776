"""Helpers for the browser tests: watch a page for console errors, CSP violations and
dialogs; create data through the JSON API; read amounts as the list shows them."""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Dialog, Error, Locator, Page

    from tests.support.server import RunningServer

# Chromium reports a blocked inline script or style as a console error too; this makes
# every violation explicit, with the directive, even where the console stays quiet.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${blocked}`);
});
"""
# The one console error a page shows by design: a form answered with 400 after a
# validation error ("Failed to load resource: ... status of 400 (BAD REQUEST)").
FORM_REJECTED = re.compile(r"Failed to load resource: .*status of 400\b")


@dataclass
class PageWatch:
    """Everything a page reported that a user should never cause: console errors and
    warnings, uncaught exceptions, CSP violations and JavaScript dialogs."""

    page: Page
    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.add_init_script(REPORT_CSP_VIOLATIONS)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)
        self.page.on("dialog", self._on_dialog)

    def allow(self, pattern: re.Pattern[str]) -> None:
        """Accept console messages matching ``pattern`` (an expected 400, say)."""
        self.allowed.append(pattern)

    def unexpected(self) -> list[str]:
        """Return the problems not allowed, and every dialog."""
        found = [p for p in self.problems if not any(a.search(p) for a in self.allowed)]
        return found + [f"dialog: {message}" for message in self.dialogs]

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type} on {self.page.url}: {message.text}")

    def _on_page_error(self, error: Error) -> None:
        self.problems.append(f"uncaught exception on {self.page.url}: {error}")

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type} {dialog.message!r} on {self.page.url}")
        dialog.dismiss()


def api(server: RunningServer, method: str, path: str, body: Any = None) -> Any:
    """Call the JSON API as a loopback script does (no cookie, no Origin, so no CSRF token)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + "api/v1/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def add_transaction(server: RunningServer, description: str, amount: str, *,
                    type: str = "expense", occurred_on: str | None = None,
                    category: str | None = None, notes: str = "") -> dict[str, Any]:
    """Record a transaction through the API and return it as the API shows it."""
    body: dict[str, Any] = {"description": description, "type": type, "amount": amount,
                            "notes": notes}
    if occurred_on:
        body["occurred_on"] = occurred_on
    if category:
        body["category"] = category
    return dict(api(server, "POST", "transactions", body))


def all_transaction_ids(server: RunningServer) -> list[str]:
    """Return the ids of every transaction, following the API's pages."""
    ids: list[str] = []
    cursor = ""
    while True:
        found = api(server, "GET", f"transactions?limit=500&cursor={cursor}")
        ids += [item["id"] for item in found["items"]]
        if not found["next_cursor"]:
            return ids
        cursor = found["next_cursor"]


def money(text: str) -> Decimal:
    """Read an amount as the page shows it: "$1,234.50", "−$3.00", "-€3.00", "+$2.00"."""
    digits = re.sub(r"[^\d.]", "", text)
    value = Decimal(digits)
    return -value if ("-" in text or "\u2212" in text) else value


@dataclass(frozen=True)
class Totals:
    """The three totals above the list."""

    income: Decimal
    expense: Decimal
    balance: Decimal


def totals(page: Page) -> Totals:
    """Read the totals shown on the transactions page."""
    return Totals(*(money(page.locator(f"#total-{name}").inner_text())
                    for name in ("income", "expense", "balance")))


def row(page: Page, transaction_id: str) -> Locator:
    """Return the list row of one transaction."""
    return page.locator(f"#txn-{transaction_id}")


def row_descriptions(page: Page) -> list[str]:
    """Return the descriptions of the rows on the page, top to bottom."""
    return page.locator("li.txn:not(.txn-deleted) .txn-description").all_inner_texts()


@dataclass
class App:
    """A browser page on a running OurMoney server, watched for misbehaviour."""

    page: Page
    server: RunningServer
    watched: PageWatch

    def open(self, path: str = "") -> None:
        """Go to a page of the app, e.g. ``open("categories")``."""
        self.page.goto(self.server.url + path)

    def url(self, path: str = "") -> str:
        """Return the address of a page of the app."""
        return self.server.url + path
