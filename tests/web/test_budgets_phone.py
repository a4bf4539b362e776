"""A signed-in phone sees and sets budgets and opens the printable report and its PDF."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from ourmoney import network
from ourmoney.services import categories, members, phones
from ourmoney.services.book import Book
from tests.web.phone_support import (
    LAN_ADDRESS,
    lan_get,
    lan_post,
    page_token,
    phone_client,
    signed_in_phone,
)


@pytest.fixture(autouse=True)
def lan(monkeypatch: pytest.MonkeyPatch, book: Book) -> Iterator[None]:
    """Give the desktop a fixed LAN address and switch phone access on."""
    monkeypatch.setattr(network, "lan_addresses", lambda: [LAN_ADDRESS])
    monkeypatch.setattr(network, "host_names", lambda: {"desk", "desk.local"})
    phones.set_access(book, True)
    yield


def test_a_phone_sets_a_budget_and_opens_the_report(client: FlaskClient, book: Book) -> None:
    food = categories.add_category(book, "Food")
    phone = signed_in_phone(client.application, client, members.add_member(book, "Ben").id)
    page = lan_get(phone, "/budgets")
    assert page.status_code == 200
    answer = lan_post(phone, "/budgets", data={"category": food.id, "amount": "75,5",
                                              "csrf_token": page_token(page)})
    assert answer.status_code == 303
    assert book.store.rows("SELECT id, amount FROM budget") == [(food.id, 7550)]
    assert lan_get(phone, "/reports/print?period=2025").status_code == 200
    pdf = lan_get(phone, "/reports/report.pdf?period=2025")
    assert (pdf.status_code, pdf.data[:5]) == (200, b"%PDF-")


def test_a_phone_that_has_not_signed_in_gets_nothing(client: FlaskClient, book: Book) -> None:
    phone = phone_client(client.application)
    for path in ("/budgets", "/reports/print", "/reports/report.pdf"):
        answer = lan_get(phone, path)
        assert (answer.status_code, answer.headers["Location"]) == (303, "/signin")
