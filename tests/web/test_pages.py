"""The HTML pages, read with a real parser: list, rows, form, delete/undo, manage pages."""

from __future__ import annotations

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ourmoney.services.book import Book
from tests.web.api_support import add, counts


def soup(response: TestResponse) -> BeautifulSoup:
    """Parse a page the way a browser would (html5lib)."""
    return BeautifulSoup(response.get_data(as_text=True), "html5lib")


def token(client: FlaskClient) -> str:
    """Open the list as a browser does and return the page's CSRF token."""
    meta = soup(client.get("/")).find("meta", attrs={"name": "csrf-token"})
    assert isinstance(meta, Tag)
    return str(meta["content"])


def post(client: FlaskClient, path: str, **form: str) -> TestResponse:
    """Submit a form with the page's CSRF token, as the browser would."""
    return client.post(path, data={"csrf_token": token(client), **form})


def texts(page: BeautifulSoup, selector: str) -> list[str]:
    """Return the whitespace-normalised text of every element matching `selector`."""
    return [" ".join(element.get_text().split()) for element in page.select(selector)]


def form_values(occurred_on: str = "2025-03-01", **fields: str) -> dict[str, str]:
    """Return a complete new-transaction form."""
    return {"description": "Groceries", "type": "expense", "amount": "20.00",
            "occurred_on": occurred_on, "category": "Food", "member": "", "notes": "",
            **fields}


def test_the_list_shows_exact_totals_and_rows_newest_first(client: FlaskClient) -> None:
    add(client, description="Salary", type="income", amount="1000.00", occurred_on="2025-01-31")
    add(client, description="Rent", amount="700.50", occurred_on="2025-02-01", category="Home")
    add(client, description="Coffee", amount="2.25", occurred_on="2025-02-03")
    page = soup(client.get("/"))
    assert texts(page, "#total-income") == ["€1,000.00"]
    assert texts(page, "#total-expense") == ["€702.75"]
    assert texts(page, "#total-balance") == ["€297.25"]
    assert texts(page, "li.txn .txn-description") == ["Coffee", "Rent", "Salary"]
    assert texts(page, "li.txn .amount") == ["−€2.25", "−€700.50", "+€1,000.00"]
    assert texts(page, "li.txn .badge") == ["pending"] * 3
    assert page.select("li.txn-more") == []


def test_a_full_page_ends_with_a_link_to_the_next_that_keeps_the_filters(
        client: FlaskClient) -> None:
    for number in range(52):
        add(client, description=f"Bread {number}", amount="1.00", occurred_on="2025-05-05")
    page = soup(client.get("/?q=bread&type=expense"))
    assert len(page.select("li.txn")) == 50
    more = page.select_one("li.txn-more")
    assert more is not None and more["hx-trigger"] == "revealed"
    following = client.get(str(more["hx-get"]))
    rest = soup(following)
    shown, after = texts(page, "li.txn .txn-description"), texts(rest, "li.txn .txn-description")
    # Rows added in the same millisecond are ordered by their random ids: which two come
    # last is not fixed, only that the next page holds exactly the two not shown.
    assert len(after) == 2 and not set(shown) & set(after)
    assert set(shown) | set(after) == {f"Bread {number}" for number in range(52)}
    assert "q=bread" in str(more["hx-get"]) and "type=expense" in str(more["hx-get"])
    assert rest.select("li.txn-more") == []


def test_filters_narrow_the_rows_and_the_totals(client: FlaskClient) -> None:
    add(client, description="Cinema", amount="9.00", occurred_on="2025-04-02", category="Fun")
    add(client, description="Bread", amount="1.50", occurred_on="2025-05-02", category="Food")
    page = soup(client.get("/?month=2025-04"))
    assert texts(page, "li.txn .txn-description") == ["Cinema"]
    assert texts(page, "#total-expense") == ["€9.00"]
    page = soup(client.get("/?category=Food"))
    assert texts(page, "li.txn .txn-description") == ["Bread"]
    empty = soup(client.get("/?q=nothing-like-this"))
    assert texts(empty, "article.empty p") == ["No transactions match these filters."]


def test_a_bad_filter_says_what_is_wrong_and_shows_everything(client: FlaskClient) -> None:
    add(client, description="Bread", amount="1.50")
    page = soup(client.get("/?month=2025-13"))
    assert texts(page, "[role=alert]") == ["Month must be written YYYY-MM."]
    assert texts(page, "li.txn .txn-description") == ["Bread"]


def test_an_empty_ledger_invites_the_first_transaction(client: FlaskClient) -> None:
    page = soup(client.get("/"))
    assert texts(page, "article.empty p")[0] == "No transactions yet."
    assert page.select_one("article.empty a[href='/transactions/new']") is not None


def test_the_new_form_defaults_to_today_expense_and_me(client: FlaskClient, book: Book) -> None:
    page = soup(client.get("/transactions/new"))
    today = date.today().isoformat()  # noqa: DTZ011
    assert page.select_one("input[name=occurred_on]")["value"] == today
    assert page.select_one("input[name=type][value=expense]").has_attr("checked")
    me = book.store.value("SELECT value FROM setting WHERE key = 'me'")
    assert page.select_one("select[name=member] option[selected]")["value"] == me


def test_saving_the_form_records_and_redirects_with_a_notice(client: FlaskClient,
                                                             book: Book) -> None:
    response = post(client, "/transactions", **form_values(amount="12,50+3"))
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    page = soup(client.get("/"))
    assert texts(page, ".flash") == ["Transaction saved."]
    assert texts(page, "li.txn .amount") == ["−€15.50"]
    assert counts(book)["transactions"] == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("amount", "abc", "Amount must be a number such as 12.34 or a sum such as 12.50+3."),
    ("amount", "12.345", "Amount must have at most 2 decimals."),
    ("amount", "NaN", "Amount must be a number such as 12.34 or a sum such as 12.50+3."),
    ("amount", "1e309", "Amount must be a number such as 12.34 or a sum such as 12.50+3."),
    ("description", "", "Description is required."),
    ("occurred_on", "2025-02-30", "2025-02-30 is not a date in the calendar."),
    ("type", "gift", "Type must be income or expense."),
    ("member", "nobody", "There is no member called nobody."),
])
def test_a_rejected_form_says_why_keeps_the_input_and_changes_nothing(
        client: FlaskClient, book: Book, field: str, value: str, message: str) -> None:
    before = counts(book)
    response = post(client, "/transactions", **form_values(**{field: value}))
    assert response.status_code == 400
    page = soup(response)
    assert texts(page, "#form-error") == [message]
    assert page.select_one("input[name=description]")["value"] == form_values(
        **{field: value})["description"]
    assert counts(book) == before


def test_editing_changes_only_what_was_changed(client: FlaskClient) -> None:
    txn = add(client, description="Lunch", amount="12.34", notes="with Ana")
    form = soup(client.get(f"/transactions/{txn['id']}/edit"))
    assert form.select_one("input[name=amount]")["value"] == "12.34"
    assert form.select_one("textarea[name=notes]").get_text() == "with Ana"
    values = form_values(occurred_on=txn["occurred_on"], description="Lunch", amount="13.00",
                         category="", member=txn["member_id"], notes="with Ana")
    response = post(client, f"/transactions/{txn['id']}", **values)
    assert response.status_code == 303
    changed = client.get(f"/api/v1/transactions/{txn['id']}").get_json()
    assert (changed["amount"], changed["notes"], changed["created_at"]) == (
        "13.00", "with Ana", txn["created_at"])


def test_editing_a_missing_transaction_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/transactions/no-such-id/edit")
    assert response.status_code == 404
    assert texts(soup(response), "article.notice p")[0] == "That transaction does not exist."


def test_delete_without_script_redirects_with_an_undo_that_restores(client: FlaskClient,
                                                                     book: Book) -> None:
    txn = add(client, description="Coffee", amount="3.20")
    response = post(client, f"/transactions/{txn['id']}/delete")
    assert response.status_code == 303
    page = soup(client.get("/"))
    assert page.select("li.txn") == []
    undo = page.select_one(".flash[data-expires='10'] form")
    assert undo is not None and undo["action"] == f"/transactions/{txn['id']}/restore"
    assert post(client, str(undo["action"])).status_code == 303
    assert texts(soup(client.get("/")), "li.txn .txn-description") == ["Coffee"]


def test_delete_with_htmx_swaps_the_row_and_refreshes_the_totals(client: FlaskClient) -> None:
    coffee = add(client, description="Coffee", amount="3.20", occurred_on="2025-06-01")
    add(client, description="Tea", amount="2.00", occurred_on="2025-07-01")
    headers = {"HX-Request": "true", "HX-Current-URL": "http://localhost/?month=2025-06"}
    deleted = client.post(f"/transactions/{coffee['id']}/delete", headers=headers,
                          data={"csrf_token": token(client)})
    part = soup(deleted)
    assert texts(part, "li.txn-deleted span") == ["Deleted “Coffee”."]
    totals = part.select_one("#totals")
    assert totals is not None and totals["hx-swap-oob"] == "true"
    assert texts(part, "#total-expense") == ["€0.00"]  # the June filter of the page it came from
    restored = soup(client.post(f"/transactions/{coffee['id']}/restore", headers=headers,
                                data={"csrf_token": token(client)}))
    assert texts(restored, "li.txn .txn-description") == ["Coffee"]
    assert texts(restored, "#total-expense") == ["€3.20"]


def test_a_form_post_without_the_token_is_refused(client: FlaskClient, book: Book) -> None:
    token(client)  # the browser now holds a session
    before = counts(book)
    response = client.post("/transactions", data=form_values())
    assert response.status_code == 403
    assert counts(book) == before


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "=HYPERLINK(\"x\")",
    "'; DROP TABLE transactions; --"])
def test_hostile_text_is_shown_as_text_everywhere(client: FlaskClient, hostile: str) -> None:
    add(client, description=hostile, category=hostile[:60], notes=hostile)
    post(client, "/members", name=hostile[:60])
    for path in ("/", "/categories", "/members"):
        page = soup(client.get(path))
        scripts = [s.get("src") for s in page.find_all("script")]
        assert all(src and src.startswith("/static/") for src in scripts), path
        assert page.find("img", attrs={"onerror": True}) is None, path
        shown = page.get_text() + " ".join(str(i.get("value")) for i in page.find_all("input"))
        assert hostile[:60] in shown, path


def test_categories_can_be_added_renamed_recoloured_and_merged(client: FlaskClient) -> None:
    add(client, description="Bread", category="Food")
    add(client, description="Apples", category="Groceries")
    page = soup(client.get("/categories"))
    names = [i["value"] for i in page.select("#categories input[name=name]")]
    assert names == ["Food", "Groceries"]
    food = page.select("#categories form.inline-form")[0]["action"]
    renamed = post(client, str(food), name="Eating", kind="expense", color="#112233")
    assert renamed.status_code == 303
    groceries_id = str(page.select("#categories form.merge-form")[1]["action"]).split("/")[2]
    food_id = str(food).split("/")[2]
    assert post(client, f"/categories/{groceries_id}/merge", target=food_id).status_code == 303
    page = soup(client.get("/categories"))
    assert texts(page, ".flash") == ["Merged into Eating."]
    assert [i["value"] for i in page.select("#categories input[name=name]")] == ["Eating"]
    assert page.select_one("#categories input[name=color]")["value"] == "#112233"
    assert texts(page, "#categories .count") == ["2 transactions"]


def test_a_refused_category_change_says_why_and_changes_nothing(client: FlaskClient,
                                                                book: Book) -> None:
    add(client, description="Bread", category="Food")
    before = counts(book)
    food_id = book.store.value("SELECT id FROM category")
    post(client, f"/categories/{food_id}", name="Food", color="red")
    page = soup(client.get("/categories"))
    assert texts(page, ".flash-error") == ["Colour must be written like #1a2b3c."]
    assert counts(book) == before


def test_members_can_be_added_and_renamed_but_not_duplicated(client: FlaskClient) -> None:
    assert post(client, "/members", name="Bruno").status_code == 303
    page = soup(client.get("/members"))
    assert "Bruno" in [i["value"] for i in page.select("#members input[name=name]")]
    post(client, "/members", name="bruno")
    page = soup(client.get("/members"))
    assert texts(page, ".flash-error") == ["A member named Bruno already exists."]


def test_settings_save_the_currency_and_refuse_nonsense(client: FlaskClient) -> None:
    add(client, description="Bread", amount="1.50")
    post(client, "/settings", currency="USD", language="en")
    assert texts(soup(client.get("/")), "li.txn .amount") == ["−$1.50"]
    post(client, "/settings", currency="XXXX", language="en")
    page = soup(client.get("/settings"))
    assert texts(page, ".flash-error") == [
        "Currency must be an ISO 4217 code such as EUR or USD."]
    assert page.select_one("select[name=currency] option[selected]")["value"] == "USD"


def test_every_page_is_valid_enough_to_parse_and_has_one_h1(client: FlaskClient) -> None:
    txn = add(client)
    for path in ("/", "/transactions/new", f"/transactions/{txn['id']}/edit", "/categories",
                 "/members", "/settings"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = soup(response)
        assert len(page.find_all("h1")) == 1, path
        assert re.fullmatch(r".+ · OurMoney", page.title.get_text()), path


def test_settings_offer_every_currency_by_name(client: FlaskClient) -> None:
    page = soup(client.get("/settings"))
    nzd = page.select_one("select[name=currency] option[value=NZD]")
    assert nzd is not None and nzd.get_text() == "NZD — New Zealand Dollar"
    post(client, "/settings", currency="NZD", language="en")
    chosen = soup(client.get("/settings")).select_one("select[name=currency] option[selected]")
    assert chosen is not None and chosen["value"] == "NZD"
