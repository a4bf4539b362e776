"""The transactions pages in a real browser against a real server: add, edit, delete and
undo, filters, infinite scroll, keyboard shortcuts, escaping, and a 360 px phone."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.browser.helpers import (
    FORM_REJECTED,
    Totals,
    add_transaction,
    all_transaction_ids,
    api,
    money,
    row,
    row_descriptions,
    totals,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import StartServer, Watch
    from tests.browser.helpers import App

D = Decimal
AMOUNT_ERROR = "Amount must be a number such as 12.34 or a sum such as 12.50+3."


def fill_form(page: Page, *, description: str, amount: str, category: str = "",
              notes: str = "", occurred_on: str = "", income: bool = False) -> None:
    """Fill the transaction form as a person would (type first, then the fields)."""
    page.get_by_label("Income" if income else "Expense", exact=True).check()
    page.get_by_label("Description").fill(description)
    page.get_by_label("Amount").fill(amount)
    if occurred_on:
        page.get_by_label("Date").fill(occurred_on)
    page.get_by_label("Category").fill(category)
    page.get_by_label("Notes").fill(notes)


def save(app: App) -> None:
    """Press Save and wait for the list it leads to."""
    app.page.get_by_role("button", name="Save", exact=True).click()
    expect(app.page).to_have_url(app.url())


def listed(page: Page, description: str) -> list[str]:
    """Return the amounts shown in rows with exactly this description."""
    rows = page.locator("li.txn:not(.txn-deleted)").filter(
        has=page.get_by_role("link", name=description, exact=True))
    return rows.locator(".amount").all_inner_texts()


# -- add ------------------------------------------------------------------------------


def test_a_transaction_added_with_the_form_is_listed_and_changes_the_totals(app: App) -> None:
    add_transaction(app.server, "Salary", "1000.00", type="income")
    add_transaction(app.server, "Rent", "300.00")
    app.open()
    assert totals(app.page) == Totals(D("1000.00"), D("300.00"), D("700.00"))

    app.page.get_by_role("button", name="+ New").click()
    expect(app.page).to_have_url(app.url("transactions/new"))
    expect(app.page.get_by_label("Description")).to_be_focused()
    expect(app.page.get_by_label("Expense", exact=True)).to_be_checked()
    fill_form(app.page, description="Lunch with Ana", amount="12.34", category="Food",
              notes="team day")
    save(app)

    expect(app.page.get_by_role("status").filter(has_text="Transaction saved.")).to_be_visible()
    assert [money(a) for a in listed(app.page, "Lunch with Ana")] == [D("-12.34")]
    lunch = app.page.locator("li.txn", has_text="Lunch with Ana")
    expect(lunch.locator(".txn-meta")).to_contain_text("Food")
    expect(lunch.locator(".txn-meta")).to_contain_text("team day")
    assert totals(app.page) == Totals(D("1000.00"), D("312.34"), D("687.66"))


def test_an_amount_with_a_decimal_comma_and_a_sum_is_added_up(app: App) -> None:
    app.open("transactions/new")
    fill_form(app.page, description="Market", amount="12,50+3")
    save(app)

    assert [money(a) for a in listed(app.page, "Market")] == [D("-15.50")]
    assert totals(app.page) == Totals(D("0.00"), D("15.50"), D("-15.50"))
    assert [t["amount"] for t in api(app.server, "GET", "transactions")["items"]] == ["15.50"]


def test_save_and_add_another_comes_back_to_an_empty_form(app: App) -> None:
    app.open("transactions/new")
    fill_form(app.page, description="Refund", amount="5", income=True)
    app.page.get_by_role("button", name="Save and add another").click()

    expect(app.page).to_have_url(app.url("transactions/new"))
    expect(app.page.get_by_role("status")).to_have_text("Transaction saved.")
    expect(app.page.get_by_label("Description")).to_have_value("")
    expect(app.page.get_by_label("Amount")).to_have_value("")
    app.open()
    assert [money(a) for a in listed(app.page, "Refund")] == [D("5.00")]


def test_a_rejected_amount_shows_the_message_and_keeps_what_was_typed(app: App) -> None:
    app.watched.allow(FORM_REJECTED)
    app.open("transactions/new")
    fill_form(app.page, description="Bonus <b>big</b>", amount="abc", category="Extras",
              notes="keep me", occurred_on="2026-03-04", income=True)
    with app.page.expect_response(app.url("transactions")) as answer:
        app.page.get_by_role("button", name="Save", exact=True).click()

    assert answer.value.status == 400
    expect(app.page.get_by_role("alert")).to_have_text(AMOUNT_ERROR)
    expect(app.page.get_by_label("Amount")).to_have_value("abc")
    expect(app.page.get_by_label("Amount")).to_have_attribute("aria-invalid", "true")
    expect(app.page.get_by_label("Description")).to_have_value("Bonus <b>big</b>")
    expect(app.page.get_by_label("Income", exact=True)).to_be_checked()
    expect(app.page.get_by_label("Date")).to_have_value("2026-03-04")
    expect(app.page.get_by_label("Category")).to_have_value("Extras")
    expect(app.page.get_by_label("Notes")).to_have_value("keep me")
    assert api(app.server, "GET", "transactions")["items"] == []

    app.page.get_by_label("Amount").fill("250")
    save(app)
    assert [money(a) for a in listed(app.page, "Bonus <b>big</b>")] == [D("250.00")]


# -- edit and delete ----------------------------------------------------------------------


def test_editing_a_transaction_changes_its_row_and_the_totals(app: App) -> None:
    groceries = add_transaction(app.server, "Groceries", "40.00", category="Food",
                                occurred_on="2026-03-10")
    app.open()
    app.page.get_by_role("link", name="Groceries", exact=True).click()

    expect(app.page).to_have_url(app.url(f"transactions/{groceries['id']}/edit"))
    expect(app.page.get_by_label("Amount")).to_have_value("40.00")
    expect(app.page.get_by_label("Category")).to_have_value("Food")
    app.page.get_by_label("Description").fill("Groceries (weekly)")
    app.page.get_by_label("Amount").fill("45.5")
    app.page.get_by_label("Category").fill("Home")
    save(app)

    assert listed(app.page, "Groceries") == []
    assert [money(a) for a in listed(app.page, "Groceries (weekly)")] == [D("-45.50")]
    expect(row(app.page, groceries["id"]).locator(".txn-meta")).to_contain_text("Home")
    assert totals(app.page) == Totals(D("0.00"), D("45.50"), D("-45.50"))
    stored = api(app.server, "GET", f"transactions/{groceries['id']}")
    assert (stored["description"], stored["amount"], stored["category"]) == (
        "Groceries (weekly)", "45.50", "Home")


def test_a_deleted_transaction_comes_back_with_undo(app: App) -> None:
    coffee = add_transaction(app.server, "Coffee", "3.20")
    add_transaction(app.server, "Bread", "2.10")
    app.open()
    before = totals(app.page)

    row(app.page, coffee["id"]).get_by_role("button", name="Delete Coffee").click()
    deleted = row(app.page, coffee["id"])
    expect(deleted).to_have_class("txn txn-deleted")
    expect(deleted).to_contain_text("Deleted “Coffee”.")
    expect(app.page.locator("#total-expense")).to_contain_text("2.10")
    assert totals(app.page) == Totals(D("0.00"), D("2.10"), D("-2.10"))
    deleted.get_by_role("button", name="Undo").click()

    expect(row(app.page, coffee["id"])).not_to_have_class("txn txn-deleted")
    expect(app.page.locator("#total-expense")).to_contain_text("5.30")
    assert totals(app.page) == before
    assert [money(a) for a in listed(app.page, "Coffee")] == [D("-3.20")]
    app.page.reload()
    assert row_descriptions(app.page) == ["Bread", "Coffee"]
    assert totals(app.page) == before == Totals(D("0.00"), D("5.30"), D("-5.30"))


def test_a_deleted_transaction_is_gone_after_a_reload(app: App) -> None:
    coffee = add_transaction(app.server, "Coffee", "3.20")
    bread = add_transaction(app.server, "Bread", "2.10")
    app.open()

    row(app.page, coffee["id"]).get_by_role("button", name="Delete Coffee").click()
    expect(row(app.page, coffee["id"])).to_contain_text("Deleted “Coffee”.")
    app.page.reload()

    expect(row(app.page, coffee["id"])).to_have_count(0)
    assert row_descriptions(app.page) == ["Bread"]
    assert totals(app.page) == Totals(D("0.00"), D("2.10"), D("-2.10"))
    assert all_transaction_ids(app.server) == [bread["id"]]


def test_the_undo_row_disappears_after_ten_seconds(app: App) -> None:
    coffee = add_transaction(app.server, "Coffee", "3.20")
    app.page.clock.install()
    app.open()

    row(app.page, coffee["id"]).get_by_role("button", name="Delete Coffee").click()
    expect(row(app.page, coffee["id"])).to_contain_text("Deleted “Coffee”.")
    app.page.clock.run_for(9_000)
    expect(row(app.page, coffee["id"])).to_be_visible()
    app.page.clock.run_for(1_500)
    expect(row(app.page, coffee["id"])).to_have_count(0)


# -- filters --------------------------------------------------------------------------------


def test_searching_shows_only_matching_transactions(app: App) -> None:
    add_transaction(app.server, "Coffee in Lisboa", "2.50")
    add_transaction(app.server, "Lisboa metro", "1.80")
    add_transaction(app.server, "Groceries", "30.00", notes="not in the city")
    app.open()

    app.page.get_by_role("searchbox").fill("lisboa")
    app.page.get_by_role("searchbox").press("Enter")

    expect(app.page).to_have_url(app.url("?q=lisboa"))
    assert sorted(row_descriptions(app.page)) == ["Coffee in Lisboa", "Lisboa metro"]
    assert totals(app.page) == Totals(D("0.00"), D("4.30"), D("-4.30"))
    app.page.get_by_role("button", name="Clear").click()
    assert len(row_descriptions(app.page)) == 3


def test_choosing_a_category_filters_at_once(app: App) -> None:
    add_transaction(app.server, "Supermarket", "41.00", category="Food")
    add_transaction(app.server, "Bakery", "4.00", category="Food")
    add_transaction(app.server, "Bus", "1.50", category="Transport")
    app.open()

    app.page.get_by_label("Category").select_option(label="Food")

    expect(app.page).to_have_url(re.compile(r"\?category=[^&]+$"))
    assert sorted(row_descriptions(app.page)) == ["Bakery", "Supermarket"]
    assert totals(app.page) == Totals(D("0.00"), D("45.00"), D("-45.00"))
    expect(app.page.get_by_label("Category").locator("option:checked")).to_have_text("Food")


def test_choosing_a_month_filters_at_once(app: App) -> None:
    add_transaction(app.server, "February", "1.00", occurred_on="2026-02-28")
    add_transaction(app.server, "Early March", "2.00", occurred_on="2026-03-01")
    add_transaction(app.server, "Late March", "3.00", occurred_on="2026-03-31")
    add_transaction(app.server, "April", "4.00", occurred_on="2026-04-01")
    app.open()

    app.page.get_by_label("Month").fill("2026-03")

    expect(app.page).to_have_url(app.url("?month=2026-03"))
    assert row_descriptions(app.page) == ["Late March", "Early March"]
    assert totals(app.page) == Totals(D("0.00"), D("5.00"), D("-5.00"))


# -- infinite scroll ------------------------------------------------------------------------


def test_scrolling_loads_every_transaction_exactly_once(
        page: Page, start_server: StartServer, watch: Watch, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    subprocess.run([sys.executable, "-m", "ourmoney", "demo", "--transactions", "173",
                    "--data-dir", str(data_dir)], check=True, capture_output=True, timeout=120)
    server = start_server(data_dir)
    watch(page)
    page.goto(server.url)
    rows = page.locator("li.txn")
    expect(rows).to_have_count(50)

    loads = 0
    while page.locator("li.txn-more").count() and loads < 10:
        shown = rows.count()
        page.mouse.wheel(0, 20_000)
        page.wait_for_function("n => document.querySelectorAll('li.txn').length > n", arg=shown)
        loads += 1

    ids = rows.evaluate_all("rows => rows.map(row => row.dataset.id)")
    assert loads == 3  # 50 + 50 + 50 + 23
    assert len(ids) == 173
    assert len(set(ids)) == 173
    assert ids == all_transaction_ids(server)
    expect(page.locator("li.txn-more")).to_have_count(0)


# -- keyboard -------------------------------------------------------------------------------


def test_slash_focuses_search_and_n_opens_a_new_transaction(app: App) -> None:
    app.open()
    app.page.keyboard.press("/")
    expect(app.page.get_by_role("searchbox")).to_be_focused()
    app.page.keyboard.type("nap")  # "n" typed into a field is text, not the shortcut
    expect(app.page.get_by_role("searchbox")).to_have_value("nap")
    expect(app.page).to_have_url(app.url())

    app.page.get_by_role("heading", name="Transactions").click()  # leave the field
    app.page.keyboard.press("n")
    expect(app.page).to_have_url(app.url("transactions/new"))

    app.open("categories")
    app.page.keyboard.press("n")
    expect(app.page).to_have_url(app.url("transactions/new"))


# -- escaping -------------------------------------------------------------------------------


def test_markup_in_descriptions_and_notes_is_shown_as_text(app: App) -> None:
    script = "<script>alert('script')</script>"
    image = "<img src=x onerror=alert('img')>"
    add_transaction(app.server, image, "1.00", notes="<b>bold</b> <svg onload=alert(1)>")
    app.open("transactions/new")
    fill_form(app.page, description=script, amount="2", category="<i>cat</i>")
    save(app)

    expect(app.page.get_by_role("link", name=script, exact=True)).to_be_visible()
    expect(app.page.get_by_role("link", name=image, exact=True)).to_be_visible()
    expect(app.page.locator("#transactions")).to_contain_text("<b>bold</b>")
    expect(app.page.locator("#transactions")).to_contain_text("<i>cat</i>")
    for tag in ("script", "img", "b", "i", "svg:not(.dot)"):
        expect(app.page.locator(f"#transactions {tag}")).to_have_count(0)

    app.page.get_by_role("link", name=image, exact=True).click()
    expect(app.page.get_by_label("Description")).to_have_value(image)
    app.page.go_back()
    app.page.locator("li.txn", has_text=script).get_by_role("button").click()
    expect(app.page.locator("li.txn-deleted")).to_have_text(f"Deleted “{script}”. Undo")
    assert app.watched.dialogs == []


# -- phone ----------------------------------------------------------------------------------


def assert_fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide on a 360px phone"


def test_on_a_phone_the_pages_fit_and_a_transaction_can_be_added(phone_app: App) -> None:
    page = phone_app.page
    add_transaction(phone_app.server, "Monthly subscription to an extremely long named service",
                    "1234567.89", category="Entertainment and leisure activities",
                    notes="a note long enough to wrap on a small screen, twice over at least")
    add_transaction(phone_app.server, "Salary", "2500.00", type="income")
    for path in ("", "transactions/new", "categories", "members", "settings", "?q=zzz"):
        phone_app.open(path)
        assert_fits_phone(page)
        for link in page.locator(".nav-links a").all():
            box = link.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360

    phone_app.open()
    page.get_by_role("button", name="+ New").tap()
    expect(page).to_have_url(phone_app.url("transactions/new"))
    fill_form(page, description="Bus ticket", amount="1,80", category="Transport")
    assert_fits_phone(page)
    page.get_by_role("button", name="Save", exact=True).tap()

    expect(page).to_have_url(phone_app.url())
    assert [money(a) for a in listed(page, "Bus ticket")] == [D("-1.80")]
    assert totals(page) == Totals(D("2500.00"), D("1234569.69"), D("-1232069.69"))
    assert_fits_phone(page)
    for name in ("income", "expense", "balance"):
        total = page.locator(f"#total-{name}")
        overflow = total.evaluate("el => el.scrollWidth > el.clientWidth")
        assert not overflow, f"#total-{name} is cut off on a phone"
