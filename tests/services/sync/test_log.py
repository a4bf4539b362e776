"""Reading this device's change log in pages, leaving out the changes a peer made itself."""

from __future__ import annotations

from ourmoney.services import ledger
from ourmoney.services.book import Book
from ourmoney.services.sync.apply import apply_changes
from ourmoney.services.sync.log import LogPage, changes_since, last_seq
from ourmoney.sync.protocol import Change
from tests.support.books import draft

PEER = "0123456789abcdef"


def _from_peer(book: Book, first: int, count: int) -> None:
    """Log `count` members created by the peer."""
    apply_changes(book, [Change(f"17800000000{n:02d}-0000-{PEER}", PEER, "member", f"m{n}",
                                {"name": f"Member {n}", "created_at": "2026-01-01T00:00:00.000Z"})
                         for n in range(first, first + count)], sender=PEER)


def test_a_peers_own_changes_are_skipped_and_the_page_ends_at_the_newest(book: Book) -> None:
    ledger.add_transaction(book, draft("Mine 1"))
    _from_peer(book, 1, 3)
    ledger.add_transaction(book, draft("Mine 2"))
    _from_peer(book, 4, 2)
    assert last_seq(book) == 7
    first = changes_since(book, 0, 1, skip_origin=PEER)
    assert (len(first.lines), first.next, first.more) == (1, 1, True)
    assert '"description":"Mine 1"' in first.lines[0]
    rest = changes_since(book, first.next, 1, skip_origin=PEER)
    assert (len(rest.lines), rest.next, rest.more) == (1, 7, False)
    assert '"description":"Mine 2"' in rest.lines[0]
    assert changes_since(book, 7, 1, skip_origin=PEER) == LogPage([], 7, False)


def test_a_log_of_nothing_but_the_peers_changes_is_one_empty_page(book: Book) -> None:
    _from_peer(book, 1, 5)
    found = changes_since(book, 0, 2, skip_origin=PEER)
    assert (found.lines, found.next, found.more) == ([], 5, False)
    every = changes_since(book, 0, 2)
    assert (len(every.lines), every.next, every.more) == (2, 2, True)
