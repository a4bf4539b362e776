"""Export downloads: the list's Export menu and GET /api/v1/export give exactly the filtered
rows, streamed."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from ourmoney.services.book import Book
from ourmoney.web import downloads
from tests.web.api_support import API, add, browse, counts
from tests.web.test_pages import soup

TODAY = date.today().isoformat()  # noqa: DTZ011 - the file is named after the user's day
FILTER = {"q": "e", "category": "Food", "from": "2025-03-01", "to": "2025-03-31"}
HEADER = ["date", "description", "type", "amount", "currency", "category", "member", "notes",
          "id", "created_at"]


@pytest.fixture
def ledger(client: FlaskClient) -> list[dict[str, Any]]:
    """Record transactions of which FILTER keeps Refund, Tomatoes and Bread (newest first)."""
    added = [add(client, description="Bread", amount="1.20", occurred_on="2025-03-02",
                 category="Food"),
             add(client, description="Tomatoes", amount="3.45", occurred_on="2025-03-03",
                 category="Food", notes="=1+2"),
             add(client, description="Cinema", amount="9.00", occurred_on="2025-03-04",
                 category="Fun"),
             add(client, description="Bonbons", amount="2.00", occurred_on="2025-03-20",
                 category="Food"),
             add(client, description="Potatoes", amount="4.00", occurred_on="2025-04-01",
                 category="Food"),
             add(client, description="Refund", type="income", amount="5.00",
                 occurred_on="2025-03-10", category="Food")]
    return added


def expected(client: FlaskClient) -> list[dict[str, Any]]:
    """Return what the list shows for FILTER, through the API."""
    return list(browse(client, **FILTER)["items"])


def download(client: FlaskClient, path: str, **params: str) -> bytes:
    """GET a download and check it is an attachment named after today."""
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    extension = params.get("format") or path.rsplit(".", 1)[-1]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="ourmoney-{TODAY}.{extension}"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response.get_data()


@pytest.mark.parametrize("path", ["/export.csv", f"{API}/export?format=csv"])
def test_csv_holds_exactly_the_filtered_rows(client: FlaskClient, ledger: list[dict[str, Any]],
                                             path: str) -> None:
    base, _, query = path.partition("?")
    params = dict(FILTER, **dict([query.split("=")])) if query else FILTER
    rows = list(csv.reader(io.StringIO(download(client, base, **params).decode("utf-8"))))
    assert rows[0] == HEADER
    shown = expected(client)
    assert [row[1] for row in rows[1:]] == ["Refund", "Tomatoes", "Bread"]
    assert [row[1] for row in rows[1:]] == [item["description"] for item in shown]
    assert rows[1:] == [
        [day, description, kind, amount, "EUR", "Food", txn["member"], notes, txn["id"],
         txn["created_at"]]
        for (day, description, kind, amount, notes), txn in zip([
            ("2025-03-10", "Refund", "income", "5.00", ""),
            ("2025-03-03", "Tomatoes", "expense", "-3.45", "'=1+2"),
            ("2025-03-02", "Bread", "expense", "-1.20", "")], shown, strict=True)]


def test_json_holds_exactly_the_filtered_rows_and_re_imports(client: FlaskClient,
                                                             ledger: list[dict[str, Any]],
                                                             book: Book) -> None:
    exported = json.loads(download(client, "/export.json", **FILTER))
    assert exported["format"] == "ourmoney" and exported["currency"] == "EUR"
    shown = expected(client)
    assert [(t["id"], t["description"], t["amount"], t["type"]) for t in
            exported["transactions"]] == [(t["id"], t["description"], t["amount"], t["type"])
                                          for t in shown]
    before = counts(book)
    again = client.post(f"{API}/imports", data={"file": (io.BytesIO(json.dumps(exported)
                                                                    .encode()), "x.json")})
    assert again.status_code == 201
    assert (again.get_json()["added"], again.get_json()["duplicates"]) == (0, 3)
    assert counts(book)["transactions"] == before["transactions"]


def test_xlsx_holds_exactly_the_filtered_rows_as_real_dates_and_numbers(
        client: FlaskClient, ledger: list[dict[str, Any]]) -> None:
    data = download(client, f"{API}/export", format="xlsx", **FILTER)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    # Cells hold numbers (openpyxl reads them back as float), compared exactly as decimals.
    assert [(r[0].date(), r[1], Decimal(str(r[3]))) for r in rows[1:]] == [
        (date(2025, 3, 10), "Refund", Decimal("5.00")),
        (date(2025, 3, 3), "Tomatoes", Decimal("-3.45")),
        (date(2025, 3, 2), "Bread", Decimal("-1.20"))]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:J4"


def test_without_filters_everything_is_exported(client: FlaskClient,
                                                ledger: list[dict[str, Any]]) -> None:
    rows = list(csv.reader(io.StringIO(download(client, "/export.csv").decode("utf-8"))))
    assert [row[1] for row in rows[1:]] == ["Potatoes", "Bonbons", "Refund", "Cinema",
                                            "Tomatoes", "Bread"]


def test_an_empty_export_still_has_its_header(client: FlaskClient) -> None:
    assert download(client, "/export.csv").decode("utf-8") == ",".join(HEADER) + "\r\n"
    assert json.loads(download(client, "/export.json"))["transactions"] == []


def test_a_big_export_streams_in_pieces(client: FlaskClient, book: Book) -> None:
    for number in range(1200):
        add(client, description=f"Item {number} " + "x" * 80, amount="1.00",
            occurred_on="2025-01-01")
    response = client.get("/export.csv")
    assert response.is_streamed
    pieces = list(response.response)
    assert len(pieces) > 1
    assert b"".join(pieces).count(b"\r\n") == 1201


def test_a_client_that_leaves_stops_the_export(client: FlaskClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(downloads, "CHUNK", 1024)
    monkeypatch.setattr(downloads, "QUEUED_CHUNKS", 1)
    for number in range(100):
        add(client, description=f"Item {number} " + "x" * 120, amount="1.00",
            occurred_on="2025-01-01")
    response = client.get("/export.json")
    first = next(iter(response.response))
    assert first.startswith(b'{"format": "ourmoney"')
    time.sleep(0.2)
    assert exporting()  # blocked on the full queue, waiting for the client
    response.close()
    deadline = time.monotonic() + 5
    while exporting() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not exporting()


def exporting() -> bool:
    """Return True while an export thread runs."""
    return any(thread.name == "export" for thread in threading.enumerate())


def test_the_export_menu_links_carry_the_current_filters(client: FlaskClient,
                                                         ledger: list[dict[str, Any]]) -> None:
    page = soup(client.get("/", query_string={"q": "e", "type": "expense", "month": "2025-03"}))
    links = {str(a["id"]): str(a["href"]) for a in page.select("#export-menu a")}
    assert links == {f"export-{ext}": f"/export.{ext}?q=e&type=expense&month=2025-03"
                     for ext in ("csv", "xlsx", "json")}
    plain = soup(client.get("/"))
    assert [a["href"] for a in plain.select("#export-menu a")] == [
        "/export.csv", "/export.xlsx", "/export.json"]


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"format": "pdf"}, "format", "Export format must be json, csv or xlsx."),
    ({"month": "2025-13"}, "month", "Month must be written YYYY-MM."),
    ({"category": "Nope"}, "category", "That category does not exist."),
    ({"from": "2025-04-01", "to": "2025-03-01"}, "from", "The start date is after the end date."),
])
def test_a_bad_export_request_is_a_clear_400_or_404(client: FlaskClient, params: dict[str, str],
                                                    field: str, message: str) -> None:
    response = client.get(f"{API}/export", query_string=params)
    assert response.status_code in (400, 404)
    assert response.get_json() == {"error": message, "field": field}
    page = client.get("/export." + params.pop("format", "csv"), query_string=params)
    assert page.status_code == response.status_code
    assert " ".join(soup(page).select_one("article.notice p").get_text().split()) == message
