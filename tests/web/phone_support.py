"""Helpers for the phone-access tests: a desktop on loopback and phones on the LAN."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ourmoney.services.book import Book

LAN_ADDRESS = "192.168.1.5"
LAN_URL = f"http://{LAN_ADDRESS}:8421"
PHONE_ADDRESS = "192.168.1.20"
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
               " Chrome/126.0 Mobile Safari/537.36")


def soup(response: TestResponse) -> BeautifulSoup:
    """Parse a page."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def page_token(response: TestResponse) -> str:
    """Return the CSRF token a page carries."""
    meta = soup(response).find("meta", attrs={"name": "csrf-token"})
    assert meta is not None
    return str(meta["content"])


def phone_client(app: Flask, address: str = PHONE_ADDRESS) -> FlaskClient:
    """Return a test client that connects from `address` on the LAN, as a phone browser."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=PHONE_AGENT)
    return client


def lan_get(client: FlaskClient, path: str, **kwargs: Any) -> TestResponse:
    """GET `path` through the desktop's LAN address."""
    return client.get(path, base_url=LAN_URL, **kwargs)


def lan_post(client: FlaskClient, path: str, **kwargs: Any) -> TestResponse:
    """POST to `path` through the desktop's LAN address."""
    return client.post(path, base_url=LAN_URL, **kwargs)


def desktop_post(client: FlaskClient, path: str, **form: str) -> TestResponse:
    """Post a form from the desktop with its page token."""
    token = page_token(client.get("/phone"))
    return client.post(path, data={"csrf_token": token, **form})


def new_code(desktop: FlaskClient, member_id: str) -> str:
    """Show a sign-in code for `member_id` on the desktop and return it as displayed."""
    response = desktop_post(desktop, "/phone/code", member=member_id)
    assert response.status_code == 200
    shown = soup(response).find(id="code")
    assert shown is not None
    return shown.get_text(strip=True)


def sign_in(phone: FlaskClient, code: str) -> TestResponse:
    """Open the sign-in page on the phone and send `code` with the page's token."""
    token = page_token(lan_get(phone, "/signin"))
    return lan_post(phone, "/signin", data={"code": code, "csrf_token": token})


def signed_in_phone(app: Flask, desktop: FlaskClient, member_id: str,
                    address: str = PHONE_ADDRESS) -> FlaskClient:
    """Return a phone client signed in as `member_id`."""
    phone = phone_client(app, address)
    response = sign_in(phone, new_code(desktop, member_id))
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    return phone


def stored(book: Book) -> dict[str, Any]:
    """Return what a refused request must leave as it was."""
    tables = ("transactions", "change", "category", "member", "phone_session", "setting")
    return {table: book.store.rows(f"SELECT * FROM {table} ORDER BY 1") for table in tables}
