"""Helpers for the API tests: add transactions, count stored rows, check shapes against the spec."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from ourmoney.services.book import Book
from ourmoney.web.openapi import document

API = "/api/v1"
TABLES = ("transactions", "change", "category", "member")


def add(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    """Record a transaction through the API (Lunch, 12.34 unless told) and return its JSON."""
    response = client.post(f"{API}/transactions",
                           json={"description": "Lunch", "amount": "12.34", **fields})
    assert response.status_code == 201, response.get_json()
    found: dict[str, Any] = response.get_json()
    return found


def browse(client: FlaskClient, **params: str) -> dict[str, Any]:
    """Return one page of the transaction list for these query parameters."""
    response = client.get(f"{API}/transactions", query_string=params)
    assert response.status_code == 200, response.get_json()
    found: dict[str, Any] = response.get_json()
    return found


def counts(book: Book) -> dict[str, int]:
    """Return how many rows each synced table and the change log hold."""
    return {table: book.store.value(f"SELECT count(*) FROM {table}") for table in TABLES}


def conforms(name: str, value: Any) -> None:
    """Fail unless `value` matches the component schema `name` of the OpenAPI document."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": document()["components"]}
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(value)
