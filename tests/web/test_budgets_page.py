"""The Budgets page and the budget warnings on the transactions list."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient

from ourmoney.services import budgets, categories, household, ledger
from ourmoney.services.book import Book
from tests.support.books import draft
from tests.web.test_pages import post, soup, texts

THIS_MONTH = date.today().replace(day=1).isoformat()  # noqa: DTZ011 - the app's local date


def _spend(book: Book, amount: str, occurred_on: str, category: str,
           description: str = "Shop") -> None:
    """Record an expense straight into the ledger the app serves."""
    ledger.add_transaction(book, draft(description, amount, on=date.fromisoformat(occurred_on),
                                       category=category))


def _budget_rows(book: Book) -> list[tuple[object, ...]]:
    return book.store.rows("SELECT id, amount, deleted FROM budget ORDER BY id")


def test_set_change_and_remove_a_budget_through_the_page(client: FlaskClient,
                                                         book: Book) -> None:
    food = categories.add_category(book, "Food")
    categories.add_category(book, "Salary", "income")
    page = soup(client.get("/budgets"))
    assert texts(page, "select[name=category] option") == ["Food"]  # expense categories only
    assert texts(page, "article.empty") == [
        "No budgets yet: choose an expense category and a monthly amount."]
    answer = post(client, "/budgets", category=food.id, amount="250.50", period="2025-06")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/budgets?period=2025-06")
    assert _budget_rows(book) == [(food.id, 25050, 0)]
    post(client, "/budgets", category=food.id, amount="300")
    page = soup(client.get("/budgets?period=2025-06"))
    assert [i["value"] for i in page.select("#budgets input[name=amount]")] == ["300.00"]
    assert post(client, f"/budgets/{food.id}/delete").status_code == 303
    assert _budget_rows(book) == [(food.id, 30000, 1)]


@pytest.mark.parametrize(("amount", "message"), [
    ("-5", "Amount must be greater than zero; choose Expense or Income for the direction."),
    ("0", "Amount must be greater than zero; choose Expense or Income for the direction."),
    ("1000000000000", "Amount is too large."),
    ("NaN", "Amount must be a number such as 12.34 or a sum such as 12.50+3."),
    ("ten", "Amount must be a number such as 12.34 or a sum such as 12.50+3."),
    ("=1+1", "Amount must be a number such as 12.34 or a sum such as 12.50+3."),
    ("", "Amount is required."),
])
def test_bad_amounts_are_refused_with_a_clear_message(client: FlaskClient, book: Book,
                                                       amount: str, message: str) -> None:
    food = categories.add_category(book, "Food")
    budgets.set_budget(book, food.id, "100")
    answer = post(client, "/budgets", category=food.id, amount=amount)
    assert answer.status_code == 400
    assert texts(soup(answer), "[role=alert]") == [message]
    assert _budget_rows(book) == [(food.id, 10000, 0)]


@pytest.mark.parametrize(("category", "status", "message"), [
    ("no-such-id", 400, "That category does not exist."),
    ("", 400, "Choose a category for the budget."),
    ("<script>alert(1)</script>", 400, "That category does not exist."),
    ("x' OR '1'='1", 400, "That category does not exist."),
])
def test_unknown_categories_are_refused(client: FlaskClient, book: Book, category: str,
                                        status: int, message: str) -> None:
    answer = post(client, "/budgets", category=category, amount="10")
    assert answer.status_code == status
    assert texts(soup(answer), "[role=alert]") == [message]
    assert _budget_rows(book) == []


def test_removing_a_missing_budget_and_posting_without_csrf(client: FlaskClient,
                                                           book: Book) -> None:
    food = categories.add_category(book, "Food")
    answer = post(client, f"/budgets/{food.id}/delete")
    assert answer.status_code == 404
    assert texts(soup(answer), "[role=alert]") == ["That category has no budget."]
    refused = client.post("/budgets", data={"category": food.id, "amount": "1"})
    assert refused.status_code == 403
    assert _budget_rows(book) == []


def test_budget_against_actual_on_the_page(client: FlaskClient, book: Book) -> None:
    food = categories.add_category(book, "Food")
    budgets.set_budget(book, food.id, "100.00")
    _spend(book, "100.01", "2025-01-10", "Food")
    _spend(book, "40.00", "2025-02-10", "Food")
    page = soup(client.get("/budgets?period=2025-Q1"))
    assert texts(page, ".budget-table tbody tr") == [
        "Food €100.00 €300.00 €140.01 €159.99 1 / 3 (33.3%)"]
    assert texts(page, ".budget-months tbody tr") == [
        "2025-01 -€0.01", "2025-02 €60.00", "2025-03 €100.00"]
    page = soup(client.get("/budgets?period=2025-01"))
    assert texts(page, ".budget-table tbody tr") == [
        "Food €100.00 €100.00 €100.01 €0.01 over 1 / 1 (100%)"]
    assert page.select(".budget-months") == []


def test_a_bad_period_or_member_is_a_clear_error(client: FlaskClient) -> None:
    answer = client.get("/budgets?period=2025-13")
    assert answer.status_code == 400
    assert texts(soup(answer), "[role=alert]") == ["There is no month 2025-13."]
    answer = client.get("/budgets?member=Nobody")
    assert answer.status_code == 400
    assert texts(soup(answer), "[role=alert]") == ["There is no member called Nobody."]


def test_the_list_warns_at_80_and_past_100_percent(client: FlaskClient, book: Book) -> None:
    ids = {name: categories.add_category(book, name).id for name in ("Food", "Fun", "<b>Car</b>")}
    for category_id in ids.values():
        budgets.set_budget(book, category_id, "100.00")
    _spend(book, "79.99", THIS_MONTH, "Food")
    assert soup(client.get("/")).select("#budget-warnings") == []
    _spend(book, "0.01", THIS_MONTH, "Food")
    _spend(book, "150.00", THIS_MONTH, "<b>Car</b>", "Fix")
    page = soup(client.get("/"))
    assert texts(page, "#budget-warnings p") == [
        "<b>Car</b> is over its monthly budget: €150.00 of €100.00 (150%). Budgets",
        "Food has used 80% of its monthly budget: €80.00 of €100.00. Budgets"]
    assert page.select("#budget-warnings b") == []  # a typed name stays text


def test_the_pages_speak_portuguese(client: FlaskClient, book: Book) -> None:
    household.save_preferences(book, language="pt")
    food = categories.add_category(book, "Comida")
    budgets.set_budget(book, food.id, "10")
    _spend(book, "12.50", THIS_MONTH, "Comida", "Loja")
    assert texts(soup(client.get("/")), "#budget-warnings p") == [
        "Comida ultrapassou o orçamento mensal: 12,50 € de 10,00 € (125%). Orçamentos"]
    page = soup(client.get("/budgets"))
    assert texts(page, "h1") == ["Orçamentos"]
    answer = post(client, "/budgets", category=food.id, amount="12,345")
    assert texts(soup(answer), "[role=alert]") == ["O valor pode ter no máximo 2 casas decimais."]
    assert post(client, "/budgets", category=food.id, amount="12,5").status_code == 303
    assert _budget_rows(book) == [(food.id, 1250, 0)]
