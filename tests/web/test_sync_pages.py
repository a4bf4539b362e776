"""Sync on the pages: Sync now with progress and result, edit notices, held-back changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from bs4 import Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ourmoney import network
from ourmoney.services import devices, household, ledger, members, phones
from ourmoney.services.book import Book
from ourmoney.services.devices import Peer
from ourmoney.services.sync.background import BackgroundSync, Timing
from ourmoney.services.sync.engine import Progress, SyncReport
from ourmoney.services.sync.runner import PeerResult
from tests.support.books import draft
from tests.web.phone_support import LAN_ADDRESS, lan_get, lan_post, page_token, signed_in_phone
from tests.web.test_pages import post, soup, texts

HOSTILE = "<img src=x onerror=alert(1)> =HYPERLINK(\"x\") '; DROP TABLE peer;--"
LAPTOP, PHONE = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"


class GatedSync:
    """Stands in for runner.sync_peer: reports progress, then waits until the test lets go."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.reached = threading.Event()
        self.failing: dict[str, str] = {}

    def __call__(self, book: Book, peer: Peer, progress: Progress | None = None) -> PeerResult:
        assert progress is not None
        progress("pull", 30, 120)
        self.reached.set()
        self.gate.wait(5)
        if peer.device_id in self.failing:
            return PeerResult(peer, None, self.failing[peer.device_id])
        return PeerResult(peer, SyncReport(pushed=3, pulled=2, quarantined=0))


@pytest.fixture
def gated() -> GatedSync:
    return GatedSync()


@pytest.fixture
def syncer(app: Flask, book: Book, gated: GatedSync) -> Iterator[BackgroundSync]:
    """The server's sync thread, with the network replaced by the gate."""
    found = BackgroundSync(book, automatic=False, timing=Timing(poll=0.01), sync_peer=gated)
    app.extensions["ourmoney"]["background_sync"] = found.start()
    yield found
    gated.gate.set()
    found.stop()


def pair(book: Book, device_id: str, name: str) -> Peer:
    return devices.save_peer(book, device_id, name, "http://127.0.0.1:9/",
                             our_token="t" * 43, their_token=device_id * 3)


def wait_until_idle(syncer: BackgroundSync) -> None:
    deadline = time.monotonic() + 5
    while syncer.status().running and time.monotonic() < deadline:
        time.sleep(0.01)


def htmx_post(client: FlaskClient, path: str, **form: str) -> TestResponse:
    """Post as htmx does: the CSRF token in a header."""
    meta = soup(client.get("/devices")).find("meta", attrs={"name": "csrf-token"})
    assert isinstance(meta, Tag)
    return client.post(path, data=form, headers={"HX-Request": "true",
                                                 "X-CSRF-Token": str(meta["content"])})


def test_sync_now_shows_progress_while_it_runs_then_the_result(
        client: FlaskClient, book: Book, syncer: BackgroundSync, gated: GatedSync) -> None:
    pair(book, LAPTOP, HOSTILE)
    pair(book, PHONE, "Phone")
    gated.failing[PHONE] = "<script>alert('x')</script> unreachable"
    started = htmx_post(client, "/devices/sync")
    assert started.status_code == 200
    fragment = soup(started).select_one("#sync-status")
    assert fragment["data-running"] == "true" and fragment["hx-trigger"] == "every 500ms"
    assert gated.reached.wait(5)
    running = soup(client.get("/devices/sync/status"))
    assert [(li["data-stage"], " ".join(li.get_text().split()))
            for li in running.select("#sync-progress li")] == [
        ("pull", f"{HOSTILE} receiving"), ("waiting", "Phone waiting")]
    bars = running.select("#sync-progress progress")
    assert (bars[0]["value"], bars[0]["max"]) == ("25", "100") and not bars[1].has_attr("value")
    assert running.select_one("#sync-now").has_attr("disabled")
    gated.gate.set()
    wait_until_idle(syncer)
    done = client.get("/devices/sync/status")
    page = soup(done)
    assert page.select_one("#sync-status")["data-running"] == "false"
    assert not page.select_one("#sync-status").has_attr("hx-trigger")
    assert texts(page, ".sync-done") == ["Synced: pushed 3, pulled 2."]
    assert texts(page, ".sync-failed") == [
        "Could not sync with Phone: <script>alert('x')</script> unreachable"]
    html = done.get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html


def test_the_devices_page_has_sync_now_once_a_device_is_paired(
        client: FlaskClient, book: Book, syncer: BackgroundSync) -> None:
    assert soup(client.get("/devices")).select_one("#sync-now") is None
    pair(book, LAPTOP, "Laptop")
    page = soup(client.get("/devices"))
    assert texts(page, "#sync-now") == ["Sync now"]
    assert page.select_one("#sync-status")["data-running"] == "false"


def test_sync_now_without_javascript_redirects_and_says_so(
        client: FlaskClient, book: Book, syncer: BackgroundSync, gated: GatedSync) -> None:
    pair(book, LAPTOP, "Laptop")
    gated.gate.set()
    answer = post(client, "/devices/sync")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/devices")
    assert "Syncing with your devices…" in client.get("/devices").get_data(as_text=True)
    wait_until_idle(syncer)
    answer = post(client, "/devices/sync", compact="1")
    assert answer.headers["Location"] == "/"


def test_with_no_sync_thread_sync_now_says_why(client: FlaskClient, book: Book) -> None:
    pair(book, LAPTOP, "Laptop")
    answer = htmx_post(client, "/devices/sync")
    assert answer.status_code == 503
    assert texts(soup(answer), "#sync-refused") == [
        "Sync is not running in this window; restart OurMoney."]
    assert post(client, "/devices/sync").status_code == 303
    assert "restart OurMoney" in client.get("/devices").get_data(as_text=True)


def test_sync_now_needs_the_form_token(client: FlaskClient, book: Book,
                                       syncer: BackgroundSync, gated: GatedSync) -> None:
    pair(book, LAPTOP, "Laptop")
    refused = client.post("/devices/sync", headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert client.post("/devices/sync", data={"csrf_token": "forged"},
                       headers={"Cookie": "ourmoney_session=x"}).status_code == 403
    time.sleep(0.05)
    assert not gated.reached.is_set() and syncer.status().finished_at is None


def test_the_list_shows_pending_count_and_a_compact_sync_now(
        client: FlaskClient, book: Book, syncer: BackgroundSync, gated: GatedSync) -> None:
    assert soup(client.get("/")).select_one("#sync-bar") is None  # nothing to sync with
    pair(book, LAPTOP, "Laptop")
    ledger.add_transaction(book, draft("Lunch"))
    ledger.add_transaction(book, draft("Taxi"))
    page = soup(client.get("/"))
    assert texts(page, "#pending-count") == ["2 pending"]
    assert page.select_one("#pending-count")["href"] == "/?status=pending"
    assert page.select_one("#sync-bar #sync-status.compact") is not None
    started = htmx_post(client, "/devices/sync", compact="1")
    assert soup(started).select_one("#sync-status")["hx-get"] == "/devices/sync/status?compact=1"
    gated.gate.set()
    wait_until_idle(syncer)
    finished = soup(client.get("/devices/sync/status?compact=1"))
    assert texts(finished, ".sync-done") == ["Synced: pushed 3, pulled 2. Show the changes"]
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET acked_seq = (SELECT max(seq) FROM change)")
    assert texts(soup(client.get("/")), "#pending-count") == ["all synced"]


def notice(book: Book, row_id: str, field: str, origin: str) -> None:
    with book.store.write() as cursor:
        cursor.execute("INSERT INTO sync_notice (entity, row_id, field, origin, hlc, created_at)"
                       " VALUES ('transaction', ?, ?, ?, '0000000000001-0000-' || ?, 'now')",
                       (row_id, field, origin, origin))


def test_a_row_says_when_another_devices_edit_won_and_dismissing_forgets_it(
        client: FlaskClient, book: Book) -> None:
    pair(book, LAPTOP, HOSTILE)
    lunch = ledger.add_transaction(book, draft("<b>Lunch</b>"))
    taxi = ledger.add_transaction(book, draft("Taxi"))
    notice(book, lunch.id, "amount", LAPTOP)
    notice(book, lunch.id, "description", LAPTOP)
    notice(book, lunch.id, "notes", "cccccccccccccccc")
    notice(book, lunch.id, "<i>field</i>", "cccccccccccccccc")
    answer = client.get("/")
    page = soup(answer)
    assert texts(page, f"#txn-{lunch.id} .sync-notice-text") == [
        f"Changed on {HOSTILE}: your edit of amount, description was replaced."
        " Changed on cccccccccccccccc: your edit of notes, <i>field</i> was replaced."]
    assert page.select(f"#txn-{taxi.id} .sync-notice") == []
    html = answer.get_data(as_text=True)
    assert "<img src=x" not in html and "<i>field</i>" not in html and "<b>Lunch" not in html
    edit = soup(client.get(f"/transactions/{lunch.id}/edit"))
    assert len(texts(edit, ".sync-notice-text")) == 1
    assert edit.select_one(".sync-notice input[name=back]")["value"] == "edit"

    gone = htmx_post(client, f"/transactions/{lunch.id}/notices/dismiss")
    assert (gone.status_code, gone.get_data(as_text=True)) == (200, "")
    assert soup(client.get("/")).select(".sync-notice") == []
    assert book.store.value("SELECT count(*) FROM sync_notice") == 0


def test_dismissing_without_javascript_goes_back_where_it_was(
        client: FlaskClient, book: Book) -> None:
    lunch = ledger.add_transaction(book, draft("Lunch"))
    notice(book, lunch.id, "amount", LAPTOP)
    answer = post(client, f"/transactions/{lunch.id}/notices/dismiss", back="edit")
    assert answer.headers["Location"] == f"/transactions/{lunch.id}/edit"
    notice(book, lunch.id, "amount", LAPTOP)
    assert post(client, f"/transactions/{lunch.id}/notices/dismiss").headers["Location"] == "/"


def test_dismissing_refuses_unknown_rows_and_missing_tokens(
        client: FlaskClient, book: Book) -> None:
    lunch = ledger.add_transaction(book, draft("Lunch"))
    notice(book, lunch.id, "amount", LAPTOP)
    assert post(client, "/transactions/x'%20OR%20'1'='1/notices/dismiss").status_code == 404
    assert client.post(f"/transactions/{lunch.id}/notices/dismiss",
                       headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert book.store.value("SELECT count(*) FROM sync_notice") == 1


def test_held_back_changes_are_listed_with_their_device(client: FlaskClient, book: Book) -> None:
    assert soup(client.get("/devices")).select_one("#held") is None
    pair(book, LAPTOP, HOSTILE)
    ahead = int(time.time() * 1000) + 20 * 60 * 1000
    with book.store.write() as cursor:
        cursor.execute(
            "INSERT INTO quarantine (hlc, origin, entity, row_id, fields, sender, received_at)"
            " VALUES (?, ?, 'transaction', 'row-1', ?, ?, '2026-03-01T10:00:00.000Z')",
            (f"{ahead:013d}-0000-dddddddddddddddd", "dddddddddddddddd",
             '{"description":"<script>alert(1)</script>"}', LAPTOP))
        cursor.execute(
            "INSERT INTO quarantine (hlc, origin, entity, row_id, fields, sender, received_at)"
            " VALUES (?, ?, 'category', 'c1', '{}', ?, '2026-03-01T10:00:00.000Z')",
            (f"{ahead - 60_000:013d}-0000-{LAPTOP}", LAPTOP, LAPTOP))
    answer = client.get("/devices")
    page = soup(answer)
    assert texts(page, "#held-title") == ["Changes held back"]
    assert texts(page, ".held-what") == ["Transaction: <script>alert(1)</script>", "Category: c1"]
    assert texts(page, ".held-change:nth-child(2) small")[0] == f"From {HOSTILE}"
    item = page.select_one(".held-change")
    assert texts(item, ".held-what") == ["Transaction: <script>alert(1)</script>"]
    assert f"From {HOSTILE}, made on dddddddddddddddd" in texts(item, "small")
    assert texts(item, ".held-ahead")[0].startswith("20 min ahead · received ")
    assert "applied automatically once the clocks agree" in page.select_one("#held p").get_text()
    html = answer.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_in_portuguese(client: FlaskClient, book: Book, syncer: BackgroundSync,
                       gated: GatedSync) -> None:
    pair(book, LAPTOP, "Portátil")
    lunch = ledger.add_transaction(book, draft("Almoço"))
    notice(book, lunch.id, "amount", LAPTOP)
    notice(book, lunch.id, "description", LAPTOP)
    household.save_preferences(book, language="pt")
    page = soup(client.get("/"))
    assert texts(page, ".sync-notice-text") == [
        "Alterado em Portátil: a sua alteração de valor, descrição foi substituída."]
    assert texts(page, "#pending-count") == ["1 pendente"]
    assert texts(page, ".sync-notice button") == ["Dispensar"]
    assert texts(soup(client.get("/devices")), "#sync-now") == ["Sincronizar agora"]
    gated.gate.set()
    htmx_post(client, "/devices/sync")
    wait_until_idle(syncer)
    assert texts(soup(client.get("/devices/sync/status")), ".sync-done") == [
        "Sincronizado: enviadas 3, recebidas 2."]


def test_a_phone_sees_and_dismisses_notices_but_cannot_sync(
        app: Flask, client: FlaskClient, book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network, "lan_addresses", lambda: [LAN_ADDRESS])
    monkeypatch.setattr(network, "host_names", lambda: {"desk"})
    phones.set_access(book, True)
    pair(book, LAPTOP, "Laptop")
    lunch = ledger.add_transaction(book, draft("Lunch"))
    notice(book, lunch.id, "amount", LAPTOP)
    phone = signed_in_phone(app, client, members.add_member(book, "Ben").id)
    listed = lan_get(phone, "/")
    page = soup(listed)
    assert page.select_one("#sync-bar") is None and len(page.select(".sync-notice")) == 1
    token = page_token(listed)
    assert lan_post(phone, "/devices/sync", data={"csrf_token": token}).status_code == 403
    assert lan_get(phone, "/devices/sync/status").status_code == 403
    gone = lan_post(phone, f"/transactions/{lunch.id}/notices/dismiss",
                    data={"csrf_token": token})
    assert (gone.status_code, gone.headers["Location"]) == (303, "/")
    assert book.store.value("SELECT count(*) FROM sync_notice") == 0
