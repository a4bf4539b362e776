"""Applying changes from another device: what lands in the rows and in the change log."""

from __future__ import annotations

import pytest

from ourmoney.services.book import Book
from ourmoney.services.sync import apply
from ourmoney.services.sync.apply import apply_changes
from ourmoney.sync.protocol import ProtocolError, change_line, page_trailer, parse_page

NODE = "0123456789abcdef"
ROW = "018ddf12-e407-7386-be58-c9cbebc12119"


def _created(n: int, description_json: str) -> str:
    fields = ('{"occurred_on":"2024-02-25","description":' + description_json + ',"type":"expense",'
              '"amount":3784,"notes":"","deleted":false,"created_at":"2024-02-25T07:02:53.703Z"}')
    return change_line(f"17800000000{n:02d}-0000-{NODE}", NODE, "transaction", f"{ROW[:-2]}{n:02d}",
                       fields)


def test_the_log_keeps_each_change_as_its_origin_wrote_it(book: Book) -> None:
    lines = [_created(1, '"Caf\\u00e9"'), _created(2, '"Pão"')]
    page = parse_page([*lines, page_trailer(2, False)])
    assert apply_changes(book, page.changes, sender=NODE).accepted == 2
    logged = book.store.rows("SELECT hlc, fields FROM change ORDER BY seq")
    assert [fields for _hlc, fields in logged] == [line.split('"fields":', 1)[1][:-1]
                                                   for line in lines]
    assert book.store.rows("SELECT description FROM transactions ORDER BY id") == [
        ("Café",), ("Pão",)]


def test_values_are_checked_before_anything_is_applied_unless_the_caller_did(
        book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = parse_page([_created(1, '"Bread"'), _created(2, '"' + "x" * 201 + '"'),
                      page_trailer(2, False)])
    with pytest.raises(ProtocolError) as refused:
        apply_changes(book, bad.changes, sender=NODE)
    assert str(refused.value) == "line 2: transaction field description may hold at most 200" \
                                 " characters"
    assert book.store.rows("SELECT count(*) FROM change") == [(0,)]
    checked: list[int] = []
    monkeypatch.setattr(apply, "check_changes", lambda changes: checked.append(len(changes)))
    good = parse_page([_created(3, '"Milk"'), page_trailer(3, False)])
    apply_changes(book, good.changes, sender=NODE)
    apply_changes(book, good.changes, sender=NODE, checked=True)  # already checked: not again
    assert checked == [1]
    assert book.store.rows("SELECT description FROM transactions") == [("Milk",)]
