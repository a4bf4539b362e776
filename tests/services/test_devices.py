"""ourmoney.services.devices and pairing (the side that shows the code): peers, tokens, refusals."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ourmoney.errors import InvalidInput, NotFound
from ourmoney.services import devices, pairing
from ourmoney.services.book import Book
from ourmoney.services.codes import TooManyAttempts, WrongCode
from ourmoney.services.pairing import PairingWithSelf

OTHER = "0123456789abcdef"
B_TOKEN = "b" * 43


def ask(book: Book, **fields: Any) -> pairing.PairingAnswer:
    """Send a pairing request as device B would, with a fresh code unless one is given."""
    body = {"code": fields.pop("code", None) or pairing.new_code(book).code,
            "device_id": OTHER, "name": "Laptop", "url": "http://127.0.0.1:9000/",
            "token": B_TOKEN, **fields}
    return pairing.accept(book, pairing.read_request(body))


def peers(book: Book) -> list[tuple[Any, ...]]:
    return book.store.rows("SELECT * FROM peer")


def test_pairing_stores_the_other_device_and_answers_with_a_token(book: Book) -> None:
    answer = ask(book)
    assert (answer.device_id, answer.name) == (book.device_id, "Test device")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", answer.token)
    [peer] = devices.list_peers(book)
    assert (peer.device_id, peer.name, peer.url, peer.kind, peer.token) == (
        OTHER, "Laptop", "http://127.0.0.1:9000/", "device", B_TOKEN)
    assert peer.revoked_at is None and peer.last_sync_at is None and peer.last_error == ""
    stored_hash = book.store.value("SELECT token_hash FROM peer")
    assert stored_hash == devices.hash_token(answer.token) and answer.token not in stored_hash
    assert devices.authenticate(book, answer.token) == peer


def test_a_token_is_never_in_the_repr(book: Book) -> None:
    ask(book)
    assert B_TOKEN not in repr(devices.list_peers(book))


@pytest.mark.parametrize("bearer", ["", "x", B_TOKEN, "a" * 43, "a" * 5000, "' OR 1=1 --"])
def test_unknown_tokens_authenticate_nobody(book: Book, bearer: str) -> None:
    ask(book)
    assert devices.authenticate(book, bearer) is None


def test_a_revoked_device_is_refused_at_once_and_can_pair_again(book: Book) -> None:
    first = ask(book)
    revoked = devices.revoke(book, OTHER)
    assert revoked.revoked and revoked.token == ""
    assert devices.authenticate(book, first.token) is None
    again = ask(book, name="Laptop again")
    assert devices.authenticate(book, first.token) is None
    peer = devices.authenticate(book, again.token)
    assert peer is not None and not peer.revoked and peer.name == "Laptop again"
    assert len(peers(book)) == 1


def test_pairing_with_yourself_is_refused(book: Book) -> None:
    with pytest.raises(PairingWithSelf) as error:
        ask(book, device_id=book.device_id)
    assert (error.value.status, error.value.message) == (409, "A device cannot pair with itself.")
    assert peers(book) == []


def test_a_wrong_code_pairs_nothing(book: Book) -> None:
    pairing.new_code(book)
    with pytest.raises(WrongCode):
        ask(book, code="WRNG-CODE")
    assert peers(book) == []


def test_a_used_code_pairs_nothing_more(book: Book) -> None:
    code = pairing.new_code(book).code
    ask(book, code=code)
    with pytest.raises(WrongCode):
        ask(book, code=code, device_id="fedcba9876543210")
    assert [p.device_id for p in devices.list_peers(book)] == [OTHER]


def test_an_expired_code_pairs_nothing(book: Book) -> None:
    code = pairing.new_code(book, now=lambda: 1_000).code
    with pytest.raises(WrongCode):
        ask(book, code=code)
    assert peers(book) == []


def test_twenty_wrong_codes_lock_pairing(book: Book) -> None:
    code = pairing.new_code(book).code
    for _ in range(20):
        with pytest.raises(WrongCode):
            ask(book, code="WRNG-CODE")
    with pytest.raises(TooManyAttempts) as error:
        ask(book, code=code)
    assert error.value.message == "Too many wrong codes were tried; wait 15 minutes and try again."
    assert peers(book) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("device_id", "0123", "A device id is 16 hexadecimal digits."),
    ("device_id", "0123456789ABCDEF", "A device id is 16 hexadecimal digits."),
    ("device_id", 123, "A device id is 16 hexadecimal digits."),
    ("name", "", "A device name is 1 to 60 characters."),
    ("name", "x" * 61, "A device name is 1 to 60 characters."),
    ("name", "bad\nname", "A device name is 1 to 60 characters."),
    ("name", ["Laptop"], "A device name is 1 to 60 characters."),
    ("token", "short", "A device token is 32 to 128 URL-safe characters."),
    ("token", "a" * 40 + "<>", "A device token is 32 to 128 URL-safe characters."),
    ("token", None, "A device token is 32 to 128 URL-safe characters."),
    ("url", "javascript:alert(1)", "The address must look like http://192.168.1.20:8421/."),
    ("url", "http://user:pw@host:1/", "The address must look like http://192.168.1.20:8421/."),
    ("url", "http://host:99999/", "The address must look like http://192.168.1.20:8421/."),
    ("url", "http://host/path", "The address must look like http://192.168.1.20:8421/."),
    ("url", 5, "The address must look like http://192.168.1.20:8421/."),
    ("code", 12345678, "The code must be text such as ABCD-EFGH."),
    ("extra", "x", "Unknown field: extra."),
])
def test_malformed_requests_are_refused_and_spend_no_code(book: Book, field: str, value: object,
                                                          message: str) -> None:
    code = pairing.new_code(book).code
    with pytest.raises(InvalidInput) as error:
        ask(book, **{"code": code, field: value})
    assert (error.value.message, error.value.field) == (message, field)
    assert peers(book) == []
    ask(book, code=code)  # the code still works


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "=HYPERLINK(\"x\")",
                                     "Robert'); DROP TABLE peer;--", "💻 Ana's"])
def test_hostile_names_are_stored_as_plain_text(book: Book, hostile: str) -> None:
    ask(book, name=hostile)
    assert devices.get_peer(book, OTHER).name == hostile
    assert devices.rename(book, OTHER, f" {hostile} ").name == hostile


def test_rename(book: Book) -> None:
    ask(book)
    assert devices.rename(book, OTHER, "  Work laptop ").name == "Work laptop"
    with pytest.raises(InvalidInput):
        devices.rename(book, OTHER, "   ")
    assert devices.get_peer(book, OTHER).name == "Work laptop"


def test_unknown_devices_are_not_found(book: Book) -> None:
    for action in (lambda: devices.revoke(book, OTHER), lambda: devices.rename(book, OTHER, "x"),
                   lambda: devices.get_peer(book, "<x>")):
        with pytest.raises(NotFound) as error:
            action()
        assert error.value.message == "There is no paired device with that id."


def test_a_paired_device_seen_elsewhere_gets_its_new_address(book: Book) -> None:
    ask(book)
    assert devices.update_url(book, OTHER, "http://192.168.1.7:8421") is True
    assert devices.get_peer(book, OTHER).url == "http://192.168.1.7:8421/"
    assert devices.update_url(book, OTHER, "http://192.168.1.7:8421/") is False
    devices.revoke(book, OTHER)
    assert devices.update_url(book, OTHER, "http://10.0.0.1:8421/") is False


@pytest.mark.parametrize(("typed", "url"), [
    ("192.168.1.20:8421", "http://192.168.1.20:8421/"),
    ("HTTP://Laptop.LOCAL:8421/", "http://laptop.local:8421/"),
    ("https://[::1]:8421", "https://[::1]:8421/"),
])
def test_addresses_are_reduced_to_scheme_host_and_port(typed: str, url: str) -> None:
    assert devices.base_url(typed) == url


def test_split_address_reads_a_pairing_link() -> None:
    link = pairing.pairing_link("http://10.0.0.2:8421", "ABCD-EFGH")
    assert link == "http://10.0.0.2:8421/#pair=ABCD-EFGH"
    assert pairing.split_address(link) == ("http://10.0.0.2:8421/", "ABCDEFGH")
    assert pairing.split_address("10.0.0.2:8421", "abcd efgh") == ("http://10.0.0.2:8421/",
                                                                     "ABCDEFGH")
    for code in ("", "ABC", "ABCD-EFG0", None):
        with pytest.raises(InvalidInput) as error:
            pairing.split_address("10.0.0.2:8421", code)
        assert error.value.message == "A pairing code has 8 letters and digits, such as ABCD-EFGH."


def test_own_url_is_remembered(book: Book) -> None:
    assert pairing.own_url(book) == ""
    pairing.remember_own_url(book, "http://127.0.0.1:8421/")
    assert pairing.own_url(book) == "http://127.0.0.1:8421/"
