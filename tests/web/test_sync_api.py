"""The /sync/v1 info and pair endpoints, and the device token check other endpoints use."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, g, jsonify
from flask.testing import FlaskClient
from werkzeug.wrappers import Response

from ourmoney import __version__
from ourmoney.services import devices, pairing
from ourmoney.services.book import Book
from ourmoney.web.sync_api import device_required
from tests.web.api_support import conforms

OTHER = "0123456789abcdef"
TOKEN_B = "B" * 43
WHOAMI = "/sync/v1/test-whoami"


@pytest.fixture
def app(app: Flask) -> Flask:
    """The app with one extra route behind @device_required, as the changes endpoints use it."""
    @device_required
    def whoami() -> Response:
        return jsonify(device_id=g.peer.device_id)

    app.add_url_rule(WHOAMI, "sync_api_test_whoami", whoami, methods=["GET", "POST"])
    return app


def pair(client: FlaskClient, book: Book, **fields: Any) -> Any:
    body = {"code": pairing.new_code(book).code, "device_id": OTHER, "name": "Laptop",
            "url": "http://127.0.0.1:9000/", "token": TOKEN_B, **fields}
    return client.post("/sync/v1/pair", json=body)


def peer_rows(book: Book) -> int:
    return int(book.store.value("SELECT count(*) FROM peer"))


def test_info_says_who_this_device_is_without_secrets(client: FlaskClient, book: Book) -> None:
    response = client.get("/sync/v1/info")
    assert response.status_code == 200
    assert response.get_json() == {"device_id": book.device_id, "name": book.device_name,
                                   "version": __version__, "protocol": 1}
    conforms("DeviceInfo", response.get_json())


def test_pairing_answers_a_token_that_then_opens_device_endpoints(client: FlaskClient,
                                                                   book: Book) -> None:
    response = pair(client, book)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    conforms("PairingAnswer", answer)
    assert (answer["device_id"], answer["name"]) == (book.device_id, book.device_name)
    peer = devices.get_peer(book, OTHER)
    assert (peer.name, peer.url, peer.token) == ("Laptop", "http://127.0.0.1:9000/", TOKEN_B)
    seen = client.get(WHOAMI, headers={"Authorization": f"Bearer {answer['token']}"})
    assert (seen.status_code, seen.get_json()) == (200, {"device_id": OTHER})
    posted = client.post(WHOAMI, headers={"Authorization": f"bearer {answer['token']}"})
    assert posted.status_code == 200


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwdw==",
                                    f"Bearer {TOKEN_B}", "Bearer " + "x" * 43, "Token abc"])
def test_device_endpoints_refuse_a_missing_or_wrong_token(client: FlaskClient, book: Book,
                                                          header: str | None) -> None:
    pair(client, book)
    response = client.get(WHOAMI, headers={"Authorization": header} if header is not None else {})
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "This needs a valid device token (Authorization: Bearer ...)."}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ourmoney"'


def test_a_revoked_token_is_refused_at_once(client: FlaskClient, book: Book) -> None:
    token = pair(client, book).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(WHOAMI, headers=headers).status_code == 200
    devices.revoke(book, OTHER)
    assert client.get(WHOAMI, headers=headers).status_code == 401


def test_a_used_code_is_refused(client: FlaskClient, book: Book) -> None:
    code = pairing.new_code(book).code
    assert pair(client, book, code=code).status_code == 200
    response = pair(client, book, code=code, device_id="fedcba9876543210")
    assert (response.status_code, response.get_json()) == (
        403, {"error": "That code is wrong, expired or already used.", "field": "code"})
    assert peer_rows(book) == 1


def test_an_expired_code_is_refused(client: FlaskClient, book: Book) -> None:
    code = pairing.new_code(book, now=lambda: 1_000).code
    response = pair(client, book, code=code)
    assert response.status_code == 403
    assert peer_rows(book) == 0


def test_twenty_wrong_codes_then_every_code_is_refused(client: FlaskClient, book: Book) -> None:
    code = pairing.new_code(book).code
    for _ in range(20):
        assert pair(client, book, code="WRNG-CODE").status_code == 403
    response = pair(client, book, code=code)
    assert (response.status_code, response.get_json()["error"]) == (
        429, "Too many wrong codes were tried; wait 15 minutes and try again.")
    assert peer_rows(book) == 0


def test_pairing_with_itself_is_refused(client: FlaskClient, book: Book) -> None:
    response = pair(client, book, device_id=book.device_id)
    assert (response.status_code, response.get_json()["error"]) == (
        409, "A device cannot pair with itself.")
    assert peer_rows(book) == 0


@pytest.mark.parametrize(("data", "content_type"), [
    ("{not json", "application/json"),
    ("[1, 2]", "application/json"),
    ('"code"', "application/json"),
    ("null", "application/json"),
    ('{"code": "ABCD-EFGH"}', "text/plain"),
    ("code=ABCD-EFGH", "application/x-www-form-urlencoded"),
    ("", "application/json"),
])
def test_bodies_that_are_not_json_objects_are_refused(client: FlaskClient, book: Book,
                                                      data: str, content_type: str) -> None:
    pairing.new_code(book)
    response = client.post("/sync/v1/pair", data=data, content_type=content_type)
    assert (response.status_code, response.get_json()) == (
        400, {"error": "The body must be a JSON object."})
    assert peer_rows(book) == 0


def test_a_large_body_is_refused(client: FlaskClient, book: Book) -> None:
    response = pair(client, book, name="x" * 20_000)
    assert (response.status_code, response.get_json()) == (
        413, {"error": "The request body is too large."})
    assert peer_rows(book) == 0


def test_a_malformed_field_names_itself(client: FlaskClient, book: Book) -> None:
    response = pair(client, book, device_id="<script>")
    assert (response.status_code, response.get_json()) == (
        400, {"error": "A device id is 16 hexadecimal digits.", "field": "device_id"})


def test_a_forged_host_header_is_refused(client: FlaskClient, book: Book) -> None:
    response = pair(client, book, **{})  # a real pairing works on the right host
    assert response.status_code == 200
    code = pairing.new_code(book).code
    forged = client.post("/sync/v1/pair", base_url="http://evil.example:8421",
                         json={"code": code, "device_id": "fedcba9876543210", "name": "Evil",
                               "token": TOKEN_B})
    assert forged.status_code == 403
    assert client.get("/sync/v1/info", base_url="http://evil.example").status_code == 403
    assert peer_rows(book) == 1


def test_a_cross_site_post_is_refused(client: FlaskClient, book: Book) -> None:
    response = client.post("/sync/v1/pair", headers={"Origin": "http://evil.example"},
                           json={"code": pairing.new_code(book).code, "device_id": OTHER,
                                 "name": "Evil", "token": TOKEN_B})
    assert response.status_code == 403
    assert peer_rows(book) == 0
