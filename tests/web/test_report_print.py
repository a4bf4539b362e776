"""The printable report and its PDF: numbers equal values computed here, by hand."""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
from babel.numbers import format_currency
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from ourmoney.services import budgets, categories, ledger, members
from ourmoney.services.book import Book
from tests.support.books import draft
from tests.web.test_pages import soup

# (day, description, kind, amount, category): the hand-built first quarter of 2025.
LEDGER = (
    ("2025-01-05", "Salary", "income", "2000.00", "Salary"),
    ("2025-01-10", "Rent", "expense", "700.00", "Home"),
    ("2025-01-15", "Groceries", "expense", "123.45", "Food"),
    ("2025-02-03", "Groceries", "expense", "76.55", "Food"),
    ("2025-02-20", "Cinema <b>3D</b>", "expense", "30.10", "Fun"),
    ("2025-03-01", "Salary", "income", "2000.00", "Salary"),
    ("2025-03-15", "Rent", "expense", "700.00", "Home"),
)
MONTHS = {"2025-01": "January 2025", "2025-02": "February 2025", "2025-03": "March 2025"}


def texts(page: BeautifulSoup, selector: str) -> list[str]:
    """Return the text of each match, its cells separated by one space."""
    return [" ".join(element.get_text(" ").split()) for element in page.select(selector)]


def euros(amount: Decimal) -> str:
    """Format as the English page does."""
    return str(format_currency(amount, "EUR", locale="en"))


def percent(part: Decimal, whole: Decimal) -> str:
    """Return part/whole as the pages show it: one decimal at most, rounded half-even."""
    value = (part / whole * 100).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
    return f"{value.normalize():f}%"


@pytest.fixture
def quarter(book: Book) -> Book:
    """Record LEDGER and give Food a budget of 100.00 a month."""
    for day, description, kind, amount, category in LEDGER:
        ledger.add_transaction(book, draft(description, amount, kind=kind, category=category,
                                           on=date.fromisoformat(day)))
    budgets.set_budget(book, categories.find_by_name(book, "Food").id, "100.00")  # type: ignore[union-attr]
    return book


def expected_rows() -> dict[str, list[str]]:
    """Work out, from LEDGER alone, every table row the report shows."""
    income = sum(Decimal(a) for _, _, k, a, _ in LEDGER if k == "income")
    expense = sum(Decimal(a) for _, _, k, a, _ in LEDGER if k == "expense")
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    flows: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for day, _, kind, amount, category in LEDGER:
        flows[day[:7], kind] += Decimal(amount)
        if kind == "expense":
            by_category[category] += Decimal(amount)
            counts[category] += 1
    daily = (expense / 90).quantize(Decimal("0.01"))
    food = {m: Decimal(0) for m in MONTHS}
    for day, _, _kind, amount, category in LEDGER:
        if category == "Food":
            food[day[:7]] += Decimal(amount)
    over = sum(1 for spent in food.values() if spent > 100)
    spent = sum(food.values(), Decimal(0))
    return {
        "summary": [f"Income {euros(income)}", f"Expense {euros(expense)}",
                    f"Balance {euros(income - expense)}",
                    f"Savings rate {percent(income - expense, income)}",
                    f"Average daily spending {euros(daily)}", f"Transactions {len(LEDGER)}"],
        "spending": [f"{name} {euros(total)} {percent(total, expense)} {counts[name]}"
                     for name, total in sorted(by_category.items(), key=lambda i: -i[1])],
        "months": [f"{label} {euros(flows[m, 'income'])} {euros(flows[m, 'expense'])} "
                   f"{euros(flows[m, 'income'] - flows[m, 'expense'])}"
                   for m, label in MONTHS.items()],
        "budgets": [f"Food €100.00 €300.00 {euros(spent)} {euros(300 - spent)} "
                    f"{over} / 3 ({percent(Decimal(over), Decimal(3))})"],
        "budget-months": [f"{label} {euros(100 - food[m])}" for m, label in MONTHS.items()],
    }


def test_expected_values_are_what_a_person_works_out() -> None:
    rows = expected_rows()
    assert rows["summary"] == [
        "Income €4,000.00", "Expense €1,630.10", "Balance €2,369.90", "Savings rate 59.2%",
        "Average daily spending €18.11", "Transactions 7"]
    assert rows["spending"] == ["Home €1,400.00 85.9% 2", "Food €200.00 12.3% 2",
                                "Fun €30.10 1.8% 1"]
    assert rows["budget-months"] == ["January 2025 -€23.45", "February 2025 €23.45",
                                     "March 2025 €100.00"]


def test_the_print_page_shows_the_numbers(client: FlaskClient, quarter: Book) -> None:
    answer = client.get("/reports/print?period=2025-Q1")
    assert answer.status_code == 200
    page = soup(answer)
    rows = expected_rows()
    assert texts(page, "#summary tr") == rows["summary"]
    assert texts(page, "#spending-1 tbody tr") == rows["spending"]
    assert texts(page, "#earning-1 tbody tr") == ["Salary €4,000.00 100% 2"]
    assert texts(page, "#months-1 tbody tr") == rows["months"]
    assert texts(page, "#budgets tbody tr") == rows["budgets"]
    assert texts(page, "#budget-months-1-1 tbody tr") == rows["budget-months"]
    assert texts(page, "#period") == ["Jan 1, 2025 – Mar 31, 2025"]
    assert "Cinema <b>3D</b>" not in answer.get_data(as_text=True)  # typed text stays text
    assert [a["href"] for a in page.select("#download-pdf")] == [
        "/reports/report.pdf?period=2025-Q1"]
    assert len(page.select(".chart svg")) >= 3
    assert page.select("script[src]")[0]["src"] == "/static/js/print.js"


def _pdf_text(pdf: bytes, folder: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (bin/test does)")
    path = folder / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True)
    return " ".join(done.stdout.split())


def test_the_pdf_holds_the_same_numbers(client: FlaskClient, quarter: Book,
                                        tmp_path: Path) -> None:
    answer = client.get("/reports/report.pdf?from=2025-01&to=2025-03")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == \
        'attachment; filename="ourmoney-report-2025-01_2025-03.pdf"'
    assert answer.data.startswith(b"%PDF-")
    text = _pdf_text(answer.data, tmp_path)
    for table, rows in expected_rows().items():
        for row in rows:
            assert row in text, (table, row)
    assert "Cinema <b>3D</b>" in text  # typed text is printed, not interpreted
    assert "Household report" in text


def test_one_member_only(client: FlaskClient, quarter: Book, tmp_path: Path) -> None:
    ana = members.add_member(quarter, "Ana")
    ledger.add_transaction(quarter, draft("Books", "12.34", on=date(2025, 2, 1),
                                          category="Food", member_id=ana.id))
    page = soup(client.get("/reports/print?period=2025-02&member=Ana"))
    assert texts(page, "#summary tr")[1] == "Expense €12.34"
    assert texts(page, "#budgets tbody tr") == [
        "Food €100.00 €100.00 €12.34 €87.66 0 / 1 (0%)"]
    assert "Ana" in texts(page, ".scope")[0]
    text = _pdf_text(client.get(f"/reports/report.pdf?period=2025-02&member={ana.id}").data,
                     tmp_path)
    assert "Expense €12.34" in text


def test_an_empty_period_is_a_friendly_page_and_pdf(client: FlaskClient, quarter: Book,
                                                   tmp_path: Path) -> None:
    page = soup(client.get("/reports/print?period=2030"))
    assert texts(page, "#empty h2") == ["Nothing to report"]
    assert page.select("#summary, .chart, table.data") == []
    answer = client.get("/reports/report.pdf?period=2030")
    assert answer.status_code == 200
    assert "Nothing to report" in _pdf_text(answer.data, tmp_path)


@pytest.mark.parametrize(("query", "status", "message"), [
    ("period=2025-13", 400, "There is no month 2025-13."),
    ("period=<script>", 400,
     "Period must be a month (2025-06), a quarter (2025-Q2) or a year (2025)."),
    ("period=2025&from=2025-01", 400, "Give either a period or from/to months, not both."),
    ("member=Nobody", 404, "There is no member called Nobody."),
])
def test_bad_requests_get_clear_errors(client: FlaskClient, query: str, status: int,
                                       message: str) -> None:
    for path in ("/reports/print", "/reports/report.pdf"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == status
        assert texts(soup(answer), ".notice p")[0] == message


def test_the_dashboard_links_to_the_printable_report_and_the_pdf(client: FlaskClient,
                                                                 quarter: Book) -> None:
    page = soup(client.get("/reports?period=2025-Q1"))
    assert [a["href"] for a in page.select("#report-actions a")] == [
        "/reports/print?period=2025-Q1", "/reports/report.pdf?period=2025-Q1",
        "/budgets?period=2025-Q1"]


def test_a_month_without_income_has_a_negative_balance_and_no_savings_rate(
        client: FlaskClient, quarter: Book, tmp_path: Path) -> None:
    page = soup(client.get("/reports/print?period=2025-02"))
    assert texts(page, "#summary tr") == [
        "Income €0.00", "Expense €106.65", "Balance -€106.65", "Savings rate —",
        "Average daily spending €3.81", "Transactions 2"]  # 106.65 / 28 = 3.8089...
    assert texts(page, "#months-1 tbody tr") == ["February 2025 €0.00 €106.65 -€106.65"]
    assert page.select(".budget-months") == []  # one month: no month-by-month table
    text = _pdf_text(client.get("/reports/report.pdf?period=2025-02").data, tmp_path)
    assert "Balance -€106.65" in text and "Savings rate —" in text


def test_a_single_transaction_in_a_single_category(client: FlaskClient, book: Book,
                                                   tmp_path: Path) -> None:
    ledger.add_transaction(book, draft("Bread", "1.05", on=date(2025, 6, 3), category="Food"))
    page = soup(client.get("/reports/print?period=2025-06"))
    assert texts(page, "#spending-1 tbody tr") == ["Food €1.05 100% 1"]
    assert page.select("#earning-1") == []
    text = _pdf_text(client.get("/reports/report.pdf?period=2025-06").data, tmp_path)
    assert "Food €1.05 100% 1" in text


def test_long_tables_are_printed_in_chunks_of_40_rows(client: FlaskClient, book: Book,
                                                      tmp_path: Path) -> None:
    for n in range(45):
        ledger.add_transaction(book, draft("Shop", f"{n + 1}.00", on=date(2025, 6, 3),
                                           category=f"Category {n:02d}"))
    page = soup(client.get("/reports/print?period=2025-06"))
    assert [len(t.select("tbody tr")) for t in page.select("table[id^=spending-]")] == [40, 5]
    assert texts(page, "#spending-2 tbody tr")[-1] == "Category 00 €1.00 0.1% 1"
    text = _pdf_text(client.get("/reports/report.pdf?period=2025-06").data, tmp_path)
    assert "Category 44 €45.00" in text and "Category 00 €1.00" in text
