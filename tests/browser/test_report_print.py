"""The printable report and Budgets in a real browser: no CSP violations, print styles, PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.browser.helpers import App, add_transaction

SHOTS = Path("/tmp/shots")


def test_print_page_prints_and_downloads_the_pdf(app: App, tmp_path: Path) -> None:
    for day, description, kind, amount, category in [
            ("2025-04-01", "Salary", "income", "2000.00", "Salary"),
            ("2025-04-02", "Rent", "expense", "800.00", "Housing"),
            ("2025-06-09", "Shop", "expense", "400.00", "<b>Groceries & co</b>")]:
        add_transaction(app.server, description, amount, type=kind, occurred_on=day,
                        category=category)
    app.open("reports?period=2025-Q2")
    app.page.click("#printable-report")
    page = app.page
    assert page.url.endswith("/reports/print?period=2025-Q2")
    assert page.locator("#summary tr").nth(1).inner_text().endswith("1,200.00")
    assert page.locator(".chart svg").count() == 5
    assert page.get_by_text("<b>Groceries & co</b>").first.is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(SHOTS / "report-print-chromium.pdf"), format="A4")
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("#download-pdf")
    target = tmp_path / "report.pdf"
    download.value.save_as(target)
    assert download.value.suggested_filename == "ourmoney-report-2025-Q2.pdf"
    assert target.read_bytes().startswith(b"%PDF-")


def test_set_a_budget_and_see_the_warning_on_the_list(app: App) -> None:
    today = date.today().isoformat()  # noqa: DTZ011 - the server's local date
    add_transaction(app.server, "Market", "90.00", occurred_on=today, category="Food")
    app.open("budgets")
    page = app.page
    page.select_option("select[name=category]", label="Food")
    page.fill("input[name=amount]", "100")
    page.click("text=Set budget")
    assert page.locator(".budget-table tbody tr").inner_text().split()[0] == "Food"
    app.open("")
    warning = page.locator("#budget-warnings p").inner_text()
    assert warning.startswith("Food has used 90% of its monthly budget")
