"""The Import page and the Export menu in a real browser against a real server: upload, live
preview, confirm, result, undo, duplicates on a second upload, a big file's progress bar, the
CSV download of a filtered list, and a 360 px phone. Screenshots go to /tmp/shots/import-*."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.browser.helpers import add_transaction, api, money, row_descriptions
from tests.support.fixtures import require

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.helpers import App

D = Decimal
SHOTS = Path("/tmp/shots")
FINGERPRINT = "same date, amount and description already imported"


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"import-{name}.png"), full_page=True)


def fits(page: Page, width: int) -> None:
    """Fail if the page scrolls sideways."""
    found = page.evaluate("document.documentElement.scrollWidth")
    assert found <= width, f"{page.url} is {found}px wide on a {width}px screen"


def upload(page: Page, path: Path) -> None:
    """Choose a file on the Import page and send it; wait for its preview."""
    page.locator("#import-file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page).to_have_url(re.compile(r"/import/[A-Za-z0-9_-]+$"))
    expect(page.locator("#preview-counts")).to_be_visible()


def counts(page: Page) -> list[str]:
    """Return the preview's counts as shown."""
    return [" ".join(text.split()) for text in page.locator("#preview-counts li")
            .all_inner_texts()]


def statuses(page: Page) -> list[str]:
    """Return each preview row's status cell."""
    return [" ".join(text.split()) for text in page.locator("#preview-rows td.status")
            .all_inner_texts()]


def fixture_csv() -> Path:
    """Return the real-world CSV with four transactions summing to -100.00."""
    return require() / "csv" / "actual_payee_memo.csv"


def test_a_csv_is_previewed_imported_listed_and_undone(app: App) -> None:
    page = app.page
    app.open()
    page.get_by_role("link", name="Import").click()
    expect(page.locator("h1")).to_have_text("Import")
    shot(page, "1-upload-desktop")
    upload(page, fixture_csv())

    expect(page.locator("#import-format")).to_have_value("csv")
    assert counts(page) == ["4 new", "0 duplicates", "0 errors"]
    expect(page.locator("#preview-rows td.description")).to_have_text(
        ["Payee Name", "Payee Name Only", "Note Only Text", "(no description)"])
    shot(page, "2-preview-desktop")
    # The live preview: put the notes into the description as well.
    page.get_by_label("More description").first.select_option(label="4. notes")
    expect(page.locator("#preview-rows td.description").first).to_have_text(
        "Payee Name - Note Text")
    assert counts(page) == ["4 new", "0 duplicates", "0 errors"]
    assert api(app.server, "GET", "transactions")["items"] == []
    page.locator(".sample summary").click()
    shot(page, "3-mapping-changed-desktop")

    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("#import-job h2")).to_have_text("Import finished")
    expect(page.locator("#result-counts li").first).to_contain_text("4 added")
    shot(page, "4-result-desktop")
    page.get_by_role("button", name="See the transactions").click()
    assert sorted(row_descriptions(page)) == ["(no description)", "Note Only Text",
                                              "Payee Name - Note Text", "Payee Name Only"]
    assert sum(money(text) for text in page.locator("li.txn .amount").all_inner_texts()) \
        == D("-100.00")

    page.get_by_role("link", name="Import").click()
    expect(page.locator(".batch-source")).to_have_text(["actual_payee_memo.csv"])
    shot(page, "5-recent-imports-desktop")
    page.get_by_role("button", name="Undo the import of actual_payee_memo.csv").click()
    expect(page.get_by_role("status")).to_have_text("Import undone: 4 transactions removed.")
    expect(page.locator(".batch .undone-badge")).to_have_text("undone")
    shot(page, "6-undone-desktop")
    page.get_by_role("link", name="Transactions").click()
    expect(page.locator("li.txn")).to_have_count(0)
    assert api(app.server, "GET", "transactions")["items"] == []


def test_undo_from_the_result_panel(app: App, tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_text("Date;Payee;Amount\n03.02.2025;Bakery;-2,40\n04.02.2025;Employer;1.500,00\n",
                    encoding="utf-8")
    app.open("import")
    upload(app.page, path)
    app.page.get_by_role("button", name="Confirm import").click()
    expect(app.page.locator("#result-counts li").first).to_contain_text("2 added")
    app.page.get_by_role("button", name="Undo this import").click()
    expect(app.page.get_by_role("status")).to_have_text("Import undone: 2 transactions removed.")
    assert api(app.server, "GET", "transactions")["items"] == []


def test_the_same_file_twice_is_all_duplicates_with_the_reason(app: App) -> None:
    page = app.page
    app.open("import")
    upload(page, fixture_csv())
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("#result-counts li").first).to_contain_text("4 added")

    app.open("import")
    upload(page, fixture_csv())
    assert counts(page) == ["0 new", "4 duplicates", "0 errors"]
    assert statuses(page) == [f"duplicate {FINGERPRINT}"] * 4
    shot(page, "7-duplicates-desktop")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("#result-counts li")).to_have_text(
        ["0 added", "4 duplicates skipped", "0 errors"])
    assert len(api(app.server, "GET", "transactions")["items"]) == 4


def test_a_big_file_shows_a_progress_bar_then_the_result(app: App, tmp_path: Path) -> None:
    path = tmp_path / "years.csv"
    lines = ["Date,Description,Amount"] + [
        f"2024-{1 + n % 12:02d}-{1 + n % 28:02d},Shop number {n} with a long name,-{n % 97}.25"
        for n in range(9000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 256 * 1024  # over the size that runs in the background
    app.open("import")
    upload(app.page, path)
    assert counts(app.page) == ["5000 new", "0 duplicates", "0 errors"]
    expect(app.page.locator("#preview-partial")).to_have_text(
        "These counts cover the first 5000 rows; the import reads the whole file.")
    app.page.get_by_role("button", name="Confirm import").click()
    shot(app.page, "9-progress-desktop")  # most likely still running: a bar, polled by htmx
    expect(app.page.locator("#import-job h2")).to_have_text("Import finished", timeout=60_000)
    expect(app.page.locator("#result-counts li").first).to_contain_text("9000 added")
    assert api(app.server, "GET", "transactions?limit=1")["totals"]["expense"] == str(
        sum(D(f"{n % 97}.25") for n in range(9000)))


def test_a_file_over_the_limit_is_refused_before_it_is_sent(app: App, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.truncate(50 * 1024 * 1024 + 1)  # sparse: costs no disk
    app.open("import")
    app.page.locator("#import-file").set_input_files(str(path))
    message = ("The file is larger than 50 MB. Import it with the command line instead:"
               " ourmoney import FILE")
    expect(app.page.locator("#upload-error")).to_have_text(message)
    posts: list[str] = []
    app.page.on("request", lambda request: posts.append(request.url)
                if request.method == "POST" else None)
    app.page.get_by_role("button", name="Upload and preview").click()
    app.page.wait_for_timeout(500)
    shot(app.page, "10-too-big-desktop")
    assert posts == []
    expect(app.page).to_have_url(app.url("import"))
    expect(app.page.locator("#upload-error")).to_have_text(message)


def test_the_export_menu_downloads_the_filtered_rows_as_csv(app: App) -> None:
    add_transaction(app.server, "Bread", "1.20", occurred_on="2025-03-02", category="Food")
    add_transaction(app.server, "Cinema", "9.00", occurred_on="2025-03-04", category="Fun")
    add_transaction(app.server, "Breakfast", "6.50", occurred_on="2025-04-01", category="Food")
    app.open("?q=bread")
    expect(app.page.locator("li.txn")).to_have_count(1)
    app.page.locator("#export-menu summary").click()
    shot(app.page, "8-export-menu-desktop")
    with app.page.expect_download() as waiting:
        app.page.get_by_role("link", name="CSV", exact=True).click()
    download = waiting.value
    assert re.fullmatch(r"ourmoney-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert [(row[0], row[1], row[3]) for row in rows[1:]] == [("2025-03-02", "Bread", "-1.20")]


def test_on_a_phone_the_import_page_fits_at_every_step(phone_app: App) -> None:
    page = phone_app.page
    phone_app.open("import")
    shot(page, "1-upload-phone")
    fits(page, 360)
    upload(page, fixture_csv())
    page.locator(".sample summary").tap()
    shot(page, "2-preview-phone")
    fits(page, 360)
    page.get_by_role("button", name="Confirm import").tap()
    expect(page.locator("#result-counts li").first).to_contain_text("4 added")
    shot(page, "4-result-phone")
    fits(page, 360)
    phone_app.open("import")
    shot(page, "5-recent-imports-phone")
    fits(page, 360)
    phone_app.open()
    page.locator("#export-menu summary").tap()
    shot(page, "8-export-menu-phone")
    fits(page, 360)


def test_a_workbook_sheet_is_chosen_saved_in_a_profile_and_the_profile_renamed(
        app: App, phone_app: App, tmp_path: Path) -> None:
    from tests.services.importing.test_xlsx_sheets import THREE

    path = tmp_path / "accounts.xlsx"
    path.write_bytes(THREE)
    page = app.page
    app.open("import")
    upload(page, path)
    expect(page.locator("#import-sheet")).to_have_value("Giro")
    expect(page.locator("#preview-rows td.description")).to_have_text(["Bakery", "Salary"])
    page.locator("#import-sheet").select_option("Savings")  # submits itself
    expect(page.locator("#import-sheet")).to_have_value("Savings")
    expect(page.locator("#preview-rows td.description")).to_have_text(
        ["Interest", "Transfer out", "<b>Bonus</b>"])
    shot(page, "sheet-desktop")
    page.locator("#profile-name").fill("Savings <i>bank</i>")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator("#result-counts li").first).to_contain_text("3 added")

    app.open("import")
    page.locator("#profiles-link").click()
    expect(page.locator(".profile-name")).to_have_text(["Savings <i>bank</i>"])
    shot(page, "profiles-desktop")
    page.locator(".profile-rename summary").click()
    page.locator("#rename-1").fill("Savings")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Bank profile renamed to Savings.")
    expect(page.locator(".profile-name")).to_have_text(["Savings"])

    phone = phone_app.page
    phone_app.open("import/profiles")
    phone.locator(".profile-delete summary").click()
    shot(phone, "profiles-phone")
    fits(phone, 360)
    phone.get_by_role("button", name="Delete Savings").click()
    expect(phone.get_by_role("status")).to_have_text("Bank profile Savings deleted.")
    expect(phone.locator("#no-profiles")).to_be_visible()
    phone_app.open("import")
    upload(phone, path)
    shot(phone, "sheet-phone")
    fits(phone, 360)
