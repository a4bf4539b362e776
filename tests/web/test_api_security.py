"""Request security and HTTP errors of the JSON API: Host, Origin, CSRF, headers, 404/405/413."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from ourmoney.services.book import Book
from ourmoney.web import MAX_REQUEST_BYTES
from tests.web.api_support import API, add, counts

LUNCH = {"description": "Lunch", "amount": "12.34"}
CROSS_SITE = {"error": "Cross-site requests are not allowed."}
EXPIRED = {"error": "The form has expired; reload the page and try again."}


def page_token(client: FlaskClient) -> str:
    """Open the home page as a browser does and return its CSRF token (the session is kept)."""
    page = client.get("/")
    assert page.status_code == 200
    meta = BeautifulSoup(page.get_data(as_text=True), "html.parser").find(
        "meta", attrs={"name": "csrf-token"})
    assert meta is not None
    token = meta.get("content")
    assert isinstance(token, str) and len(token) >= 32
    return token


def assert_refused(response: Any, status: int, expected: dict[str, str]) -> None:
    """Assert an exact JSON refusal."""
    assert (response.status_code, response.content_type) == (status, "application/json")
    assert response.get_json() == expected


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8421", "127.0.0.1.evil.example",
                                  "localhost.evil.example"])
def test_foreign_host_is_refused_and_changes_nothing(client: FlaskClient, book: Book,
                                                     host: str) -> None:
    before = counts(book)
    refusal = {"error": "This address is not allowed to reach OurMoney."}
    assert_refused(client.get(f"{API}/health", headers={"Host": host}), 403, refusal)
    assert_refused(client.post(f"{API}/transactions", json=LUNCH, headers={"Host": host}), 403,
                   refusal)
    assert counts(book) == before


@pytest.mark.parametrize("host", ["localhost", "localhost:8421", "127.0.0.1:9", "[::1]:8421"])
def test_loopback_hosts_are_allowed(client: FlaskClient, host: str) -> None:
    assert client.get(f"{API}/health", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"}, {"Origin": "http://localhost.evil.example"},
    {"Origin": "null"}, {"Origin": "https://localhost"}, {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"}])
def test_cross_site_writes_are_refused(client: FlaskClient, book: Book,
                                       headers: dict[str, str]) -> None:
    created = add(client)
    token = page_token(client)
    before = counts(book)
    headers = {**headers, "X-CSRF-Token": token}
    assert_refused(client.post(f"{API}/transactions", json=LUNCH, headers=headers), 403,
                   CROSS_SITE)
    assert_refused(client.delete(f"{API}/transactions/{created['id']}", headers=headers), 403,
                   CROSS_SITE)
    assert counts(book) == before


def test_a_browser_write_needs_the_page_token(client: FlaskClient, book: Book) -> None:
    token = page_token(client)
    before = counts(book)
    assert_refused(client.post(f"{API}/transactions", json=LUNCH), 403, EXPIRED)
    assert_refused(client.post(f"{API}/transactions", json=LUNCH,
                               headers={"X-CSRF-Token": "not-the-token"}), 403, EXPIRED)
    assert counts(book) == before
    response = client.post(f"{API}/transactions", json=LUNCH, headers={"X-CSRF-Token": token})
    assert response.status_code == 201
    same_origin = {"X-CSRF-Token": token, "Origin": "http://localhost",
                   "Sec-Fetch-Site": "same-origin"}
    assert client.post(f"{API}/transactions", json=LUNCH, headers=same_origin).status_code == 201
    assert counts(book)["transactions"] == before["transactions"] + 2


def test_same_origin_without_a_session_needs_a_token(client: FlaskClient, book: Book) -> None:
    before = counts(book)
    for headers in ({"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"},
                    {"Origin": "http://localhost", "X-CSRF-Token": "guessed"}):
        assert_refused(client.post(f"{API}/members", json={"name": "Ana"}, headers=headers),
                       403, EXPIRED)
    assert counts(book) == before


def test_every_unsafe_method_checks_the_token(client: FlaskClient, book: Book) -> None:
    created = add(client)
    page_token(client)
    before = counts(book)
    transaction = f"{API}/transactions/{created['id']}"
    for response in (client.patch(transaction, json={"amount": "1"}), client.delete(transaction),
                     client.post(f"{transaction}/restore"),
                     client.post(f"{API}/categories", json={"name": "Food"}),
                     client.post(f"{API}/members", json={"name": "Ana"})):
        assert_refused(response, 403, EXPIRED)
    assert counts(book) == before
    assert client.get(transaction).get_json() == created


def test_session_cookie_is_http_only_and_strict(client: FlaskClient) -> None:
    cookie = client.get("/").headers["Set-Cookie"]
    assert cookie.startswith("ourmoney_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/health", 200), ("get", "/transactions", 200), ("get", "/nope", 404),
    ("put", "/transactions", 405), ("post", "/transactions", 403)])
def test_responses_carry_security_headers(client: FlaskClient, method: str, path: str,
                                          status: int) -> None:
    headers = {"Origin": "http://evil.example"} if status == 403 else {}
    response = getattr(client, method)(API + path, headers=headers)
    assert response.status_code == status
    directives = dict(part.strip().split(" ", 1)
                      for part in response.headers["Content-Security-Policy"].split(";"))
    assert directives["script-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["default-src"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/nope", "/transactions/x/y", "/", "/categories/food"])
def test_unknown_api_route_is_a_json_404(client: FlaskClient, path: str) -> None:
    assert_refused(client.get(API + path), 404, {"error": "There is nothing at this address."})


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("put", "/transactions", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("post", "/health", {"GET", "HEAD", "OPTIONS"}),
    ("delete", "/members", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("put", "/transactions/x", {"GET", "HEAD", "OPTIONS", "PATCH", "DELETE"})])
def test_wrong_method_is_a_json_405_that_says_what_is_allowed(
        client: FlaskClient, book: Book, method: str, path: str, allowed: set[str]) -> None:
    before = counts(book)
    response = getattr(client, method)(API + path, json=LUNCH)
    assert_refused(response, 405, {"error": "The method is not allowed for the requested URL."})
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert counts(book) == before


@pytest.mark.parametrize(("method", "path"), [("post", "/transactions"),
                                              ("patch", "/transactions/{id}"),
                                              ("post", "/categories")])
def test_a_body_over_the_limit_is_a_json_413(client: FlaskClient, book: Book, method: str,
                                             path: str) -> None:
    created = add(client)
    before = counts(book)
    huge = '{"description": "' + "x" * MAX_REQUEST_BYTES + '", "amount": "1"}'
    response = getattr(client, method)(API + path.format(id=created["id"]), data=huge,
                                       content_type="application/json")
    assert_refused(response, 413, {"error": "The upload is too large."})
    assert counts(book) == before


def test_a_body_just_under_the_limit_is_read(client: FlaskClient, book: Book) -> None:
    padding = " " * (MAX_REQUEST_BYTES - 100)
    response = client.post(f"{API}/transactions", data=padding + '{"description": "Big",'
                           ' "amount": "1"}', content_type="application/json")
    assert response.status_code == 201 and response.get_json()["description"] == "Big"
