"""The JSON API: its OpenAPI document, transactions, lists with filters, categories, members."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from ourmoney import __version__
from ourmoney.services import categories, household, members
from ourmoney.services.book import Book
from ourmoney.web import context
from tests.web.api_support import API, add, browse, conforms, counts

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
FIELDS = ["id", "occurred_on", "description", "type", "amount", "currency", "category",
          "category_id", "member", "member_id", "notes", "created_at", "updated_at", "sync"]


def test_openapi_document_is_valid_and_names_every_route(app: Flask, client: FlaskClient) -> None:
    doc = client.get(f"{API}/openapi.json").get_json()
    validate(doc)
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("api.", "api_files.", "sync_api.")):
            continue
        # /sync/v1 paths are written whole (their path item's server is the root).
        prefix = "" if rule.endpoint.startswith("sync_api.") else API
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix(prefix))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            assert doc["paths"][path][method.lower()]["operationId"] == \
                rule.endpoint.split(".", 1)[1]
            routes.add((path, method.lower()))
    documented = {(path, method) for path, item in doc["paths"].items() for method in item
                  if method not in ("parameters", "servers")}
    assert documented == routes
    assert len(routes) == 24


def test_openapi_amounts_are_strings_with_a_decimal_pattern(client: FlaskClient) -> None:
    schemas = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    for name, field in [("Transaction", "amount"), ("TransactionInput", "amount"),
                        ("TransactionPatch", "amount"), ("Totals", "income"),
                        ("Totals", "expense"), ("Totals", "balance")]:
        amount = schemas[name]["properties"][field]
        assert amount["type"] == "string"
        assert re.match(amount["pattern"], "12.34") and not re.match(amount["pattern"], "1e3")
    assert {"Transaction", "TransactionInput", "TransactionPatch", "Totals", "Category",
            "CategoryInput", "Member", "MemberInput", "Error", "Health"} <= set(schemas)


def test_health(client: FlaskClient) -> None:
    response = client.get(f"{API}/health")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok",
                                                                 "version": __version__})
    conforms("Health", response.get_json())


def test_create_fills_defaults_and_creates_the_category(app: Flask, client: FlaskClient,
                                                        book: Book) -> None:
    before = counts(book)
    with app.app_context():
        today = context.today()
    created = add(client, category="Food")
    me = members.get_member(book, household.preferences(book).me or "")
    assert list(created) == FIELDS
    assert {k: v for k, v in created.items() if k not in ("id", "created_at", "updated_at")} == {
        "occurred_on": today.isoformat(), "description": "Lunch", "type": "expense",
        "amount": "12.34", "currency": "EUR", "category": "Food",
        "category_id": categories.derived_id("Food"), "member": me.name, "member_id": me.id,
        "notes": "", "sync": "pending"}
    assert TIMESTAMP.match(created["created_at"]) and created["updated_at"] == created["created_at"]
    assert counts(book) == {"transactions": before["transactions"] + 1, "member": before["member"],
                            "category": before["category"] + 1, "change": before["change"] + 2}
    conforms("Transaction", created)
    assert client.get(f"{API}/transactions/{created['id']}").get_json() == created


def test_create_with_every_field(client: FlaskClient, book: Book) -> None:
    ana = client.post(f"{API}/members", json={"name": "Ana"}).get_json()
    created = add(client, occurred_on="2025-01-31", description="  Salary   January ",
                  type="income", amount="1,234.50", category="Job", member="ana",
                  notes="first line\nsecond line")
    assert (created["occurred_on"], created["description"], created["type"], created["amount"],
            created["member_id"], created["notes"]) == (
        "2025-01-31", "Salary January", "income", "1234.50", ana["id"],
        "first line\nsecond line")
    assert book.store.value("SELECT amount FROM transactions") == 123450


def test_patch_changes_only_the_named_fields(client: FlaskClient, book: Book) -> None:
    created = add(client, category="Food", notes="with Ana")
    time.sleep(0.005)  # timestamps have millisecond resolution
    response = client.patch(f"{API}/transactions/{created['id']}",
                            json={"amount": "20", "occurred_on": "2025-02-01"})
    patched = response.get_json()
    assert response.status_code == 200
    assert patched == {**created, "amount": "20.00", "occurred_on": "2025-02-01",
                       "updated_at": patched["updated_at"]}
    assert patched["updated_at"] > created["updated_at"]
    assert client.get(f"{API}/transactions/{created['id']}").get_json() == patched


def test_patch_with_the_same_values_writes_nothing(client: FlaskClient, book: Book) -> None:
    created = add(client, category="Food")
    before = counts(book)
    response = client.patch(f"{API}/transactions/{created['id']}",
                            json={"amount": "12.34", "category": "food", "type": "Expense"})
    assert (response.status_code, response.get_json()) == (200, created)
    assert counts(book) == before


def test_patch_category_creates_it_and_null_clears_it(client: FlaskClient, book: Book) -> None:
    created = add(client)
    moved = client.patch(f"{API}/transactions/{created['id']}",
                         json={"category": "Travel"}).get_json()
    assert (moved["category"], moved["category_id"]) == ("Travel", categories.derived_id("Travel"))
    cleared = client.patch(f"{API}/transactions/{created['id']}",
                           json={"category": None}).get_json()
    assert (cleared["category"], cleared["category_id"]) == (None, None)


def test_delete_leaves_a_tombstone_and_restore_brings_it_back(client: FlaskClient,
                                                              book: Book) -> None:
    kept = add(client, amount="5.00", occurred_on="2025-03-01")
    doomed = add(client, amount="10.00", occurred_on="2025-03-02")
    assert browse(client)["totals"] == {"income": "0.00", "expense": "15.00", "balance": "-15.00"}
    response = client.delete(f"{API}/transactions/{doomed['id']}")
    assert (response.status_code, response.get_json()["id"]) == (200, doomed["id"])
    missing = client.get(f"{API}/transactions/{doomed['id']}")
    assert (missing.status_code, missing.get_json()) == (
        404, {"error": "That transaction does not exist."})
    page = browse(client)
    assert [t["id"] for t in page["items"]] == [kept["id"]]
    assert page["totals"] == {"income": "0.00", "expense": "5.00", "balance": "-5.00"}
    assert book.store.row("SELECT deleted FROM transactions WHERE id = ?", (doomed["id"],)) == (1,)
    assert client.delete(f"{API}/transactions/{doomed['id']}").status_code == 404
    restored = client.post(f"{API}/transactions/{doomed['id']}/restore")
    assert restored.status_code == 200
    assert {**restored.get_json(), "updated_at": None} == {**doomed, "updated_at": None}
    assert client.get(f"{API}/transactions/{doomed['id']}").status_code == 200
    assert browse(client)["totals"]["expense"] == "15.00"


def test_keyset_pages_give_every_row_once_in_order(client: FlaskClient, book: Book) -> None:
    for number in range(130):
        add(client, description=f"Row {number}", occurred_on="2025-03-15")
    seen: list[dict[str, Any]] = []
    page = browse(client, limit="50")
    sizes = [len(page["items"])]
    seen += page["items"]
    late = add(client, description="Added while paging", occurred_on="2025-03-15")
    while page["next_cursor"]:
        page = browse(client, limit="50", cursor=page["next_cursor"])
        sizes.append(len(page["items"]))
        seen += page["items"]
    ids = [t["id"] for t in seen]
    assert sizes == [50, 50, 30] and len(set(ids)) == 130 and late["id"] not in ids
    keys = [(t["occurred_on"], t["created_at"], t["id"]) for t in seen]
    assert keys == sorted(keys, reverse=True)
    stored = [row[0] for row in book.store.rows(
        "SELECT id FROM transactions WHERE id != ? ORDER BY occurred_on DESC, created_at DESC,"
        " id DESC", (late["id"],))]
    assert ids == stored
    assert page["totals"] == {"income": "0.00", "expense": "1616.54", "balance": "-1616.54"}


def test_a_page_exactly_full_has_no_next_cursor(client: FlaskClient) -> None:
    for _ in range(3):
        add(client)
    assert browse(client, limit="3")["next_cursor"] is None
    assert browse(client, limit="2")["next_cursor"] is not None


@pytest.fixture
def ledger(client: FlaskClient, book: Book) -> dict[str, Any]:
    """Record five transactions across months, types, categories and members."""
    ana = client.post(f"{API}/members", json={"name": "Ana"}).get_json()
    found = {
        "groceries": add(client, occurred_on="2025-01-05", description="Groceries at market",
                         amount="10.00", category="Food", notes="weekly"),
        "salary": add(client, occurred_on="2025-01-20", description="Salary", type="income",
                      amount="1000.00", category="Job", member="Ana"),
        "coffee": add(client, occurred_on="2025-02-03", description="Coffee beans",
                      amount="7.50", category="Food", member="Ana", notes="from the market"),
        "train": add(client, occurred_on="2025-02-28", description="Train ticket",
                     amount="45.10", category="Transport"),
        "refund": add(client, occurred_on="2025-03-01", description="Refund", type="income",
                      amount="12.00"),
    }
    return {"ana": ana, "me": household.preferences(book).me, **found}


FILTERS = [
    ({}, ["refund", "train", "coffee", "salary", "groceries"], ("1012.00", "62.60", "949.40")),
    ({"type": "income"}, ["refund", "salary"], ("1012.00", "0.00", "1012.00")),
    ({"type": "expense"}, ["train", "coffee", "groceries"], ("0.00", "62.60", "-62.60")),
    ({"category": "Food"}, ["coffee", "groceries"], ("0.00", "17.50", "-17.50")),
    ({"category": "  fOOD "}, ["coffee", "groceries"], ("0.00", "17.50", "-17.50")),
    ({"category": categories.derived_id("Job")}, ["salary"], ("1000.00", "0.00", "1000.00")),
    ({"member": "Ana"}, ["coffee", "salary"], ("1000.00", "7.50", "992.50")),
    ({"member": "ana"}, ["coffee", "salary"], ("1000.00", "7.50", "992.50")),
    ({"month": "2025-02"}, ["train", "coffee"], ("0.00", "52.60", "-52.60")),
    ({"from": "2025-01-20", "to": "2025-02-28"}, ["train", "coffee", "salary"],
     ("1000.00", "52.60", "947.40")),
    ({"from": "2025-02-28"}, ["refund", "train"], ("12.00", "45.10", "-33.10")),
    ({"to": "2025-01-05"}, ["groceries"], ("0.00", "10.00", "-10.00")),
    ({"q": "market"}, ["coffee", "groceries"], ("0.00", "17.50", "-17.50")),
    ({"q": "MARKET"}, ["coffee", "groceries"], ("0.00", "17.50", "-17.50")),
    ({"q": "weekly"}, ["groceries"], ("0.00", "10.00", "-10.00")),
    ({"q": "sport"}, ["train"], ("0.00", "45.10", "-45.10")),
    ({"q": "Jo"}, ["salary"], ("1000.00", "0.00", "1000.00")),
    ({"q": "ti"}, ["train"], ("0.00", "45.10", "-45.10")),
    ({"q": "e"}, ["refund", "train", "coffee", "groceries"], ("12.00", "62.60", "-50.60")),
    ({"q": "Groceries at market"}, ["groceries"], ("0.00", "10.00", "-10.00")),
    ({"q": "nothing like this"}, [], ("0.00", "0.00", "0.00")),
    ({"q": "50%"}, [], ("0.00", "0.00", "0.00")),
    ({"type": "expense", "member": "Ana", "month": "2025-02"}, ["coffee"],
     ("0.00", "7.50", "-7.50")),
    ({"status": "pending"}, ["refund", "train", "coffee", "salary", "groceries"],
     ("1012.00", "62.60", "949.40")),
    ({"status": "synced"}, [], ("0.00", "0.00", "0.00")),
]


@pytest.mark.parametrize(("params", "expected", "totals"), FILTERS)
def test_filters_select_exact_rows_and_totals(client: FlaskClient, ledger: dict[str, Any],
                                              params: dict[str, str], expected: list[str],
                                              totals: tuple[str, str, str]) -> None:
    page = browse(client, **params)
    assert [t["id"] for t in page["items"]] == [ledger[name]["id"] for name in expected]
    assert page["totals"] == dict(zip(("income", "expense", "balance"), totals, strict=True))
    conforms("TransactionPage", page)


def test_member_filter_by_id(client: FlaskClient, ledger: dict[str, Any]) -> None:
    page = browse(client, member=ledger["me"])
    assert [t["id"] for t in page["items"]] == [ledger[name]["id"] for name in
                                                ("refund", "train", "groceries")]


def test_status_follows_what_peers_acknowledged(client: FlaskClient, book: Book,
                                                ledger: dict[str, Any]) -> None:
    with book.write() as cursor:
        cursor.execute("INSERT INTO setting (key, value) SELECT 'sync_acked_seq', max(seq)"
                       " FROM change")
    assert browse(client, status="pending")["items"] == []
    client.patch(f"{API}/transactions/{ledger['coffee']['id']}", json={"amount": "8.00"})
    pending = browse(client, status="pending")
    assert [t["id"] for t in pending["items"]] == [ledger["coffee"]["id"]]
    assert pending["totals"] == {"income": "0.00", "expense": "8.00", "balance": "-8.00"}
    synced = browse(client, status="synced")
    assert [t["sync"] for t in synced["items"]] == ["synced"] * 4
    assert synced["totals"] == {"income": "1012.00", "expense": "55.10", "balance": "956.90"}


HOSTILE = ["<script>alert('x')</script>", "=1+1", "'; DROP TABLE transactions; --",
           "@SUM(A1:A9)", 'Robert"); DELETE FROM change; --', "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_stored_and_returned_as_data(client: FlaskClient, book: Book,
                                                     hostile: str) -> None:
    created = add(client, description=hostile, notes=hostile, category=hostile)
    assert (created["description"], created["notes"], created["category"]) == (hostile,) * 3
    response = client.get(f"{API}/transactions/{created['id']}")
    assert response.content_type == "application/json"
    assert response.get_json()["description"] == hostile
    assert [t["id"] for t in browse(client, q=hostile)["items"]] == [created["id"]]
    assert [t["id"] for t in browse(client, category=hostile)["items"]] == [created["id"]]
    assert counts(book)["transactions"] == 1 and counts(book)["change"] == 3


def test_category_post_creates_once_whatever_the_case_or_spacing(client: FlaskClient,
                                                                 book: Book) -> None:
    response = client.post(f"{API}/categories", json={"name": "Eating Out"})
    expected = {"id": categories.derived_id("Eating Out"), "name": "Eating Out",
                "kind": "expense", "color": categories.default_color("Eating Out")}
    assert (response.status_code, response.get_json()) == (201, expected)
    before = counts(book)
    again = client.post(f"{API}/categories", json={"name": "  eating   OUT "})
    assert again.get_json() == expected
    assert counts(book) == before
    assert add(client, category="EATING out")["category_id"] == expected["id"]
    assert client.get(f"{API}/categories").get_json() == {"items": [expected]}
    conforms("Category", expected)


def test_category_post_takes_kind_and_colour(client: FlaskClient) -> None:
    response = client.post(f"{API}/categories",
                           json={"name": "Salary", "kind": "income", "color": "#1A2B3C"})
    assert response.get_json() == {"id": categories.derived_id("Salary"), "name": "Salary",
                                   "kind": "income", "color": "#1a2b3c"}


def test_member_post_creates_and_refuses_a_duplicate(client: FlaskClient, book: Book) -> None:
    response = client.post(f"{API}/members", json={"name": "Ana"})
    ana = response.get_json()
    assert (response.status_code, ana["name"], list(ana)) == (201, "Ana", ["id", "name"])
    before = counts(book)
    duplicate = client.post(f"{API}/members", json={"name": "  ana "})
    assert (duplicate.status_code, duplicate.get_json()) == (
        409, {"error": "A member named Ana already exists.", "field": "name"})
    assert counts(book) == before
    names = [m["name"] for m in client.get(f"{API}/members").get_json()["items"]]
    assert names.count("Ana") == 1 and len(names) == 2
    conforms("Member", ana)
