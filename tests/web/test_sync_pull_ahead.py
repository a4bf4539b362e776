"""Pulling the next page while this one is applied: acknowledgements never run ahead."""

from __future__ import annotations

import io
from http.client import IncompleteRead
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ourmoney.services import devices, ledger
from ourmoney.services.book import Book, open_book
from ourmoney.services.sync.http import HttpPeer, _body
from ourmoney.sync.protocol import ProtocolError, parse_page
from tests.support.books import draft
from tests.support.server import start_server
from tests.test_cli_devices import new_code, ourmoney
from tests.web.test_sync_api import OTHER
from tests.web.test_sync_changes import auth, token  # noqa: F401 (the token fixture)


def acked(book: Book) -> int:
    return devices.get_peer(book, OTHER).acked_seq


@pytest.mark.parametrize(("held", "expected"), [(None, 3), ("1", 1), ("9", 3), ("0", 0)])
def test_a_pull_acknowledges_since_or_less_if_the_asker_says_it_holds_less(
        client: FlaskClient, book: Book, token: str, held: str | None,  # noqa: F811
        expected: int) -> None:
    for n in range(4):
        ledger.add_transaction(book, draft(f"Item {n}"))
    headers = auth(token) | ({} if held is None else {"X-OurMoney-Pulled": held})
    response = client.get("/sync/v1/changes?since=3&limit=1", headers=headers)
    assert response.status_code == 200
    assert acked(book) == expected


@pytest.mark.parametrize("held", ["x", "-1", "1.5", "<script>", "=1+1", "1; DROP TABLE peer"])
def test_a_bad_pulled_header_on_a_pull_is_refused_and_acknowledges_nothing(
        client: FlaskClient, book: Book, token: str, held: str) -> None:  # noqa: F811
    ledger.add_transaction(book, draft("Bread"))
    response = client.get("/sync/v1/changes?since=1",
                          headers=auth(token) | {"X-OurMoney-Pulled": held})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "pulled must be a whole number from 0 to 4611686018427387904.",
        "field": "pulled"}
    assert acked(book) == 0


class Cut(io.RawIOBase):
    """An HTTP answer whose connection drops after some bytes."""

    def __init__(self, blocks: list[bytes], partial: bytes) -> None:
        self.blocks, self.partial, self.closed_early = blocks, partial, False

    def read(self, size: int = -1) -> bytes:
        if self.blocks:
            return self.blocks.pop(0)
        raise IncompleteRead(self.partial)

    def close(self) -> None:
        self.closed_early = True


def test_an_answer_cut_mid_line_keeps_only_whole_lines_and_the_page_is_cut_short() -> None:
    answer = Cut([b'{"hlc": 1}\n{"hl', b'c": 2}\n{"next"'], b': 3, "more": false}')
    assert _body(answer) == b'{"hlc": 1}\n{"hlc": 2}\n'  # type: ignore[arg-type]
    assert answer.closed_early
    cut = Cut([b"\n\n"], b'{"next": 3, "more": fal')
    with pytest.raises(ProtocolError, match="cut short"):
        parse_page(_body(cut).split(b"\n"))  # type: ignore[arg-type]


def test_an_answer_is_read_whole_across_blocks() -> None:
    text = b'{"a": 1}\n' * 100_000 + b'{"next": 3, "more": false}\n'
    assert _body(io.BytesIO(text)) == text  # type: ignore[arg-type]


def test_the_next_page_is_fetched_ahead_but_acknowledges_only_what_is_held(
        tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    made = ourmoney("demo", "--transactions", "2500", "--data-dir", str(a_dir))
    assert made.returncode == 0, made.stderr
    with start_server(a_dir) as a:
        paired = ourmoney("pair", a.url, new_code(a_dir), "--data-dir", str(b_dir))
        assert paired.returncode == 0, paired.stderr
        b_book = open_book(b_dir / "ourmoney.sqlite3")
        a_book = open_book(a_dir / "ourmoney.sqlite3")
        try:
            peer = devices.list_peers(b_book)[0]
            pulling = HttpPeer(peer.url, peer.token)
            first = pulling.pull(0, 1000)
            wait_ahead(pulling)
            assert a_acked(a_book, b_book) == 0  # the page fetched ahead acknowledged nothing
            second = pulling.pull(first.next, 1000)
            wait_ahead(pulling)
            assert a_acked(a_book, b_book) == first.next
            again = HttpPeer(peer.url, peer.token).pull(first.next, 1000)
            assert (second.changes, second.next, second.more) == \
                (again.changes, again.next, again.more)
            assert len(first.changes) == len(second.changes) == 1000
        finally:
            a_book.close()
            b_book.close()


def wait_ahead(pulling: HttpPeer) -> Any:
    assert pulling._ahead is not None
    return pulling._ahead.result()


def a_acked(a_book: Book, b_book: Book) -> int:
    return devices.get_peer(a_book, b_book.device_id).acked_seq
