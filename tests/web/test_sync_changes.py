"""GET and POST /sync/v1/changes: pages of the change log, pushes, and every refusal."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from ourmoney.services import devices, ledger
from ourmoney.services.book import Book
from ourmoney.sync.protocol import parse_page, push_body
from tests.support.books import draft
from tests.web.api_support import conforms
from tests.web.test_sync_api import OTHER, pair

HLC = "1780000000000-0000-" + OTHER
NDJSON = "application/x-ndjson"


@pytest.fixture
def token(client: FlaskClient, book: Book) -> str:
    """Pair a device with the ledger and return the token it presents."""
    answer = pair(client, book).get_json()
    return str(answer["token"])


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


BREAD = {"occurred_on": "2024-05-01", "description": "Bread", "type": "expense", "amount": 250,
         "deleted": False, "created_at": "2024-05-01T08:00:00.000Z"}


def change(hlc: str = HLC, **fields: Any) -> str:
    return json.dumps({"hlc": hlc, "origin": OTHER, "entity": "transaction",
                       "row": "row-1", "fields": {**BREAD, **fields}})


def push(client: FlaskClient, token: str, lines: list[str], **headers: str) -> Any:
    body = "".join(line + "\n" for line in push_body(lines))
    return client.post("/sync/v1/changes", data=body, content_type=NDJSON,
                       headers={**auth(token), **headers})


def counts(book: Book) -> tuple[int, int]:
    return (int(book.store.value("SELECT count(*) FROM change")),
            int(book.store.value("SELECT count(*) FROM transactions")))


def test_a_page_lists_changes_after_since_and_says_where_to_go_on(client: FlaskClient,
                                                                  book: Book, token: str) -> None:
    for n in range(3):
        ledger.add_transaction(book, draft(f"Item {n}"))
    since = int(book.store.value("SELECT min(seq) FROM change WHERE entity = 'transaction'")) - 1
    response = client.get(f"/sync/v1/changes?since={since}&limit=2", headers=auth(token))
    assert response.status_code == 200
    assert response.mimetype == NDJSON
    page = parse_page(response.get_data(as_text=True).splitlines())
    assert [c.fields["description"] for c in page.changes] == ["Item 0", "Item 1"]
    assert page.more is True
    rest = parse_page(client.get(f"/sync/v1/changes?since={page.next}",
                                 headers=auth(token)).get_data(as_text=True).splitlines())
    assert ([c.fields["description"] for c in rest.changes], rest.more) == (["Item 2"], False)
    assert response.headers["X-OurMoney-Last-Seq"] == str(rest.next)


def test_a_push_is_applied_once_however_often_it_is_sent(client: FlaskClient, book: Book,
                                                         token: str) -> None:
    first = push(client, token, [change()], **{"X-OurMoney-Pulled": "1"})
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"accepted": 1, "duplicates": 0, "quarantined": 0}
    conforms("PushResult", first.get_json())
    again = push(client, token, [change()])
    assert again.get_json() == {"accepted": 0, "duplicates": 1, "quarantined": 0}
    bread = ledger.get_transaction(book, "row-1")
    assert (bread.description, bread.amount, bread.pending) == ("Bread", Decimal("2.50"), False)
    assert devices.get_peer(book, OTHER).acked_seq == 1


def test_a_change_from_far_in_the_future_is_quarantined_not_applied(
        client: FlaskClient, book: Book, token: str) -> None:
    future = "9999999999999-0000-" + OTHER
    answer = push(client, token, [change(future)]).get_json()
    assert answer == {"accepted": 0, "duplicates": 0, "quarantined": 1}
    assert counts(book)[1] == 0
    assert book.store.value("SELECT sender FROM quarantine") == OTHER


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer " + "x" * 43},
                                     {"Authorization": "Basic abc"}])
def test_without_a_valid_token_nothing_is_read_or_written(client: FlaskClient, book: Book,
                                                          token: str,
                                                          headers: dict[str, str]) -> None:
    before = counts(book)
    assert client.get("/sync/v1/changes", headers=headers).status_code == 401
    body = "".join(line + "\n" for line in push_body([change()]))
    answer = client.post("/sync/v1/changes", data=body, content_type=NDJSON, headers=headers)
    assert answer.status_code == 401
    assert counts(book) == before


def test_a_revoked_device_is_refused_at_once(client: FlaskClient, book: Book, token: str) -> None:
    devices.revoke(book, OTHER)
    before = counts(book)
    assert push(client, token, [change()]).status_code == 401
    assert counts(book) == before


@pytest.mark.parametrize(("lines", "error"), [
    (["{not json"], "line 1: not JSON"),
    (["[1, 2]"], "line 1: each line must be a JSON object"),
    ([change(amount=1.5)], "line 1: field amount must be text, a whole number"),
    ([change(amount=-5)], "line 1: transaction field amount must be a positive whole number"),
    ([change(amount=10**30)], "line 1: transaction field amount must be a positive whole number"),
    ([change(description="<script>alert(1)</script>" * 20)], "may hold at most 200"),
    ([change(occurred_on="2024-02-30")], "line 1: transaction field occurred_on is not a real"),
    ([change(type="outcome")], "line 1: transaction field type must be one of income, expense"),
    (["creation without fields"], "line 1: transaction field description"),
    ([change(), change("1780000000001-0000-ffffffffffffffff")],
     "line 2: origin must be the device id that ends the hlc"),
])
def test_a_bad_line_refuses_the_whole_push_and_names_the_line(
        client: FlaskClient, book: Book, token: str, lines: list[str], error: str) -> None:
    if error == "line 1: transaction field description":  # a creation that lacks fields
        lines = [json.dumps({"hlc": HLC, "origin": OTHER, "entity": "transaction",
                             "row": "x", "fields": {"description": "Bread",
                                                    "created_at": "2024-05-01T08:00:00.000Z"}})]
        error = "line 1: a new transaction needs occurred_on, type, amount"
    before = counts(book)
    answer = push(client, token, [*lines])
    assert answer.status_code == 400
    assert error in answer.get_json()["error"]
    assert counts(book) == before


def test_a_body_cut_short_or_of_the_wrong_type_changes_nothing(client: FlaskClient, book: Book,
                                                               token: str) -> None:
    before = counts(book)
    cut = client.post("/sync/v1/changes", data=change() + "\n", content_type=NDJSON,
                      headers=auth(token))
    assert cut.status_code == 400
    assert "cut short" in cut.get_json()["error"]
    wrong = client.post("/sync/v1/changes", json={"changes": []}, headers=auth(token))
    assert (wrong.status_code, wrong.get_json()["error"]) == (
        400, "Send changes as application/x-ndjson.")
    assert counts(book) == before


@pytest.mark.parametrize("query", ["since=-1", "since=abc", "limit=0", "limit=5001",
                                   "since=%D9%A3"])
def test_bad_page_parameters_are_refused(client: FlaskClient, token: str, query: str) -> None:
    answer = client.get(f"/sync/v1/changes?{query}", headers=auth(token))
    assert answer.status_code == 400
    assert "must be a whole number" in answer.get_json()["error"]
