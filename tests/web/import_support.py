"""Helpers for the import and export tests: files to upload, the upload and confirm steps."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from tests.web.test_pages import soup, token

SEED = [
    {"id": "seed-1", "description": "Coffee", "type": "outcome", "category": "Food",
     "price": 2.5, "owner": "Ana", "email": "ana@example.com",
     "createdAt": "2025-01-20T14:03:11.123Z", "status": "done"},
    {"id": "seed-2", "description": "Salary", "type": "income", "category": "Work",
     "price": 1000, "owner": "Ana", "email": "ana@example.com",
     "createdAt": "2025-01-21T09:00:00.000Z", "status": "done"},
    {"id": "seed-3", "description": "Rent", "type": "outcome", "category": "Home",
     "price": 700.5, "owner": "Rui", "email": "rui@example.com",
     "createdAt": "2025-01-22T10:30:00.000Z", "status": "done"},
]
BANK_CSV = ("Date;Payee;Memo;Amount\n"
            "03.02.2025;Bakery;bread;-2,40\n"
            "04.02.2025;Employer;salary;1.500,00\n"
            "05.02.2025;Cinema;;-9,00\n")


def seed_json(rows: list[dict[str, Any]] | None = None) -> bytes:
    """Return a file in the original desktop app's JSON format."""
    return json.dumps(SEED if rows is None else rows).encode()


def upload(client: FlaskClient, name: str, data: bytes, **form: str) -> TestResponse:
    """Send a file to the Import page as the browser's upload form does."""
    fields: dict[str, Any] = {"csrf_token": token(client), "format": "auto", **form}
    fields["file"] = FileStorage(io.BytesIO(data), name)
    return multipart(client, "/import", fields)


def multipart(client: FlaskClient, path: str, fields: dict[str, Any],
              headers: dict[str, str] | None = None) -> TestResponse:
    """POST a multipart form built in memory (the test client would spill a big one to a
    temporary file that it never closes when the request is not followed)."""
    boundary, body = encode_multipart(fields)
    return client.post(path, data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def review_url(client: FlaskClient, name: str, data: bytes, **form: str) -> str:
    """Upload a file and return the address of its review page."""
    response = upload(client, name, data, **form)
    assert response.status_code == 303, response.get_data(as_text=True)
    return str(response.headers["Location"])


def form_of(client: FlaskClient, url: str) -> dict[str, Any]:
    """Return the review page's confirm form as the browser would submit it (a multi-dict)."""
    page = soup(client.get(url))
    form = page.select_one("#import-form")
    assert form is not None
    values: dict[str, Any] = {}
    for field in form.select("input[name], select[name]"):
        name = str(field["name"])
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            value = str(chosen["value"]) if chosen else ""
        elif field.get("type") == "checkbox":
            if not field.has_attr("checked"):
                continue
            value = "on"
        else:
            value = str(field.get("value", ""))
        values.setdefault(name, []).append(value)
    return values


def confirm(client: FlaskClient, url: str, **changes: Any) -> TestResponse:
    """Press Confirm on a review page (after changing some fields) and follow to the result."""
    values = form_of(client, url) | {name: value if isinstance(value, list) else [value]
                                     for name, value in changes.items()}
    response = client.post(f"{url.split('?')[0]}/confirm", data=values)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.get(str(response.headers["Location"]))


def waiting_uploads(app: Flask) -> list[str]:
    """Return the names of the files waiting in the data folder's uploads/."""
    folder = Path(app.extensions["ourmoney"]["settings"].data_path) / "uploads"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []
