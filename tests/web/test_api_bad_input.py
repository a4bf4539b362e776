"""Bad input to the JSON API: a 4xx with the exact message and field, and nothing changed."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from ourmoney.services.book import Book
from tests.web.api_support import API, add, counts

MISSING = object()
AMOUNT_TEXT = 'Amount must be written as text such as "12.34".'
NOT_A_NUMBER = 'Amount must be a string such as "12.34", not a number.'
NOT_AMOUNT = "Amount must be a number such as 12.34 or a sum such as 12.50+3."
MALFORMED = "Amount must be a number such as 12.34."
NOT_POSITIVE = "Amount must be greater than zero; choose Expense or Income for the direction."
BAD_DATE = "Date must be a real calendar date written YYYY-MM-DD."
TYPE = "Type must be income or expense."

FIELD_ERRORS: list[tuple[str, Any, int, str]] = [
    ("amount", 12.5, 400, NOT_A_NUMBER),
    ("amount", 12, 400, NOT_A_NUMBER),
    ("amount", True, 400, AMOUNT_TEXT),
    ("amount", ["12.34"], 400, AMOUNT_TEXT),
    ("amount", {"value": "12.34"}, 400, AMOUNT_TEXT),
    ("amount", None, 400, "Amount is required."),
    ("amount", "", 400, "Amount is required."),
    ("amount", "NaN", 400, NOT_AMOUNT),
    ("amount", "1e309", 400, NOT_AMOUNT),
    ("amount", "inf", 400, NOT_AMOUNT),
    ("amount", "-inf", 400, NOT_AMOUNT),
    ("amount", "12.345", 400, "Amount must have at most 2 decimals."),
    ("amount", "-5", 400, NOT_POSITIVE),
    ("amount", "0", 400, NOT_POSITIVE),
    ("amount", "0.00", 400, NOT_POSITIVE),
    ("amount", "1,2,3", 400, MALFORMED),
    ("amount", "12..5", 400, MALFORMED),
    ("amount", "abc", 400, NOT_AMOUNT),
    ("amount", "12.50+", 400, NOT_AMOUNT),
    ("amount", "12abc", 400, NOT_AMOUNT),
    ("amount", "9999999999999", 400, "Amount is too large."),
    ("amount", "1" * 101, 400, "Amount is too long."),
    ("occurred_on", "2025-02-30", 400, "2025-02-30 is not a date in the calendar."),
    ("occurred_on", "2025-13-01", 400, "2025-13-01 is not a date in the calendar."),
    ("occurred_on", "25-01-01", 400, BAD_DATE),
    ("occurred_on", "", 400, BAD_DATE),
    ("occurred_on", 12345, 400, BAD_DATE),
    ("occurred_on", "01/02/2025", 400, BAD_DATE),
    ("occurred_on", "２０２５-０１-０１", 400, BAD_DATE),
    ("occurred_on", "1899-12-31", 400, "Date must be between 1900 and 2199."),
    ("description", 5, 400, "Description must be text."),
    ("description", "", 400, "Description is required."),
    ("description", "   ", 400, "Description is required."),
    ("description", "x" * 10240, 400, "Description must be at most 200 characters."),
    ("description", "tab\x00null", 400, "Description contains control characters."),
    ("description", "half \ud800 pair", 400, "Description contains invalid characters."),
    ("type", "foo", 400, TYPE),
    ("type", 1, 400, TYPE),
    ("category", 5, 400, "Category must be text."),
    ("category", "c" * 61, 400, "Category must be at most 60 characters."),
    ("member", ["Ana"], 400, "Member must be text."),
    ("member", "Nobody", 404, "There is no member called Nobody."),
    ("notes", {"text": "x"}, 400, "Notes must be text."),
    ("notes", "n" * 2001, 400, "Notes must be at most 2000 characters."),
]
CREATE_ERRORS = [*FIELD_ERRORS,
                 ("description", MISSING, 400, "Description is required."),
                 ("amount", MISSING, 400, "Amount is required."),
                 ("type", None, 400, TYPE),
                 ("bogus", 1, 400, "Unknown field: bogus."),
                 ("id", "0194f7c0-0000-7000-8000-000000000000", 400, "Unknown field: id."),
                 ("currency", "USD", 400, "Unknown field: currency."),
                 ("created_at", "2025-01-01T00:00:00.000Z", 400, "Unknown field: created_at.")]
PATCH_ERRORS = [*FIELD_ERRORS,
                ("occurred_on", None, 400, BAD_DATE),
                ("description", None, 400, "Description is required."),
                ("type", None, 400, TYPE),
                ("deleted", True, 400, "Unknown or read-only field: deleted."),
                ("created_at", "2025-01-01T00:00:00.000Z", 400,
                 "Unknown or read-only field: created_at."),
                ("id", "other", 400, "Unknown or read-only field: id.")]


def refused(response: Any, status: int, expected: dict[str, str]) -> None:
    """Assert the exact error answer (the caller checks that nothing changed)."""
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert response.get_json() == expected


@pytest.mark.parametrize(("field", "value", "status", "message"), CREATE_ERRORS)
def test_create_refuses_bad_fields(client: FlaskClient, book: Book, field: str, value: Any,
                                   status: int, message: str) -> None:
    payload: dict[str, Any] = {"description": "Lunch", "amount": "12.34", field: value}
    if value is MISSING:
        del payload[field]
    before = counts(book)
    response = client.post(f"{API}/transactions", json=payload)
    refused(response, status, {"error": message, "field": field})
    assert counts(book) == before


@pytest.mark.parametrize(("field", "value", "status", "message"), PATCH_ERRORS)
def test_patch_refuses_bad_fields(client: FlaskClient, book: Book, field: str, value: Any,
                                  status: int, message: str) -> None:
    created = add(client, category="Food")
    before = counts(book)
    response = client.patch(f"{API}/transactions/{created['id']}",
                            json={"notes": "changed", field: value})
    refused(response, status, {"error": message, "field": field})
    assert counts(book) == before
    assert client.get(f"{API}/transactions/{created['id']}").get_json() == created


BODIES: list[tuple[dict[str, Any], str]] = [
    ({"data": "description=Lunch&amount=1", "content_type": "application/x-www-form-urlencoded"},
     "Send a JSON object with Content-Type: application/json."),
    ({"data": '{"description": "Lunch", "amount": "1"}'},
     "Send a JSON object with Content-Type: application/json."),
    ({"data": "{not json", "content_type": "application/json"},
     "The request body must be a JSON object."),
    ({"data": "", "content_type": "application/json"}, "The request body must be a JSON object."),
    ({"json": [{"description": "Lunch", "amount": "1"}]},
     "The request body must be a JSON object."),
    ({"json": "Lunch"}, "The request body must be a JSON object."),
    ({"data": "null", "content_type": "application/json"},
     "The request body must be a JSON object."),
    ({"data": "[" * 100_000 + "]" * 100_000, "content_type": "application/json"},
     "The request body must be a JSON object."),
    ({"data": b'{"description": "\xff", "amount": "1"}', "content_type": "application/json"},
     "The request body must be a JSON object."),
]


@pytest.mark.parametrize(("method", "path"), [("post", "/transactions"),
                                              ("patch", "/transactions/{id}"),
                                              ("post", "/categories"), ("post", "/members")])
@pytest.mark.parametrize(("body", "message"), BODIES)
def test_every_write_refuses_a_body_that_is_not_a_json_object(
        client: FlaskClient, book: Book, method: str, path: str, body: dict[str, Any],
        message: str) -> None:
    created = add(client)
    before = counts(book)
    response = getattr(client, method)(API + path.format(id=created["id"]), **body)
    refused(response, 400, {"error": message})
    assert counts(book) == before


def test_patch_refuses_an_empty_change(client: FlaskClient, book: Book) -> None:
    created = add(client)
    before = counts(book)
    response = client.patch(f"{API}/transactions/{created['id']}", json={})
    refused(response, 400, {"error": "Send at least one field to change."})
    assert counts(book) == before


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


CURSOR = "The page cursor is not valid; start again from the first page."
LIMIT = "Limit must be a whole number from 1 to 500."
MONTH = "Month must be written YYYY-MM."
LIST_ERRORS: list[tuple[dict[str, str], int, str, str]] = [
    ({"cursor": "garbage"}, 400, CURSOR, "cursor"),
    ({"cursor": base64.urlsafe_b64encode(b"\x00\xffjunk\x80").decode()}, 400, CURSOR, "cursor"),
    ({"cursor": _cursor({"occurred_on": "2025-01-01"})}, 400, CURSOR, "cursor"),
    ({"cursor": _cursor(["2025-01-01", "x", "y"])}, 400, CURSOR, "cursor"),
    ({"cursor": _cursor(["2025-01-01", "2025-01-01T00:00:00.000Z", "a' OR 1=1 --"])}, 400,
     CURSOR, "cursor"),
    ({"cursor": "' OR 1=1; DROP TABLE transactions; --"}, 400, CURSOR, "cursor"),
    ({"cursor": "A" * 10_000}, 400, CURSOR, "cursor"),
    ({"limit": "0"}, 400, LIMIT, "limit"),
    ({"limit": "501"}, 400, LIMIT, "limit"),
    ({"limit": "abc"}, 400, LIMIT, "limit"),
    ({"limit": "-1"}, 400, LIMIT, "limit"),
    ({"limit": "1.5"}, 400, LIMIT, "limit"),
    ({"limit": "²"}, 400, LIMIT, "limit"),
    ({"type": "foo"}, 400, TYPE, "type"),
    ({"status": "done"}, 400, "Status must be pending or synced.", "status"),
    ({"month": "2025-13"}, 400, MONTH, "month"),
    ({"month": "2025-1"}, 400, MONTH, "month"),
    ({"month": "２０２５-０１"}, 400, MONTH, "month"),
    ({"from": "2025-02-30"}, 400, "2025-02-30 is not a date in the calendar.", "from"),
    ({"to": "yesterday"}, 400, BAD_DATE, "to"),
    ({"from": "2025-03-01", "to": "2025-02-01"}, 400, "The start date is after the end date.",
     "from"),
    ({"q": "q" * 201}, 400, "Search text must be at most 200 characters.", "q"),
    ({"category": "Nope"}, 404, "That category does not exist.", "category"),
    ({"category": "' OR 1=1 --"}, 404, "That category does not exist.", "category"),
    ({"member": "Nobody"}, 404, "That member does not exist.", "member"),
]


@pytest.mark.parametrize(("params", "status", "message", "field"), LIST_ERRORS)
def test_list_refuses_bad_parameters(client: FlaskClient, book: Book, params: dict[str, str],
                                     status: int, message: str, field: str) -> None:
    add(client)
    before = counts(book)
    response = client.get(f"{API}/transactions", query_string=params)
    refused(response, status, {"error": message, "field": field})
    assert counts(book) == before


CATEGORY_ERRORS: list[tuple[dict[str, Any], str, str]] = [
    ({}, "Name is required.", "name"),
    ({"name": ""}, "Name is required.", "name"),
    ({"name": 5}, "Name must be text.", "name"),
    ({"name": "n" * 61}, "Name must be at most 60 characters.", "name"),
    ({"name": "Rent", "kind": "foo"}, "Kind must be income or expense.", "kind"),
    ({"name": "Rent", "kind": None}, "Kind must be income or expense.", "kind"),
    ({"name": "Rent", "color": "red"}, "Colour must be written like #1a2b3c.", "color"),
    ({"name": "Rent", "color": 0xFF0000}, "Colour must be written like #1a2b3c.", "color"),
    ({"name": "Rent", "bogus": 1}, "Unknown field: bogus.", "bogus"),
    ({"name": "Rent", "id": "mine"}, "Unknown field: id.", "id"),
]


@pytest.mark.parametrize(("payload", "message", "field"), CATEGORY_ERRORS)
def test_category_post_refuses_bad_input(client: FlaskClient, book: Book,
                                         payload: dict[str, Any], message: str,
                                         field: str) -> None:
    before = counts(book)
    response = client.post(f"{API}/categories", json=payload)
    refused(response, 400, {"error": message, "field": field})
    assert counts(book) == before


MEMBER_ERRORS: list[tuple[dict[str, Any], str, str]] = [
    ({}, "Name is required.", "name"),
    ({"name": "  "}, "Name is required.", "name"),
    ({"name": ["Ana"]}, "Name must be text.", "name"),
    ({"name": "n" * 61}, "Name must be at most 60 characters.", "name"),
    ({"name": "Ana", "role": "owner"}, "Unknown field: role.", "role"),
]


@pytest.mark.parametrize(("payload", "message", "field"), MEMBER_ERRORS)
def test_member_post_refuses_bad_input(client: FlaskClient, book: Book,
                                       payload: dict[str, Any], message: str,
                                       field: str) -> None:
    before = counts(book)
    response = client.post(f"{API}/members", json=payload)
    refused(response, 400, {"error": message, "field": field})
    assert counts(book) == before


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/transactions/{id}"), ("patch", "/transactions/{id}"),
    ("delete", "/transactions/{id}"), ("post", "/transactions/{id}/restore")])
def test_unknown_transaction_is_404(client: FlaskClient, book: Book, method: str,
                                    path: str) -> None:
    add(client)
    before = counts(book)
    response = getattr(client, method)(API + path.format(id="no-such-id"),
                                       json={"description": "x"})
    refused(response, 404, {"error": "That transaction does not exist."})
    assert counts(book) == before
