"""Phone access through the web: the gate for LAN clients, sign-in with a code, sign-out.

The desktop is the test client on loopback; a phone is a client whose REMOTE_ADDR is on the
LAN (192.168.1.20) and which reaches the desktop at its LAN address (192.168.1.5).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ourmoney import network
from ourmoney.services import codes, members, phones
from ourmoney.services.book import Book
from tests.web.phone_support import (
    LAN_ADDRESS,
    desktop_post,
    lan_get,
    lan_post,
    new_code,
    page_token,
    phone_client,
    sign_in,
    signed_in_phone,
    soup,
    stored,
)

SIGN_IN_FIRST = {"error": "Sign in first with a code from the computer running OurMoney."}
DESKTOP_ONLY = "Only the computer running OurMoney can do this."
LUNCH = {"description": "Lunch", "amount": "12.34"}


@pytest.fixture(autouse=True)
def lan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the desktop a fixed LAN address and name, whatever network the tests run on."""
    monkeypatch.setattr(network, "lan_addresses", lambda: [LAN_ADDRESS])
    monkeypatch.setattr(network, "host_names", lambda: {"desk", "desk.local"})


@pytest.fixture
def access(book: Book) -> Iterator[None]:
    """Switch phone access on."""
    phones.set_access(book, True)
    yield


@pytest.fixture
def ben(book: Book) -> str:
    """Return the id of a second member, Ben (the desktop's "me" is someone else)."""
    return members.add_member(book, "Ben").id


def test_with_phone_access_off_a_lan_client_gets_nothing(client: FlaskClient, book: Book) -> None:
    phone = phone_client(client.application)
    before = stored(book)
    off = "Phone access is off on the computer running OurMoney."
    for path in ("/", "/signin", "/phone"):
        response = phone.get(path)
        assert response.status_code == 403 and off in response.get_data(as_text=True)
    response = phone.post("/api/v1/transactions", json=LUNCH)
    assert (response.status_code, response.get_json()) == (403, {"error": off})
    refused = lan_get(phone, "/signin")  # its LAN address is not even a known host then
    assert refused.status_code == 403
    assert stored(book) == before


def test_sync_requests_pass_the_gate_to_their_own_authentication(client: FlaskClient) -> None:
    response = phone_client(client.application).get("/sync/v1/info")
    assert response.status_code != 403 and response.status_code != 303


@pytest.mark.usefixtures("access")
def test_without_a_session_pages_send_to_sign_in_and_the_api_says_401(
        client: FlaskClient, book: Book) -> None:
    phone = phone_client(client.application)
    created = client.post("/api/v1/transactions", json=LUNCH).get_json()
    before = stored(book)
    for path in ("/", "/transactions/new", f"/transactions/{created['id']}/edit", "/categories",
                 "/phone", "/settings", "/import", "/devices"):
        response = lan_get(phone, path)
        assert (response.status_code, response.headers["Location"]) == (303, "/signin"), path
    for method, path in (("get", "/api/v1/transactions"), ("post", "/api/v1/transactions"),
                         ("delete", f"/api/v1/transactions/{created['id']}"),
                         ("get", f"/api/v1/transactions/{created['id']}")):
        response = getattr(phone, method)(path, json=LUNCH, base_url="http://192.168.1.5")
        assert (response.status_code, response.get_json()) == (401, SIGN_IN_FIRST), path
    posted = lan_post(phone, "/transactions", data={**LUNCH, "type": "expense"})
    assert (posted.status_code, posted.headers["Location"]) == (303, "/signin")
    htmx = lan_get(phone, "/transactions/rows", headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx.headers["HX-Redirect"]) == (401, "/signin")
    assert stored(book) == before


@pytest.mark.usefixtures("access")
def test_the_sign_in_page_and_static_files_are_open(client: FlaskClient) -> None:
    phone = phone_client(client.application)
    page = lan_get(phone, "/signin?code=ABCD-2345")
    assert page.status_code == 200
    field = soup(page).find("input", attrs={"name": "code"})
    assert field is not None and field["value"] == "ABCD-2345"
    assert soup(page).select(".nav-links") == []  # nothing to navigate to before signing in
    static = lan_get(phone, "/static/css/app.css")
    static.close()
    assert static.status_code == 200


@pytest.mark.usefixtures("access")
def test_a_phone_signs_in_with_the_code_and_records_as_its_member(
        client: FlaskClient, book: Book, ben: str) -> None:
    phone = phone_client(client.application)
    code = new_code(client, ben)
    response = sign_in(phone, code)
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    home = lan_get(phone, "/")
    assert home.status_code == 200 and "Signed in as Ben." in home.get_data(as_text=True)
    links = [a["href"] for a in soup(home).select(".nav-links a")]
    assert links == ["/", "/categories", "/members", "/reports"]  # no desktop-only pages offered
    assert soup(home).select("#export-menu") == []
    assert soup(client.get("/")).select("#export-menu") != []
    form = lan_get(phone, "/transactions/new")
    chosen = soup(form).select_one("select[name=member] option[selected]")
    assert chosen is not None and chosen["value"] == ben
    token = page_token(form)
    saved = lan_post(phone, "/transactions", data={**LUNCH, "type": "expense",
                                                    "occurred_on": "2025-03-01",
                                                    "csrf_token": token})
    assert saved.status_code == 303
    api = lan_post(phone, "/api/v1/transactions", json={"description": "Bus", "amount": "2.10"},
                   headers={"X-CSRF-Token": token})
    assert api.status_code == 201 and api.get_json()["member_id"] == ben
    rows = book.store.rows("SELECT description, amount, member_id FROM transactions"
                           " ORDER BY description")
    assert rows == [("Bus", 210, ben), ("Lunch", 1234, ben)]
    listed = client.get("/api/v1/transactions").get_json()["items"]  # the desktop sees both
    assert sorted(item["description"] for item in listed) == ["Bus", "Lunch"]


@pytest.mark.usefixtures("access")
def test_the_phone_page_lists_the_phone_with_its_browser(client: FlaskClient, ben: str) -> None:
    signed_in_phone(client.application, client, ben)
    page = soup(client.get("/phone"))
    items = [" ".join(li.get_text(" ", strip=True).split()) for li in page.select(".phone-item")]
    assert len(items) == 1 and items[0].startswith("Ben · Chrome on Android Signed in ")


@pytest.mark.usefixtures("access")
def test_a_used_code_is_refused(client: FlaskClient, book: Book, ben: str) -> None:
    code = new_code(client, ben)
    assert sign_in(phone_client(client.application), code).status_code == 303
    before = stored(book)
    second = phone_client(client.application, "192.168.1.21")
    response = sign_in(second, code)
    assert response.status_code == 401
    error = soup(response).find(id="signin-error")
    assert error is not None and error.get_text(strip=True) == (
        "That sign-in code is not valid: it may be mistyped, used or expired. "
        "Get a new code on the computer.")
    assert lan_get(second, "/").headers["Location"] == "/signin"
    assert stored(book) == before


@pytest.mark.usefixtures("access")
def test_an_expired_code_is_refused(client: FlaskClient, book: Book, ben: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    code = new_code(client, ben)
    later = phones.wall_ms() + codes.LIFETIME_MS
    monkeypatch.setattr(phones, "wall_ms", lambda: later)
    phone = phone_client(client.application)
    assert sign_in(phone, code).status_code == 401
    assert lan_get(phone, "/").headers["Location"] == "/signin"
    assert book.store.value("SELECT count(*) FROM phone_session") == 0


@pytest.mark.usefixtures("access")
def test_twenty_wrong_codes_lock_sign_in(client: FlaskClient, book: Book, ben: str) -> None:
    code = new_code(client, ben)
    wrong = ("B" if code[0] == "A" else "A") + code[1:]
    phone = phone_client(client.application)
    for _ in range(20):
        assert sign_in(phone, wrong).status_code == 401
    response = sign_in(phone, code)
    assert response.status_code == 429
    error = soup(response).find(id="signin-error")
    assert error is not None and error.get_text(strip=True) == (
        "Too many wrong sign-in codes. Try again in 15 minutes.")
    assert book.store.value("SELECT count(*) FROM phone_session") == 0


@pytest.mark.usefixtures("access")
def test_hostile_codes_are_refused_without_counting(client: FlaskClient, book: Book) -> None:
    phone = phone_client(client.application)
    for hostile in ("<script>alert(1)</script>", "=HYPERLINK(\"x\")", "' OR 1=1 --", ""):
        response = sign_in(phone, hostile)
        assert response.status_code == 400
        assert "<script>alert" not in response.get_data(as_text=True)
    assert book.store.rows("SELECT * FROM code_attempts") == []


@pytest.mark.usefixtures("access")
def test_signing_in_needs_the_page_token(client: FlaskClient, book: Book, ben: str) -> None:
    code = new_code(client, ben)
    phone = phone_client(client.application)
    lan_get(phone, "/signin")
    response = lan_post(phone, "/signin", data={"code": code})
    assert response.status_code == 403
    assert book.store.value("SELECT count(*) FROM phone_session") == 0
    assert sign_in(phone, code).status_code == 303  # the code still works


@pytest.mark.usefixtures("access")
@pytest.mark.parametrize("host", ["evil.example", "192.168.1.5.evil.example", "desk.evil",
                                  "10.0.0.99"])
def test_a_forged_host_is_refused(client: FlaskClient, book: Book, ben: str, host: str) -> None:
    phone = signed_in_phone(client.application, client, ben)
    before = stored(book)
    assert phone.get("/", headers={"Host": host}).status_code == 403
    response = phone.post("/api/v1/transactions", json=LUNCH, headers={"Host": host})
    assert (response.status_code, response.get_json()) == (
        403, {"error": "This address is not allowed to reach OurMoney."})
    assert stored(book) == before


@pytest.mark.usefixtures("access")
@pytest.mark.parametrize("host", ["192.168.1.5", "192.168.1.5:8421", "desk.local:8421", "DESK"])
def test_the_desktops_lan_names_are_allowed(client: FlaskClient, host: str) -> None:
    response = phone_client(client.application).get("/", headers={"Host": host})
    assert (response.status_code, response.headers["Location"]) == (303, "/signin")


@pytest.mark.usefixtures("access")
@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"},
                                     {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "http://localhost:8421"}, {}])
def test_cross_site_or_tokenless_writes_from_a_phone_are_refused(
        client: FlaskClient, book: Book, ben: str, headers: dict[str, str]) -> None:
    phone = signed_in_phone(client.application, client, ben)
    token = page_token(lan_get(phone, "/"))
    before = stored(book)
    sent = {**headers, "X-CSRF-Token": token} if headers else {}
    response = lan_post(phone, "/api/v1/transactions", json=LUNCH, headers=sent)
    assert response.status_code == 403
    form = lan_post(phone, "/transactions", data={**LUNCH, "type": "expense",
                                                  **({"csrf_token": token} if headers else {})},
                    headers=headers)
    assert form.status_code == 403
    assert stored(book) == before


@pytest.mark.usefixtures("access")
def test_a_signed_out_phone_is_refused_at_once(client: FlaskClient, book: Book, ben: str) -> None:
    phone = signed_in_phone(client.application, client, ben)
    token = page_token(lan_get(phone, "/"))
    session_id = phones.list_sessions(book)[0].id
    response = client.post(f"/phone/sessions/{session_id}/sign-out",
                           data={"csrf_token": page_token(client.get("/phone"))})
    assert (response.status_code, response.headers["Location"]) == (303, "/phone")
    before = stored(book)
    assert lan_get(phone, "/").headers["Location"] == "/signin"
    refused = lan_post(phone, "/api/v1/transactions", json=LUNCH,
                       headers={"X-CSRF-Token": token})
    assert (refused.status_code, refused.get_json()) == (401, SIGN_IN_FIRST)
    assert stored(book) == before
    assert soup(client.get("/phone")).select(".phone-item") == []


@pytest.mark.usefixtures("access")
def test_a_phone_can_sign_itself_out(client: FlaskClient, book: Book, ben: str) -> None:
    phone = signed_in_phone(client.application, client, ben)
    token = page_token(lan_get(phone, "/"))
    response = lan_post(phone, "/signout", data={"csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (303, "/signin")
    assert phones.list_sessions(book) == []
    assert lan_get(phone, "/").headers["Location"] == "/signin"


@pytest.mark.usefixtures("access")
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/phone"), ("get", "/settings"), ("get", "/import"), ("get", "/devices"),
    ("get", "/export.csv"), ("get", "/api/v1/export"), ("get", "/api/v1/imports"),
    ("post", "/phone/access"), ("post", "/phone/code"), ("post", "/settings"),
    ("post", "/categories/x/merge")])
def test_managing_the_ledger_and_access_is_desktop_only(
        client: FlaskClient, book: Book, ben: str, method: str, path: str) -> None:
    phone = signed_in_phone(client.application, client, ben)
    token = page_token(lan_get(phone, "/"))
    before = stored(book)
    kwargs: dict[str, Any] = {"base_url": "http://192.168.1.5"}
    if method == "post":
        kwargs["data"] = {"csrf_token": token, "access": "off", "member": ben}
    response = getattr(phone, method)(path, **kwargs)
    assert response.status_code == 403
    assert DESKTOP_ONLY in response.get_data(as_text=True)
    assert stored(book) == before


@pytest.mark.usefixtures("access")
def test_a_forwarded_for_header_does_not_make_a_phone_the_desktop(
        client: FlaskClient, book: Book) -> None:
    phone = phone_client(client.application)
    response = lan_get(phone, "/phone", headers={"X-Forwarded-For": "127.0.0.1",
                                                 "X-Real-IP": "127.0.0.1",
                                                 "Forwarded": "for=127.0.0.1"})
    assert (response.status_code, response.headers["Location"]) == (303, "/signin")


@pytest.mark.usefixtures("access")
def test_a_deleted_members_phone_is_signed_out(client: FlaskClient, book: Book, ben: str) -> None:
    phone = signed_in_phone(client.application, client, ben)
    with book.store.write() as cursor:
        cursor.execute("UPDATE member SET deleted = 1 WHERE id = ?", (ben,))
    assert lan_get(phone, "/").headers["Location"] == "/signin"


def test_the_desktop_turns_phone_access_on_and_off(client: FlaskClient, book: Book) -> None:
    page = soup(client.get("/phone"))
    assert page.select_one("#phone-access .badge").get_text() == "Off"
    assert page.select("#sign-in-code") == []
    token = page_token(client.get("/phone"))
    response = client.post("/phone/access", data={"csrf_token": token, "access": "on"})
    assert (response.status_code, response.headers["Location"]) == (303, "/phone")
    assert phones.access_on(book) is True
    page = soup(client.get("/phone"))
    assert [c.get_text() for c in page.select("code.lan-url")] == ["http://192.168.1.5:80/"]
    assert "Restart OurMoney to let phones connect" in page.get_text()
    client.post("/phone/access", data={"csrf_token": token, "access": "off"})
    assert phones.access_on(book) is False


@pytest.mark.usefixtures("access")
def test_a_new_code_comes_with_a_qr_code_of_the_sign_in_address(
        client: FlaskClient, ben: str) -> None:
    client.application.config["SERVER_PORT"] = 8421
    token = page_token(client.get("/phone"))
    page = soup(client.post("/phone/code", data={"csrf_token": token, "member": ben}))
    code = page.select_one("#code").get_text(strip=True)
    assert len(code) == 9 and code[4] == "-"
    links = [c.get_text() for c in page.select("#sign-in-code code.lan-url")]
    assert links == [f"http://192.168.1.5:8421/signin?code={code}"]
    svg = page.select_one(".phone-qr svg.qr")
    assert svg is not None and svg["viewbox"].startswith("0 0 ")
    assert "Signs in as Ben." in page.get_text()


@pytest.mark.usefixtures("access")
def test_a_code_for_an_unknown_member_is_refused_on_the_page(client: FlaskClient,
                                                             book: Book) -> None:
    token = page_token(client.get("/phone"))
    response = client.post("/phone/code", data={"csrf_token": token, "member": "<b>nobody</b>"})
    assert (response.status_code, response.headers["Location"]) == (303, "/phone")
    assert "That member does not exist." in client.get("/phone").get_data(as_text=True)
    assert book.store.value("SELECT count(*) FROM one_time_code") == 0


@pytest.mark.usefixtures("access")
def test_hostile_member_names_and_browsers_are_shown_as_text(client: FlaskClient,
                                                             book: Book) -> None:
    hostile = members.add_member(book, "<img src=x onerror=alert(1)>").id
    phone = phone_client(client.application)
    phone.environ_base["HTTP_USER_AGENT"] = "<script>alert(2)</script>"
    sign_in(phone, new_code(client, hostile))
    html = client.get("/phone").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    shown = desktop_post(client, "/phone/code", member=hostile).get_data(as_text=True)
    assert "<img src=x" not in shown and "Signs in as &lt;img src=x onerror=alert(1)&gt;." in shown


def test_loopback_is_lan_makes_this_computer_a_phone(tmp_path: Any) -> None:
    from ourmoney import settings
    from ourmoney.web import create_app

    app = create_app(settings.load({"data_dir": str(tmp_path), "lan": True,
                                    "loopback_is_lan": True}, environ={}))
    try:
        response = app.test_client().get("/phone")
        assert (response.status_code, response.headers["Location"]) == (303, "/signin")
    finally:
        app.extensions["ourmoney"]["book"].close()


def test_started_with_lan_phone_access_is_on_without_the_switch(tmp_path: Any,
                                                                app: Flask) -> None:
    from ourmoney import settings
    from ourmoney.web import create_app

    lan_app = create_app(settings.load({"data_dir": str(tmp_path / "lan"), "lan": True},
                                       environ={}))
    try:
        page = soup(lan_app.test_client().get("/phone"))
        assert page.select_one("#phone-access .badge").get_text() == "On"
        assert "started with --lan" in page.get_text()
        assert page.select("form[action='/phone/access']") == []
        assert lan_app.test_client().get("/signin", environ_base={
            "REMOTE_ADDR": "192.168.1.20"}).status_code == 200
    finally:
        lan_app.extensions["ourmoney"]["book"].close()
