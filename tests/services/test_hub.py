"""Joining a hub, leaving it and its status, against a fake hub served over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ourmoney import settings
from ourmoney.errors import InvalidInput
from ourmoney.services import device_http, devices, hub
from ourmoney.services.book import Book
from ourmoney.services.hub import Membership
from ourmoney.web import create_app
from tests.support.fake_hub import EMAIL, HUB_ID, INVITE, PASSWORD, FakeHub, fake_hub
from tests.support.wsgi import serving

CREDENTIALS = {"email": EMAIL, "password": PASSWORD}


@pytest.fixture
def served() -> Iterator[tuple[FakeHub, str]]:
    with fake_hub() as found:
        yield found


def setting(book: Book) -> object:
    raw = book.store.value("SELECT value FROM setting WHERE key = 'hub'")
    return json.loads(raw) if raw else None


def test_joining_stores_the_hub_as_a_peer_named_hub(book: Book,
                                                    served: tuple[FakeHub, str]) -> None:
    fake, url = served
    joined = hub.join(book, url.rstrip("/"), hub.sign_in(EMAIL, PASSWORD))
    peer = joined.peer
    assert (peer.device_id, peer.name, peer.kind, peer.url) == (HUB_ID, "hub", "hub", url)
    assert fake.tokens == {peer.token: book.device_id}
    assert joined.membership == Membership("Home", "editor", EMAIL)
    assert joined.left is None
    assert fake.joins == [{"email": EMAIL, "password": PASSWORD, "device_id": book.device_id,
                           "device_name": "Test device"}]
    assert book.store.value("SELECT token_hash FROM peer") == ""  # the hub never calls us
    assert devices.authenticate(book, peer.token) is None
    assert hub.current(book) == peer
    assert hub.membership(book) == joined.membership
    assert setting(book) == {"household": "Home", "role": "editor", "email": EMAIL}


def test_joining_with_an_invite_code(book: Book, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    joined = hub.join(book, url, hub.sign_in(invite=f" {INVITE} "))
    assert fake.joins[0] == {"invite": INVITE, "device_id": book.device_id,
                             "device_name": "Test device"}
    assert joined.peer.device_id == HUB_ID


def test_a_wrong_password_says_what_the_hub_said(book: Book,
                                                 served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    with pytest.raises(device_http.PeerRefused) as error:
        hub.join(book, url, hub.sign_in(EMAIL, "wrong"))
    assert error.value.message == f"{url}hub/v1/join refused: wrong email or password"
    assert (error.value.status, error.value.answered) == (401, 401)
    assert devices.list_peers(book) == []
    assert setting(book) is None


@pytest.mark.parametrize("address", ["http://hub.example.org/", "http://8.8.8.8:8700/",
                                     "http://[2001:4860::1]/"])
def test_plain_http_on_the_internet_is_refused_before_any_call(book: Book,
                                                               address: str) -> None:
    with pytest.raises(InvalidInput) as error:
        hub.join(book, address, CREDENTIALS)
    assert error.value.message == (f"{address} is plain http:// on the internet, so the password"
                                   " and every change would travel unencrypted: use the hub's"
                                   " https:// address.")
    assert devices.list_peers(book) == []


@pytest.mark.parametrize("address", ["http://192.168.1.20:8700/", "http://10.0.0.5/",
                                     "http://nas.local:8700/", "http://localhost:8700/",
                                     "http://[fe80::1]/", "https://hub.example.org/"])
def test_plain_http_on_the_local_network_and_https_anywhere_are_allowed(address: str) -> None:
    assert hub.hub_url(address) == address


@pytest.mark.parametrize(("address", "taken"), [
    ("https://example.org/hub/", "https://example.org/hub/"),
    ("https://Example.org:8443/money/hub", "https://example.org:8443/money/hub/"),
    ("http://192.168.1.20/ourmoney/", "http://192.168.1.20/ourmoney/"),
    ("nas.local/hub", "http://nas.local/hub/"),
])
def test_a_hub_behind_a_proxy_may_have_a_path(address: str, taken: str) -> None:
    assert hub.hub_url(address) == taken


@pytest.mark.parametrize("address", [
    "", "ftp://hub.example.org/", "https://user:pw@hub.example.org/", "http://a b/", None,
    "https://hub.example.org/?q=1", "http://\x1b[31m/", "https://hub.example.org/../admin/",
    "https://hub.example.org/a/./b/", "https://hub.example.org/.git/", "https://h.org/a b/",
    "https://hub.example.org/<script>/", "https://hub.example.org/a//b/",
    "https://hub.example.org/x#top", "https://hub.example.org/%2e%2e/",
    "https://h.org/" + "a" * 200,
    "https://hub.example.org/=cmd|' /C calc'!A0/", 42, ["https://hub.example.org/"]])
def test_a_bad_address_is_refused_before_any_call(book: Book, address: object) -> None:
    with pytest.raises(InvalidInput) as error:
        hub.join(book, address, CREDENTIALS)
    assert error.value.message == "The hub address must look like https://hub.example.org/."
    assert error.value.field == "url"


def test_an_unreachable_hub_is_one_clear_error(book: Book) -> None:
    with pytest.raises(device_http.PeerUnreachable) as error:
        hub.join(book, "http://127.0.0.1:9/", CREDENTIALS)
    assert error.value.message.startswith("Cannot reach http://127.0.0.1:9/sync/v1/info (")
    assert devices.list_peers(book) == []


def test_a_web_page_is_not_a_hub(book: Book) -> None:
    def page(environ: object, start: object) -> list[bytes]:
        start("200 OK", [("Content-Type", "text/html")])  # type: ignore[operator]
        return [b"<html>hello</html>"]

    with serving(page) as url, pytest.raises(device_http.NotOurMoney) as error:
        hub.join(book, url, CREDENTIALS)
    assert error.value.message == f"{url}sync/v1/info did not answer like an OurMoney device."


def test_an_ourmoney_device_is_not_a_hub(book: Book, tmp_path: Path) -> None:
    app = create_app(settings.load({"data_dir": str(tmp_path / "other")}, environ={}))
    try:
        with serving(app) as url, pytest.raises(hub.DeviceNotHub) as error:
            hub.join(book, url, CREDENTIALS)
    finally:
        app.extensions["ourmoney"]["book"].close()
    assert error.value.message == (f"{url} is an OurMoney device, not a hub: pair with it on"
                                   " the Devices page.")
    assert devices.list_peers(book) == []


@pytest.mark.parametrize(("answer", "why"), [
    ({"device_id": HUB_ID, "token": "short", "household": "Home", "role": "editor",
      "email": EMAIL}, "token"),
    ({"device_id": "ffffffffffffffff", "token": "t" * 43, "household": "Home",
      "role": "editor", "email": EMAIL}, "another hub id"),
    ({"device_id": HUB_ID, "token": "t" * 43, "household": "Home", "role": "admin",
      "email": EMAIL}, "role"),
    ({"device_id": HUB_ID, "token": "t" * 43, "household": ["Home"], "role": "editor",
      "email": EMAIL}, "household"),
])
def test_a_malformed_join_answer_is_refused(book: Book, answer: dict[str, object],
                                            why: str) -> None:
    with fake_hub(answer=answer) as (_fake, url), pytest.raises(hub.NotAHub) as error:
        hub.join(book, url, CREDENTIALS)
    assert error.value.message == f"{url} is not an OurMoney hub.", why
    assert devices.list_peers(book) == []


def test_hostile_names_from_the_hub_are_cleaned(book: Book) -> None:
    answer = {"device_id": HUB_ID, "token": "t" * 43, "role": "owner",
              "household": "\x1b[2J<script>alert(1)</script>\u2028Home" + "x" * 300,
              "email": "a@b\r\nX-Injected: 1"}
    with fake_hub(answer=answer) as (_fake, url):
        joined = hub.join(book, url, CREDENTIALS)
    assert joined.membership.household == ("[2J<script>alert(1)</script>Home" + "x" * 300)[:120]
    assert joined.membership.email == "a@bX-Injected: 1"


@pytest.mark.parametrize(("email", "password", "invite", "field", "message"), [
    (None, None, None, "email", "Give the email you use at the hub (or an invite code)."),
    ("not-an-email", "pw", None, "email", "Give the email you use at the hub (or an invite code)."),
    ("a@b\nc", "pw", None, "email", "Give the email you use at the hub (or an invite code)."),
    (EMAIL, "", None, "password", "Give the password you use at the hub."),
    (EMAIL, "x" * 1025, None, "password", "Give the password you use at the hub."),
    (EMAIL, PASSWORD, INVITE, "invite",
     "Give an email and password, or an invite code, not both."),
    (None, None, "AB CD", "invite", "That invite code cannot be right."),
    (None, None, "A" * 121, "invite", "That invite code cannot be right."),
])
def test_bad_credentials_are_refused_with_the_field(email: object, password: object,
                                                    invite: object, field: str,
                                                    message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        hub.sign_in(email, password, invite)
    assert (error.value.field, error.value.message) == (field, message)


def test_leaving_revokes_the_token_at_the_hub_and_forgets_it(
        book: Book, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    hub.join(book, url, CREDENTIALS)
    left = hub.leave(book)
    assert left == hub.Left(url, reached=True, reason="")
    assert fake.left == [book.device_id] and fake.tokens == {}
    [peer] = devices.list_peers(book)
    assert (peer.device_id, peer.revoked, peer.token) == (HUB_ID, True, "")
    assert hub.current(book) is None and setting(book) is None
    assert hub.leaving_note(left) == f"Left the hub at {url}."
    with pytest.raises(hub.NotJoined) as error:
        hub.leave(book)
    assert error.value.message == "This device has not joined a hub."


def test_leaving_a_hub_that_does_not_answer_still_forgets_it_here(book: Book) -> None:
    with fake_hub() as (_fake, url):
        hub.join(book, url, CREDENTIALS)
    left = hub.leave(book, timeout=2)
    assert not left.reached
    assert left.reason.startswith(f"Cannot reach {url}hub/v1/leave (")
    assert hub.leaving_note(left) == (f"Left the hub at {url} on this device only; the hub could"
                                      f" not be told ({left.reason}).")
    assert hub.current(book) is None
    [peer] = devices.list_peers(book)
    assert peer.revoked and peer.token  # kept, unused, to leave there before joining again


def test_leaving_after_the_hub_revoked_this_device_counts_as_told(
        book: Book, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    hub.join(book, url, CREDENTIALS)
    fake.tokens.clear()
    assert hub.leave(book).reached


def test_joining_another_hub_leaves_the_first(book: Book, served: tuple[FakeHub, str]) -> None:
    first, first_url = served
    hub.join(book, first_url, CREDENTIALS)
    with fake_hub(hub_id="fedcba9876543210", household="Work") as (_second, second_url):
        joined = hub.join(book, second_url, hub.sign_in(invite=INVITE))
    assert joined.left == hub.Left(first_url, reached=True, reason="")
    assert first.left == [book.device_id]
    assert [(p.device_id, p.revoked) for p in devices.list_peers(book)] == [
        ("fedcba9876543210", False), (HUB_ID, True)]
    assert hub.membership(book).household == "Work"


def test_joining_the_same_hub_again_starts_its_cursors_afresh(
        book: Book, served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    first = hub.join(book, url, CREDENTIALS).peer
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET pulled_seq = 7, acked_seq = 5, last_error = 'x'")
    again = hub.join(book, url, CREDENTIALS).peer
    assert again.token != first.token
    assert (again.pulled_seq, again.acked_seq, again.last_error, again.revoked) == (0, 0, "",
                                                                                   False)
    assert len(devices.list_peers(book)) == 1


def test_a_hub_still_counting_this_device_elsewhere_is_left_first(book: Book) -> None:
    with fake_hub() as (_fake, url):
        hub.join(book, url, CREDENTIALS)
        hub.leave(book)  # told: nothing is held elsewhere
    with fake_hub(elsewhere=True) as (fake, url):
        hub.join(book, url, CREDENTIALS)
        token = hub.joined(book).token
        hub.forget(book, keep_token=True)  # as if the hub had not heard the leave
        joined = hub.join(book, url, CREDENTIALS)
    assert fake.left == [book.device_id]
    assert joined.peer.token != token and not joined.peer.revoked


def test_a_hub_claiming_a_paired_device_id_is_refused(book: Book,
                                                      served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    devices.save_peer(book, HUB_ID, "Laptop", "http://127.0.0.1:9/", our_token="a" * 43,
                      their_token="b" * 43)
    with pytest.raises(hub.HubIsPairedDevice) as error:
        hub.join(book, url, CREDENTIALS)
    assert error.value.message == (f"The hub at {url} claims the id of a device paired with"
                                   " this one.")
    assert devices.get_peer(book, HUB_ID).kind == "device"


def test_status_says_what_the_hub_says(book: Book, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    hub.join(book, url, CREDENTIALS)
    fake.role, fake.household = "viewer", "Casa"
    found = hub.status(book)
    assert (found.answered, found.waking_up, found.problem) == (True, False, "")
    assert (found.devices, found.last_seq) == (1, 0)
    assert found.membership == hub.membership(book) == Membership("Casa", "viewer", EMAIL)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_status_of_a_hub_behind_a_waking_proxy(book: Book, served: tuple[FakeHub, str],
                                               status: int) -> None:
    fake, url = served
    hub.join(book, url, CREDENTIALS)
    fake.down = status
    found = hub.status(book)
    assert (found.answered, found.waking_up) == (False, True)
    assert found.problem == "The hub is waking up; trying again shortly."
    assert found.membership == Membership("Home", "editor", EMAIL)


def test_status_of_a_stopped_hub_is_waking_up(book: Book) -> None:
    with fake_hub() as (_fake, url):
        hub.join(book, url, CREDENTIALS)
    found = hub.status(book, timeout=2)
    assert (found.waking_up, found.problem) == (True, "The hub is waking up; trying again"
                                                      " shortly.")


def test_status_after_the_hub_removed_this_device(book: Book,
                                                  served: tuple[FakeHub, str]) -> None:
    fake, url = served
    hub.join(book, url, CREDENTIALS)
    fake.tokens.clear()
    found = hub.status(book)
    assert (found.answered, found.waking_up) == (False, False)
    assert found.problem == ("The hub no longer accepts this device (it was removed there);"
                             " join it again.")


def test_status_without_a_hub(book: Book) -> None:
    with pytest.raises(hub.NotJoined):
        hub.status(book)
