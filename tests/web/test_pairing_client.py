"""pairing.pair_with (the side that types the code) against device A served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from ourmoney import settings
from ourmoney.services import device_http, devices, pairing
from ourmoney.services.book import Book
from ourmoney.services.pairing import PairingWithSelf
from ourmoney.web import create_app
from tests.support.books import ledger_at
from tests.support.wsgi import serving


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """Serve device A (the `app` fixture) on a free loopback port; yield its address."""
    with serving(app) as url:
        yield url


@pytest.fixture
def device_b(tmp_path: Path) -> Iterator[Book]:
    (tmp_path / "b").mkdir()
    with ledger_at(tmp_path / "b" / "ledger.sqlite3") as opened:
        pairing.remember_own_url(opened, "http://127.0.0.1:9999/")
        yield opened


def test_both_sides_hold_a_token_for_the_other(served: str, book: Book, device_b: Book) -> None:
    code = pairing.new_code(book).code
    peer_a = pairing.pair_with(device_b, served, code.lower())
    assert (peer_a.device_id, peer_a.name, peer_a.url) == (book.device_id, book.device_name,
                                                           served)
    peer_b = devices.get_peer(book, device_b.device_id)
    assert (peer_b.name, peer_b.url) == (device_b.device_name, "http://127.0.0.1:9999/")
    # Each presents what the other expects: B calls A with peer_a.token, A calls B with peer_b's.
    assert devices.authenticate(book, peer_a.token) == peer_b
    assert devices.authenticate(device_b, peer_b.token) == peer_a


def test_a_pairing_link_alone_is_enough(served: str, book: Book, device_b: Book) -> None:
    link = pairing.pairing_link(served, pairing.new_code(book).code)
    assert pairing.pair_with(device_b, link).device_id == book.device_id


def test_a_wrong_code_says_what_device_a_said(served: str, book: Book, device_b: Book) -> None:
    pairing.new_code(book)
    with pytest.raises(device_http.PeerRefused) as error:
        pairing.pair_with(device_b, served, "WRNG-CDEX")
    assert error.value.message == (f"{served}sync/v1/pair refused: That code is wrong, expired"
                                   " or already used.")
    assert error.value.status == 403
    assert devices.list_peers(device_b) == devices.list_peers(book) == []


def test_an_unreachable_address_is_one_clear_error(device_b: Book) -> None:
    with pytest.raises(device_http.PeerUnreachable) as error:
        pairing.pair_with(device_b, "http://127.0.0.1:9/", "ABCD-EFGH")
    assert error.value.message.startswith("Cannot reach http://127.0.0.1:9/sync/v1/info (")
    assert devices.list_peers(device_b) == []


def test_a_server_that_is_not_ourmoney_is_refused(device_b: Book, tmp_path: Path) -> None:
    def teapot(environ: object, start: object) -> list[bytes]:
        start("200 OK", [("Content-Type", "text/html")])  # type: ignore[operator]
        return [b"<html>hello</html>"]

    with serving(teapot) as url, pytest.raises(device_http.NotOurMoney):
        pairing.pair_with(device_b, url, "ABCD-EFGH")


def test_pairing_with_its_own_server_is_refused(tmp_path: Path) -> None:
    app = create_app(settings.load({"data_dir": str(tmp_path / "self")}, environ={}))
    book: Book = app.extensions["ourmoney"]["book"]
    try:
        with serving(app) as url, pytest.raises(PairingWithSelf):
            pairing.pair_with(book, url, pairing.new_code(book).code)
    finally:
        book.close()
    assert devices.list_peers(book) == []
