"""The file API: POST /imports (and its dry run), GET /imports, POST /imports/{id}/undo, every
kind of bad input (nothing changes then), and the shapes the OpenAPI document promises."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage

from ourmoney.services.book import Book
from tests.web.api_support import API, browse, conforms, counts
from tests.web.import_support import BANK_CSV, SEED, multipart, seed_json, waiting_uploads
from tests.web.test_pages import token

SAME_ID = "same id already in the ledger"


def send(client: FlaskClient, name: str | None, data: bytes = b"",
         headers: dict[str, str] | None = None, **fields: str) -> tuple[int, dict[str, Any]]:
    """POST a file to /imports as a script would; return the status and the JSON body."""
    form: dict[str, Any] = dict(fields)
    if name is not None:
        form["file"] = FileStorage(io.BytesIO(data), name)
    response = multipart(client, f"{API}/imports", form, headers)
    return response.status_code, response.get_json()


def test_an_import_adds_the_rows_and_says_what_it_did(app: Flask, client: FlaskClient,
                                                      book: Book) -> None:
    status, body = send(client, "seed.json", seed_json())
    assert status == 201
    conforms("ImportResult", body)
    assert body == {"batch_id": body["batch_id"], "format": "json", "source": "seed.json",
                    "dry_run": False, "added": 3, "duplicates": 0, "errors": 0, "ignored": 0,
                    "sum_added": "297.00", "problems": [], "reasons": {}}
    assert [t["description"] for t in browse(client)["items"]] == ["Rent", "Salary", "Coffee"]
    assert waiting_uploads(app) == []


def test_the_same_file_again_adds_nothing_and_gives_the_reason(client: FlaskClient) -> None:
    send(client, "seed.json", seed_json())
    status, body = send(client, "seed.json", seed_json())
    assert status == 201
    assert (body["batch_id"], body["added"], body["duplicates"], body["reasons"]) == (
        None, 0, 3, {SAME_ID: 3})


def test_a_dry_run_previews_every_row_and_writes_nothing(client: FlaskClient,
                                                         book: Book) -> None:
    before = counts(book)
    status, body = send(client, "seed.json", seed_json(), dry_run="true")
    assert status == 200
    conforms("ImportPreview", body)
    assert (body["batch_id"], body["dry_run"], body["added"]) == (None, True, 3)
    assert body["preview"][0] == {"line": 1, "status": "new", "reason": "",
                                  "occurred_on": "2025-01-20", "description": "Coffee",
                                  "amount": "-2.50", "category": "Food"}
    assert counts(book) == before


def test_recent_imports_are_listed_and_undone_once(client: FlaskClient, book: Book) -> None:
    _, first = send(client, "first.json", seed_json(SEED[:1]))
    _, second = send(client, "second.json", seed_json(SEED[1:]))
    listed = client.get(f"{API}/imports").get_json()["items"]
    for item in listed:
        conforms("ImportBatch", item)
    assert [(i["id"], i["source"], i["added"], i["undone_at"]) for i in listed] == [
        (second["batch_id"], "second.json", 2, None), (first["batch_id"], "first.json", 1, None)]
    undone = client.post(f"{API}/imports/{second['batch_id']}/undo")
    assert (undone.status_code, undone.get_json()) == (200, {"removed": 2})
    assert [t["description"] for t in browse(client)["items"]] == ["Coffee"]
    assert client.get(f"{API}/imports").get_json()["items"][0]["undone_at"] is not None
    again = client.post(f"{API}/imports/{second['batch_id']}/undo")
    assert (again.status_code, again.get_json()) == (
        409, {"error": "That import was already undone.", "field": "batch"})
    missing = client.post(f"{API}/imports/no-such-batch/undo")
    assert (missing.status_code, missing.get_json()) == (
        404, {"error": "There is no import with that batch id.", "field": "batch"})


def test_a_csv_uses_the_guess_or_the_mapping_sent(client: FlaskClient) -> None:
    status, body = send(client, "bank.csv", BANK_CSV.encode(), dry_run="true")
    assert (status, body["added"], body["sum_added"]) == (200, 3, "1488.60")
    mapping = {"date": 0, "description": [1, 2], "amount": 3, "decimal": ",", "invert": True,
               "date_format": "%d.%m.%Y"}
    status, body = send(client, "bank.csv", BANK_CSV.encode(), mapping=json.dumps(mapping))
    assert (status, body["added"], body["sum_added"]) == (201, 3, "-1488.60")
    assert [t["description"] for t in browse(client)["items"]] == [
        "Cinema", "Employer - salary", "Bakery - bread"]


def test_invalid_rows_refuse_the_import_unless_skipped(client: FlaskClient, book: Book) -> None:
    rows = [*SEED[:2], {**SEED[2], "price": "lots"}]
    before = counts(book)
    status, body = send(client, "bad.json", seed_json(rows))
    assert status == 400
    conforms("ImportRefused", body)
    assert (body["error"], body["field"], body["added"], body["errors"], body["problems"]) == (
        "Line 3 is not valid, so nothing was imported: Transaction 3: price must be a number,"
        " not 'lots'. Fix it, or send skip_invalid=true to import the other rows.", "file", 0,
        1, [{"line": 3, "message": "Transaction 3: price must be a number, not 'lots'."}])
    rows[0] = {**SEED[0], "type": "gift"}
    status, body = send(client, "bad.json", seed_json(rows))
    assert (status, body["error"], body["errors"]) == (
        400, "2 rows are not valid, so nothing was imported; fix them or send"
             " skip_invalid=true to import the rest.", 2)
    assert counts(book) == before
    status, body = send(client, "bad.json", seed_json(rows), skip_invalid="true")
    assert (status, body["added"], body["errors"]) == (201, 1, 2)


def test_a_file_unreadable_as_a_whole_says_so(client: FlaskClient, book: Book) -> None:
    status, body = send(client, "cut.json", seed_json()[:40])
    assert status == 400
    assert body["error"] == (
        "Line 1 is not valid, so nothing was imported: The JSON is not valid or is cut short"
        " here; nothing after this point can be read (parse error: premature EOF). Fix it, or"
        " send skip_invalid=true to import the other rows.")
    assert counts(book)["transactions"] == 0
    status, body = send(client, "statement.ofx", b"OFXHEADER:100\nnot really")
    assert (status, body["problems"][0]["line"]) == (400, 0)
    assert body["error"] == body["problems"][0]["message"]


@pytest.mark.parametrize(("name", "data", "fields", "status", "error", "field"), [
    (None, b"", {}, 400, "Choose a file to import.", "file"),
    ("", b"", {}, 400, "Choose a file to import.", "file"),
    ("empty.json", b"", {}, 400, "The file is empty.", "file"),
    ("garbage.bin", bytes(range(256)) * 4, {}, 400,
     "This file is not a bank statement OurMoney can read.", "file"),
    ("garbage.csv", bytes(range(256)) * 4, {}, 400,
     "This file is not a text table (CSV): it holds binary data.", "file"),
    ("seed.json", seed_json(), {"format": "pdf"}, 400,
     "Format must be auto or one of json, csv, xlsx, ofx, qif, camt, mt940.", "format"),
    ("seed.json", seed_json(), {"dry_run": "maybe"}, 400, "dry_run must be true or false.",
     "dry_run"),
    ("seed.json", seed_json(), {"skip_invalid": "2"}, 400,
     "skip_invalid must be true or false.", "skip_invalid"),
    ("seed.json", seed_json(), {"mapping": "{"}, 400,
     "The column mapping must be a JSON object.", "mapping"),
    ("seed.json", seed_json(), {"mapping": '{"date": 0, "amount": 1}'}, 400,
     "A column mapping is only for CSV and XLSX files.", "mapping"),
    ("bank.csv", BANK_CSV.encode(), {"mapping": "[1, 2]"}, 400,
     "The column mapping must be a JSON object.", "mapping"),
    ("bank.csv", BANK_CSV.encode(), {"mapping": '{"date": 0, "amount": 1, "colour": 2}'}, 400,
     "The column mapping has an unknown field: colour.", "mapping"),
    ("bank.csv", BANK_CSV.encode(), {"mapping": '{"date": 0, "description": [1],'
                                                ' "amount": 12}'}, 400,
     "The file has 4 columns, so there is no column 13.", "mapping"),
    ("bank.csv", BANK_CSV.encode(), {"mapping": '{"date": -1, "amount": 3}'}, 400,
     "The date column must be a column number from 0 to 999.", "mapping"),
    ("seed.json", seed_json(), {"format": "ofx"}, 400, None, "file"),
])
def test_bad_input_is_a_clear_error_and_changes_nothing(
        app: Flask, client: FlaskClient, book: Book, name: str | None, data: bytes,
        fields: dict[str, str], status: int, error: str | None, field: str) -> None:
    before = counts(book)
    found_status, body = send(client, name, data, **fields)
    assert found_status == status
    assert body["field"] == field
    if error is not None:
        assert body["error"] == error
    conforms("ImportRefused" if "problems" in body else "Error", body)
    assert counts(book) == before
    assert waiting_uploads(app) == []


@pytest.mark.parametrize("extra", [1, 70 * 1024])
def test_a_file_over_the_limit_is_a_413_that_names_the_cli(app: Flask, client: FlaskClient,
                                                            book: Book, extra: int) -> None:
    app.config["UPLOAD_LIMIT"] = 1024 * 1024
    before = counts(book)
    status, body = send(client, "big.json", b" " * (1024 * 1024 + extra))
    assert (status, body) == (413, {
        "error": "The file is larger than 1 MB. Import it with the command line instead:"
                 " ourmoney import FILE", "field": "file"})
    assert counts(book) == before
    assert waiting_uploads(app) == []


def test_a_browser_needs_the_csrf_token(client: FlaskClient, book: Book) -> None:
    page_token = token(client)
    status, body = send(client, "seed.json", seed_json())
    assert (status, body["error"]) == (403, "The form has expired; reload the page and try"
                                            " again.")
    status, body = send(client, "seed.json", seed_json(), headers={"X-CSRF-Token": page_token})
    assert status == 201
    undo = client.post(f"{API}/imports/{body['batch_id']}/undo")
    assert undo.status_code == 403
    assert counts(book)["transactions"] == 3


def test_a_cross_site_upload_is_refused(client: FlaskClient, book: Book) -> None:
    status, body = send(client, "seed.json", seed_json(),
                        headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert (status, body["error"]) == (403, "Cross-site requests are not allowed.")
    assert counts(book)["transactions"] == 0


def test_the_file_endpoints_are_in_the_openapi_document(client: FlaskClient) -> None:
    doc = client.get(f"{API}/openapi.json").get_json()
    assert doc["paths"]["/imports"]["post"]["requestBody"]["content"][
        "multipart/form-data"]["schema"] == {"$ref": "#/components/schemas/ImportUpload"}
    assert set(doc["paths"]["/imports"]["post"]["responses"]) == {"200", "201", "400", "403",
                                                                  "413"}
    assert [p["name"] for p in doc["paths"]["/export"]["get"]["parameters"]] == [
        "format", "q", "type", "category", "member", "month", "from", "to", "status"]
