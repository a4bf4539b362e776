"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from ourmoney import __version__
from ourmoney.web import openapi_files, openapi_reports, openapi_sync

Schema = dict[str, Any]

AMOUNT = r"^[0-9]+(\.[0-9]+)?$"
SIGNED_AMOUNT = r"^-?[0-9]+(\.[0-9]+)?$"
COLOR = r"^#[0-9a-f]{6}$"
KINDS = ["income", "expense"]
ERRORS = {400: "The input is not valid; `field` names the culprit.",
          403: "Refused: foreign Host, cross-site request or missing CSRF token.",
          404: "The item (or a category or member it names) does not exist.",
          409: "The change conflicts with existing data.",
          413: "The request body is over 2 MB."}


def ref(name: str) -> Schema:
    """Return a reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def string(description: str, **extra: Any) -> Schema:
    """Return a string schema."""
    return {"type": "string", "description": description, **extra}


def nullable(description: str, **extra: Any) -> Schema:
    """Return a schema for a string that may be null."""
    return {"type": ["string", "null"], "description": description, **extra}


def obj(properties: dict[str, Schema], required: tuple[str, ...] = (), **extra: Any) -> Schema:
    """Return a closed object schema."""
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False, **extra}


def transaction_fields() -> dict[str, Schema]:
    """Return the fields a client may send for a transaction."""
    return {
        "occurred_on": nullable("Day of the transaction; today when absent or null.",
                                format="date"),
        "description": string("What it was.", minLength=1, maxLength=200),
        "type": string('Direction; "outcome" is accepted as expense.', enum=KINDS),
        "amount": string('Positive amount as a decimal string such as "12.34", never a number;'
                         " at most the currency's decimals.", pattern=AMOUNT, maxLength=100),
        "category": nullable("Category id or name; an unknown name creates the category.",
                             maxLength=60),
        "member": nullable('Member id or name; default is "me".', maxLength=64),
        "notes": string("Free text.", maxLength=2000),
    }


def schemas() -> dict[str, Schema]:
    """Return the component schemas."""
    input_fields = transaction_fields()
    return {
        "Transaction": obj({
            "id": string("Transaction id (UUID)."),
            "occurred_on": string("Day of the transaction.", format="date"),
            "description": string("What it was."),
            "type": string("Direction.", enum=KINDS),
            "amount": string("Positive amount, decimal string.", pattern=AMOUNT),
            "currency": string("ISO 4217 household currency.", pattern="^[A-Z]{3}$"),
            "category": nullable("Category name."), "category_id": nullable("Category id."),
            "member": nullable("Who recorded it."), "member_id": nullable("Member id."),
            "notes": string("Free text."),
            "created_at": string("UTC creation time, set once.", format="date-time"),
            "updated_at": string("UTC time of the last change.", format="date-time"),
            "sync": string("Whether a peer has acknowledged the latest change.",
                           enum=["pending", "synced"]),
        }, ("id", "occurred_on", "description", "type", "amount", "currency", "category",
            "category_id", "member", "member_id", "notes", "created_at", "updated_at", "sync")),
        "TransactionInput": obj({**input_fields, "member_id": nullable("Alias of member.")},
                                ("description", "amount")),
        "TransactionPatch": obj({**input_fields, "occurred_on": string("New day.", format="date")},
                                minProperties=1,
                                description="Only the fields sent change."),
        "TransactionPage": obj({
            "items": {"type": "array", "items": ref("Transaction")},
            "next_cursor": nullable("Cursor of the next page; null on the last page."),
            "totals": ref("Totals"),
        }, ("items", "next_cursor", "totals")),
        "Totals": obj({name: string(f"Sum of {name} for the whole filter.", pattern=pattern)
                       for name, pattern in (("income", AMOUNT), ("expense", AMOUNT),
                                             ("balance", SIGNED_AMOUNT))},
                      ("income", "expense", "balance")),
        "Category": obj({"id": string("Category id (derived from the name)."),
                         "name": string("Name."), "kind": string("Kind.", enum=KINDS),
                         "color": string("Colour.", pattern=COLOR)},
                        ("id", "name", "kind", "color")),
        "CategoryInput": obj({
            "name": string("Name; an existing name (ignoring case and spacing) returns that"
                           " category.", minLength=1, maxLength=60),
            "kind": string("Kind; default expense.", enum=KINDS),
            "color": nullable("Colour; default picked from the name.", pattern=COLOR),
        }, ("name",)),
        "Member": obj({"id": string("Member id."), "name": string("Name.")}, ("id", "name")),
        "MemberInput": obj({"name": string("Name, unique ignoring case.", minLength=1,
                                           maxLength=60)}, ("name",)),
        "Error": obj({"error": string("What went wrong, for people."),
                      "field": string("The input field at fault, when there is one.")},
                     ("error",)),
        "Health": obj({"status": string("Always ok.", const="ok"),
                       "version": string("App version.")}, ("status", "version")),
        **openapi_files.schemas(),
        **openapi_sync.schemas(),
        **openapi_reports.schemas(),
    }


def list_of(name: str) -> Schema:
    """Return the schema of {"items": [name, ...]}."""
    return obj({"items": {"type": "array", "items": ref(name)}}, ("items",))


def reply(description: str, schema: Schema) -> Schema:
    """Return a JSON response object."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(operation_id: str, summary: str, ok: tuple[int, str, Schema],
              errors: tuple[int, ...] = (), body: str | None = None,
              parameters: list[Schema] | None = None) -> Schema:
    """Return an operation with its success response and the error responses it can give."""
    status, description, schema = ok
    found: Schema = {"operationId": operation_id, "summary": summary,
                     "responses": {str(status): reply(description, schema)}}
    for code in errors:
        found["responses"][str(code)] = reply(ERRORS[code], ref("Error"))
    if body:
        found["requestBody"] = {"required": True,
                                "content": {"application/json": {"schema": ref(body)}}}
        found["security"] = [{}, {"csrfToken": []}]
    if parameters:
        found["parameters"] = parameters
    return found


def query(name: str, description: str, **schema: Any) -> Schema:
    """Return an optional query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", **schema}}


def list_parameters() -> list[Schema]:
    """Return the filters and paging parameters of the transaction list."""
    return [
        query("q", "Text in description, notes or category name.", maxLength=200),
        query("type", "Only income or only expense.", enum=KINDS),
        query("category", "Category id or name."),
        query("member", "Member id or name."),
        query("month", "A month, YYYY-MM (overrides from/to).", pattern=r"^\d{4}-\d{2}$"),
        query("from", "First day, inclusive.", format="date"),
        query("to", "Last day, inclusive.", format="date"),
        query("status", "Sync status.", enum=["pending", "synced"]),
        query("cursor", "The next_cursor of the previous page."),
        {"name": "limit", "in": "query", "required": False, "description": "Page size.",
         "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
    ]


def paths() -> dict[str, Schema]:
    """Return every path of the API with its operations."""
    txn = (200, "The transaction.", ref("Transaction"))
    with_id = [{"name": "transaction_id", "in": "path", "required": True,
                "schema": {"type": "string"}}]
    unsafe = (400, 403, 404, 413)
    return {
        "/health": {"get": operation("get_health", "Say the server is up.",
                                     (200, "Up.", ref("Health")))},
        "/openapi.json": {"get": operation("get_openapi", "This document.",
                                           (200, "OpenAPI 3.1 document.", {"type": "object"}))},
        "/transactions": {
            "get": operation("get_transactions", "List transactions, newest first, with totals.",
                             (200, "One page.", ref("TransactionPage")), (400, 403, 404),
                             parameters=list_parameters()),
            "post": operation("post_transaction", "Record a transaction.",
                              (201, "Recorded.", ref("Transaction")), unsafe,
                              body="TransactionInput"),
        },
        "/transactions/{transaction_id}": {
            "parameters": with_id,
            "get": operation("get_transaction", "Get one transaction.", txn, (403, 404)),
            "patch": operation("patch_transaction", "Change some fields.", txn, unsafe,
                               body="TransactionPatch"),
            "delete": operation("delete_transaction", "Delete (a restorable tombstone).",
                                (200, "The transaction as it was.", ref("Transaction")),
                                (403, 404)),
        },
        "/transactions/{transaction_id}/restore": {
            "parameters": with_id,
            "post": operation("restore_transaction", "Undo a delete.", txn, (403, 404)),
        },
        "/categories": {
            "get": operation("get_categories", "List categories by name.",
                             (200, "Categories.", list_of("Category"))),
            "post": operation("post_category", "Create a category, or return the same-named one.",
                              (201, "The category.", ref("Category")), (400, 403, 413),
                              body="CategoryInput"),
        },
        "/members": {
            "get": operation("get_members", "List members by name.",
                             (200, "Members.", list_of("Member"))),
            "post": operation("post_member", "Add a member.", (201, "Added.", ref("Member")),
                              (400, 403, 409, 413), body="MemberInput"),
        },
        **openapi_files.paths(list_parameters()),
        **openapi_sync.paths(),
        **openapi_reports.paths(ref("Error")),
    }


def document() -> dict[str, Any]:
    """Return the OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "OurMoney API", "version": __version__,
                 "description": "Amounts are decimal strings, never JSON numbers. Errors are"
                                ' {"error": message, "field": name} with a 4xx status.'},
        "servers": [{"url": "/api/v1"}],
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"csrfToken": {
                "type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                "description": "Needed only by browsers (session cookie, Origin or"
                               " Sec-Fetch-Site); take it from the page's csrf-token meta."},
                **openapi_sync.security_schemes()},
        },
    }
