"""The Devices page: add device (code and QR), pair nearby or by address, rename, revoke."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ourmoney import settings
from ourmoney.services import devices, pairing
from ourmoney.services.book import Book
from ourmoney.services.discovery import NearbyDevice
from ourmoney.web import create_app
from tests.support.wsgi import serving
from tests.web.test_pages import post, soup, texts


class SeenNearby:
    """Stands in for discovery: a fixed list of nearby devices."""

    def __init__(self, *found: NearbyDevice) -> None:
        self.found = list(found)

    def nearby(self) -> list[NearbyDevice]:
        return self.found


@pytest.fixture
def other(tmp_path: Path) -> Iterator[tuple[Book, str]]:
    """Another device (A) served over HTTP: its book and address."""
    app = create_app(settings.load({"data_dir": str(tmp_path / "other")}, environ={}))
    book: Book = app.extensions["ourmoney"]["book"]
    try:
        with serving(app) as url:
            yield book, url
    finally:
        book.close()


def test_an_empty_page_says_so(client: FlaskClient) -> None:
    page = soup(client.get("/devices"))
    assert texts(page, "h1") == ["Devices"]
    assert page.select_one("#no-peers") is not None and page.select_one("#no-nearby") is not None
    assert page.select_one("nav a[aria-current=page]").get_text() == "Devices"


def test_add_device_shows_a_working_code_and_its_qr(client: FlaskClient, book: Book) -> None:
    response = post(client, "/devices/code")
    assert response.status_code == 200
    page = soup(response)
    code = texts(page, "#pairing-code")[0]
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert page.select_one(".qr-box svg") is not None
    assert page.select_one("[data-countdown]")["data-countdown"] == "600"
    request = pairing.read_request({"code": code, "device_id": "0123456789abcdef",
                                    "name": "Laptop", "token": "t" * 43})
    assert pairing.accept(book, request).device_id == book.device_id


def test_add_device_needs_the_form_token(client: FlaskClient, book: Book) -> None:
    client.get("/devices")  # now a browser with a session
    assert client.post("/devices/code").status_code == 403
    assert book.store.value("SELECT count(*) FROM one_time_code") == 0


def test_pairing_by_address_pairs_both_devices(client: FlaskClient, book: Book,
                                               other: tuple[Book, str]) -> None:
    other_book, url = other
    code = pairing.new_code(other_book).code
    response = post(client, "/devices/pair", address=url, code=code.lower())
    assert response.status_code == 303
    page = soup(client.get("/devices"))
    assert texts(page, ".flash") == [f"Paired with {other_book.device_name}."]
    assert texts(page, "#peers .peer-name") == [other_book.device_name]
    assert [p.device_id for p in devices.list_peers(other_book)] == [book.device_id]


def test_a_wrong_code_says_why_and_pairs_nothing(client: FlaskClient, book: Book,
                                                 other: tuple[Book, str]) -> None:
    other_book, url = other
    pairing.new_code(other_book)
    post(client, "/devices/pair", address=url, code="WRNG-CDEX")
    page = soup(client.get("/devices"))
    assert texts(page, ".flash-error") == [
        f"{url}sync/v1/pair refused: That code is wrong, expired or already used."]
    assert devices.list_peers(book) == devices.list_peers(other_book) == []


def test_nearby_devices_offer_pairing_unless_paired(app: Flask, client: FlaskClient,
                                                    book: Book) -> None:
    app.extensions["ourmoney"]["discovery"] = SeenNearby(
        NearbyDevice("0123456789abcdef", "<b>Kitchen</b>", "0.1", ("127.0.0.1",), 8500),
        NearbyDevice("fedcba9876543210", "Laptop", "0.1", ("127.0.0.1",), 8501))
    devices.save_peer(book, "fedcba9876543210", "Laptop", "http://127.0.0.1:8501/",
                      our_token="o" * 43, their_token="t" * 43)
    page = soup(client.get("/devices"))
    kitchen = page.select_one('#nearby [data-device-id="0123456789abcdef"]')
    assert kitchen.select_one("strong").get_text() == "<b>Kitchen</b>"
    assert kitchen.select_one("input[name=address]")["value"] == "http://127.0.0.1:8500/"
    assert kitchen.select_one("input[name=code]") is not None
    laptop = page.select_one('#nearby [data-device-id="fedcba9876543210"]')
    assert laptop.select_one("form") is None and texts(laptop, ".badge") == ["paired"]
    assert "<b>Kitchen</b>" not in client.get("/devices").get_data(as_text=True)


def test_rename_and_revoke(client: FlaskClient, book: Book) -> None:
    theirs = "t" * 43
    devices.save_peer(book, "fedcba9876543210", "Laptop", "http://127.0.0.1:8501/",
                      our_token="o" * 43, their_token=theirs)
    post(client, "/devices/fedcba9876543210/rename", name="<script>x</script>")
    assert devices.get_peer(book, "fedcba9876543210").name == "<script>x</script>"
    post(client, "/devices/fedcba9876543210/rename", name="  ")
    page = soup(client.get("/devices"))
    assert texts(page, ".flash-error") == ["A device name is 1 to 60 characters."]
    assert texts(page, "#peers .peer-name") == ["<script>x</script>"]
    assert texts(page, "#peers .peer-sync") == ["Never synced"]
    post(client, "/devices/fedcba9876543210/revoke")
    page = soup(client.get("/devices"))
    assert texts(page, ".flash") == ["<script>x</script> can no longer sync with this device."]
    assert texts(page, "#peers .badge") == ["revoked"]
    assert page.select_one("#peers .revoke") is None
    assert devices.authenticate(book, theirs) is None


def test_unknown_devices_are_refused_on_the_page(client: FlaskClient) -> None:
    post(client, "/devices/0000000000000000/revoke")
    assert texts(soup(client.get("/devices")), ".flash-error") == [
        "There is no paired device with that id."]


def test_last_sync_and_error_are_shown(client: FlaskClient, book: Book) -> None:
    devices.save_peer(book, "fedcba9876543210", "Laptop", "", our_token="o" * 43,
                      their_token="t" * 43)
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET last_sync_at = '2026-01-02T03:04:05.678Z',"
                       " last_error = 'Cannot reach <it>'")
    page = soup(client.get("/devices"))
    shown = texts(page, "#peers .peer-sync")[0]
    assert shown.startswith("Last sync: ") and "26" in shown  # local time, short format
    assert texts(page, "#peers .peer-error") == ["Last error: Cannot reach <it>"]
    assert texts(page, "#peers .peer-url") == ["address unknown"]


def test_the_page_speaks_portuguese(client: FlaskClient, book: Book) -> None:
    from ourmoney.services import household

    household.save_preferences(book, language="pt")
    page = soup(client.get("/devices"))
    assert texts(page, "h1") == ["Dispositivos"]
    assert texts(page, "#add-device") == ["Adicionar dispositivo"]
