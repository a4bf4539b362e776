"""Reports in a real browser: no console errors or CSP violations, charts drawn, fits 360 px."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.helpers import App, add_transaction

SHOTS = Path("/tmp/shots")


def fill(app: App) -> None:
    for day, description, kind, amount, category in [
        ("2025-04-01", "Salary", "income", "2000.00", "Salary"),
        ("2025-04-02", "Rent", "expense", "800.00", "Housing"),
        ("2025-05-10", "Market", "expense", "150.25", "Groceries"),
        ("2025-06-09", "Shop", "expense", "400.00", "<b>Groceries & co</b>"),
    ]:
        add_transaction(app.server, description, amount, type=kind, occurred_on=day,
                        category=category)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("which", ["app", "phone_app"])
def test_dashboard_draws_and_fits(which: str, scheme: str, request: pytest.FixtureRequest
                                  ) -> None:
    app: App = request.getfixturevalue(which)
    app.page.emulate_media(color_scheme=scheme)
    fill(app)
    app.open("reports?period=2025-Q2")
    page = app.page
    assert page.locator("[data-total=expense]").inner_text().endswith("1,350.25")
    assert page.locator(".chart svg").count() == 6
    first = page.locator(".insights li").first.inner_text()
    assert first.startswith("Housing took 59.2% of spending: ") and first.endswith("800.00.")
    assert page.get_by_text("<b>Groceries & co</b>").first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # type: ignore[index]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reports-{which}-{scheme}.png"), full_page=True)


def test_empty_period_and_bad_period(app: App) -> None:
    app.open("reports?period=2019")
    assert app.page.locator(".empty-state h2").inner_text() == "Nothing recorded in this period"
    app.watched.allow(re.compile(r"status of 400 \(BAD REQUEST\)"))  # the refused period
    app.open("reports?period=2019-13")
    assert app.page.locator(".form-error").inner_text() == "There is no month 2019-13."
