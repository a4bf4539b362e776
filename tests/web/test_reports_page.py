"""The reports dashboard and GET /api/v1/reports on a hand-built ledger."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from ourmoney.services import household, ledger
from ourmoney.services.book import Book
from tests.services.reports.ledger import build
from tests.support.books import draft
from tests.web.api_support import API, conforms


def page(client: FlaskClient, query: str, status: int = 200) -> BeautifulSoup:
    response = client.get(f"/reports{query}")
    assert response.status_code == status
    return BeautifulSoup(response.get_data(as_text=True), "html5lib")


def texts(soup: BeautifulSoup, selector: str) -> list[str]:
    return [" ".join(e.get_text(" ", strip=True).split()) for e in soup.select(selector)]


def test_dashboard_shows_the_exact_numbers(client: FlaskClient, book: Book) -> None:
    build(book)
    soup = page(client, "?period=2025-Q2")
    assert [soup.select_one(f"[data-total={n}]").get_text() for n in
            ("income", "expense", "balance")] == ["€6,000.00", "€3,110.00", "€2,890.00"]
    assert texts(soup, ".report-table tbody tr")[:3] == [
        "Housing €2,400.00 77.2%", "Groceries €700.00 22.5%", "Uncategorised €10.00 0.3%"]
    assert "Apr 2025 €2,000.00 €900.00 €1,100.00" in texts(soup, ".report-table tbody tr")
    insights = texts(soup, ".insights li")
    assert insights[3] == "The savings rate was 48.2%: €2,890.00 of €6,000.00 income kept."
    assert len(soup.select(".chart svg")) == 6
    assert soup.select_one(".period-name").get_text() == "2025-Q2"
    assert soup.select_one("a[aria-current=page]", string="Reports") is not None


def test_member_filter_and_custom_months(client: FlaskClient, book: Book) -> None:
    build(book)
    soup = page(client, "?from=2025-04&to=2025-05&member=ana")
    assert [soup.select_one(f"[data-total={n}]").get_text() for n in
            ("income", "expense")] == ["€4,000.00", "€149.75"]
    assert soup.select_one("option[selected]").get_text() == "Ana"
    assert soup.select_one(".period-name").get_text() == "2025-04..2025-05"


def test_empty_period_is_friendly(client: FlaskClient, book: Book) -> None:
    soup = page(client, "?period=2019")
    assert texts(soup, ".empty-state h2") == ["Nothing recorded in this period"]
    assert soup.select("svg.pygal-chart") == [] and soup.select(".insights") == []


@pytest.mark.parametrize(("query", "message"), [
    ("?period=2025-13", "There is no month 2025-13."),
    ("?period=%3Cscript%3E", "Period must be a month (2025-06), a quarter (2025-Q2) or a year"
                             " (2025)."),
    ("?member=Nobody", "There is no member called Nobody."),
])
def test_bad_input_is_a_clear_error(client: FlaskClient, query: str, message: str) -> None:
    response = client.get(f"/reports{query}")
    assert response.status_code in (400, 404)
    soup = BeautifulSoup(response.get_data(as_text=True), "html5lib")
    assert texts(soup, ".form-error") == [message]
    assert "<script>" not in response.get_data(as_text=True).split("<main")[1].split(
        "</main>")[0].replace('<script src', '')


def test_hostile_names_are_escaped(client: FlaskClient, book: Book) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    ledger.add_transaction(book, draft(hostile, "5.00", on=date(2025, 3, 3), category=hostile))
    html = client.get("/reports?period=2025-03").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_portuguese_formats_amounts(client: FlaskClient, book: Book) -> None:
    build(book)
    household.save_preferences(book, language="pt")
    soup = page(client, "?period=2025-Q2")
    assert soup.select_one("[data-total=expense]").get_text() == "3\xa0110,00\xa0€"
    assert soup.select_one("h1").get_text() == "Relatórios"


def test_api_report_matches_the_schema(client: FlaskClient, book: Book) -> None:
    ids = build(book)
    found = client.get(f"{API}/reports?period=2025-Q2").get_json()
    conforms("Report", found)
    assert found["totals"] == {"income": "6000.00", "expense": "3110.00", "balance": "2890.00",
                               "savings_rate": "0.4817", "daily_spending": "34.18", "count": 11}
    assert [(s["category"]["name"], s["amount"], s["share"]) for s in found["spending"]] == [
        ("Housing", "2400.00", "0.7717"), ("Groceries", "700.00", "0.2251"),
        (None, "10.00", "0.0032")]
    assert found["period"] == {"key": "2025-Q2", "kind": "quarter", "from": "2025-04-01",
                               "to": "2025-06-30"}
    mine = client.get(f"{API}/reports?period=2025-Q2&member={ids['Ana']}").get_json()
    assert (mine["member"], mine["totals"]["expense"]) == (ids["Ana"], "149.75")
    conforms("Report", client.get(f"{API}/reports?period=1999").get_json())


@pytest.mark.parametrize(("query", "status", "error"), [
    ("?period=2025-00", 400, "There is no month 2025-00."),
    ("?from=2025-06&to=2025-01", 400, "The last month must not be before the first."),
    ("?member=%27%20OR%201%3D1", 404, "There is no member called ' OR 1=1."),
])
def test_api_bad_input(client: FlaskClient, query: str, status: int, error: str) -> None:
    response = client.get(f"{API}/reports{query}")
    assert (response.status_code, response.get_json()["error"]) == (status, error)
