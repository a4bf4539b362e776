"""The Hub section of the Settings page (join, status, leave) and the hub on the Devices page."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ourmoney.services import devices, household, hub, ledger
from ourmoney.services.book import Book
from ourmoney.services.sync import runner
from ourmoney.services.sync.background import BackgroundSync, Timing
from tests.support.books import draft
from tests.support.fake_hub import EMAIL, HUB_ID, INVITE, PASSWORD, FakeHub, fake_hub
from tests.web.test_pages import post, soup, texts

WAKING = "The hub is waking up; trying again shortly."
WAKING_PT = "O hub está a acordar; vamos tentar de novo daqui a pouco."
HOSTILE = "<img src=x onerror=alert(1)> %(x)s {{ 7*7 }}"


@pytest.fixture
def served() -> Iterator[tuple[FakeHub, str]]:
    with fake_hub() as found:
        yield found


def join(client: FlaskClient, url: str, **form: str) -> TestResponse:
    fields = form or {"email": EMAIL, "password": PASSWORD}
    return post(client, "/settings/hub/join", **({"url": url} | fields))


def flashes(client: FlaskClient) -> list[str]:
    return texts(soup(client.get("/settings")), ".flash")


def test_the_section_offers_to_join(client: FlaskClient) -> None:
    page = soup(client.get("/settings"))
    assert texts(page, "#hub-title") == ["Hub"]
    form = page.select_one("#hub-join")
    assert form["action"] == "/settings/hub/join" and form["method"] == "post"
    assert [i["name"] for i in form.select("input")] == ["csrf_token", "url", "email",
                                                         "password", "invite"]
    assert form.select_one("input[name=password]")["type"] == "password"
    assert page.select_one("#hub-leave") is None


def test_joining_shows_the_household_role_and_status(client: FlaskClient, book: Book,
                                                     served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    answer = join(client, url)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/settings#hub")
    page = soup(client.get("/settings"))
    assert texts(page, ".flash") == [f"Joined the hub at {url} as {EMAIL} (household Home,"
                                     " role editor)."]
    assert texts(page, ".hub-who") == [f"This device syncs through the hub at {url} as {EMAIL}."]
    assert texts(page, "#hub-household, #hub-role, #hub-last-sync") == ["Home", "editor",
                                                                       "Never synced"]
    assert page.select_one("#hub-error") is None
    now = page.select_one("#hub-now")
    assert (now["hx-get"], now["hx-trigger"]) == ("/settings/hub/status", "load")
    assert page.select_one("#sync-now") is not None
    assert page.select_one("#hub-leave form")["action"] == "/settings/hub/leave"
    assert page.select_one("#hub-join") is None
    assert hub.current(book) is not None


def test_joining_with_an_invite_code(client: FlaskClient, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(client, url, invite=INVITE, email="", password="")
    assert fake.joins[0]["invite"] == INVITE


def test_a_wrong_password_is_shown_and_changes_nothing(client: FlaskClient, book: Book,
                                                       served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    answer = join(client, url, email=EMAIL, password="wrong")
    assert answer.status_code == 303
    page = soup(client.get("/settings"))
    assert texts(page, ".flash-error") == [f"{url}hub/v1/join refused: wrong email or password"]
    assert page.select_one("#hub-join") is not None
    assert devices.list_peers(book) == []


@pytest.mark.parametrize(("form", "message"), [
    ({"url": "not a url", "invite": INVITE},
     "The hub address must look like https://hub.example.org/."),
    ({"url": "http://127.0.0.1:9/"}, "Give the email you use at the hub (or an invite code)."),
    ({"url": "http://127.0.0.1:9/", "email": EMAIL, "password": PASSWORD, "invite": INVITE},
     "Give an email and password, or an invite code, not both."),
])
def test_bad_forms_say_what_is_wrong(client: FlaskClient, form: dict[str, str],
                                     message: str) -> None:
    post(client, "/settings/hub/join", **form)
    assert flashes(client) == [message]


def test_joining_needs_the_form_token(client: FlaskClient, book: Book,
                                      served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    client.get("/settings")  # now a browser with a session
    answer = client.post("/settings/hub/join", data={"url": url, "email": EMAIL,
                                                     "password": PASSWORD})
    assert answer.status_code == 403
    assert devices.list_peers(book) == []


def test_the_status_fragment_says_what_the_hub_says(client: FlaskClient,
                                                    served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(client, url)
    now = soup(client.get("/settings/hub/status")).select_one("#hub-now")
    assert (now["data-state"], " ".join(now.get_text().split())) == (
        "answering", "The hub answers: 1 device in the household.")
    fake.down = 503
    now = soup(client.get("/settings/hub/status")).select_one("#hub-now")
    assert (now["data-state"], now.get_text().strip()) == ("waking", WAKING)
    fake.down, fake.tokens = 0, {}
    now = soup(client.get("/settings/hub/status")).select_one("#hub-now")
    assert (now["data-state"], now.get_text().strip()) == (
        "problem", "The hub no longer accepts this device (it was removed there); join it again.")


def test_the_status_fragment_without_a_hub(client: FlaskClient) -> None:
    now = soup(client.get("/settings/hub/status")).select_one("#hub-now")
    assert (now["data-state"], now.get_text().strip()) == ("none",
                                                           "This device has not joined a hub.")


def test_a_sleeping_hub_shows_waking_up_in_portuguese(client: FlaskClient, book: Book,
                                                      served: tuple[FakeHub, str]) -> None:
    fake, url = served
    household.save_preferences(book, language="pt")
    join(client, url)
    fake.down = 504
    runner.sync_all(book, "hub")
    page = soup(client.get("/settings"))
    assert page.select_one("#hub-error") is None  # not an error: said by the live line
    assert texts(page, "#hub-title, #hub-household, #hub-role") == ["Hub", "Home", "editor"]
    assert texts(page, ".hub-facts dt") == ["Casa", "Papel", "Última sincronização"]
    assert texts(page, ".flash") == [f"Aderiu ao hub em {url} como {EMAIL} (casa Home, papel"
                                     " editor)."]
    now = soup(client.get("/settings/hub/status")).select_one("#hub-now")
    assert now.get_text().strip() == WAKING_PT
    listed = soup(client.get("/devices"))
    assert texts(listed, f"[data-device-id='{HUB_ID}'] .peer-error") == [
        f"Último erro: {WAKING_PT}"]


def test_leaving_needs_a_confirmation_and_forgets_the_hub(client: FlaskClient, book: Book,
                                                          served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(client, url)
    client.get("/settings")  # read the joined flash
    page = soup(client.get("/settings"))
    assert page.select_one("details#hub-leave:not([open])") is not None
    answer = post(client, "/settings/hub/leave")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/settings#hub")
    page = soup(client.get("/settings"))
    assert texts(page, ".flash") == [f"Left the hub at {url}."]
    assert page.select_one("#hub-join") is not None
    assert fake.tokens == {} and hub.current(book) is None


def test_leaving_a_hub_that_does_not_answer_says_so(client: FlaskClient, book: Book) -> None:
    with fake_hub() as (_fake, url):
        join(client, url)
    client.get("/settings")
    post(client, "/settings/hub/leave")
    [note] = texts(soup(client.get("/settings")), ".flash-error")
    assert note.startswith(f"Left the hub at {url} on this device only; the hub could not be"
                           f" told (Cannot reach {url}hub/v1/leave (")
    assert hub.current(book) is None


def test_leaving_without_a_hub(client: FlaskClient) -> None:
    post(client, "/settings/hub/leave")
    assert flashes(client) == ["This device has not joined a hub."]


def test_the_devices_page_lists_the_hub_without_rename_or_revoke(
        client: FlaskClient, served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    join(client, url)
    item = soup(client.get("/devices")).select_one(f"[data-device-id='{HUB_ID}']")
    assert texts(item, ".peer-name, .badge, .peer-url") == ["hub", "sync hub", url]
    assert item.select_one(".hub-manage")["href"] == "/settings#hub"
    assert item.select("form") == []


def test_hostile_names_from_the_hub_stay_text(client: FlaskClient) -> None:
    with fake_hub(household=HOSTILE) as (_fake, url):
        join(client, url)
        response = client.get("/settings")
    page = soup(response)
    assert texts(page, "#hub-household") == [HOSTILE]
    assert page.select_one("#hub img") is None
    assert "<img src=x" not in response.get_data(as_text=True)
    assert texts(page, ".flash") == [f"Joined the hub at {url} as {EMAIL} (household {HOSTILE},"
                                     " role editor)."]


def test_a_viewers_sync_now_says_its_changes_stay_here(app: Flask, client: FlaskClient,
                                                       book: Book) -> None:
    with fake_hub(role="viewer") as (_fake, url):
        join(client, url)
        page = soup(client.get("/settings"))
        assert texts(page, "#hub-read-only") == [
            "This hub lets you read only; your changes stay on this device."]
        ledger.add_transaction(book, draft("Coffee", "2.00"))
        syncer = BackgroundSync(book, automatic=False, timing=Timing(poll=0.01))
        app.extensions["ourmoney"]["background_sync"] = syncer.start()
        try:
            syncer.sync_now()
            deadline = time.monotonic() + 10
            while syncer.status().running and time.monotonic() < deadline:
                time.sleep(0.02)
            fragment = soup(client.get("/devices/sync/status"))
        finally:
            syncer.stop()
    assert texts(fragment, ".sync-warned") == [
        "hub: This hub lets you read only; your changes stay on this device."]
    assert texts(fragment, ".sync-done") == ["Synced: pushed 0, pulled 0."]


def test_a_real_error_of_the_last_sync_is_shown(client: FlaskClient, book: Book,
                                                served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(client, url)
    fake.tokens.clear()
    runner.sync_all(book, "hub")
    page = soup(client.get("/settings"))
    assert texts(page, "#hub-error") == [
        "The hub no longer accepts this device (it was removed there); join it again."]
    assert "peer-error" in page.select_one("#hub-error")["class"]
