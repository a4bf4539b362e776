"""The wire format: pages and pushes parse the same through the fast path and line by line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ourmoney.sync.protocol import (
    Change,
    ProtocolError,
    change_line,
    page_trailer,
    parse_page,
    parse_push,
    push_body,
)

NODE = "0123456789abcdef"
TRAILER = page_trailer(9, False)


def _line(n: int, fields_json: str, row: str = "row-1") -> str:
    return change_line(f"17800000000{n:02d}-0000-{NODE}", NODE, "transaction", row, fields_json)


def _one_by_one(lines: list[str]) -> list[Change]:
    """Parse each line alone (a page of one can take no shortcut across lines)."""
    return [parse_page([line, TRAILER]).changes[0] for line in lines]


def test_a_page_as_change_line_writes_it_keeps_each_fields_text() -> None:
    texts = ['{"amount":1250,"description":"Café"}', '{"notes":"Caf\\u00e9 \\"x\\""}']
    page = parse_page([_line(1, texts[0]), _line(2, texts[1]), TRAILER])
    assert [(c.hlc, c.origin, c.entity, c.row) for c in page.changes] == [
        (f"1780000000001-0000-{NODE}", NODE, "transaction", "row-1"),
        (f"1780000000002-0000-{NODE}", NODE, "transaction", "row-1")]
    assert [dict(c.fields) for c in page.changes] == [
        {"amount": 1250, "description": "Café"}, {"notes": 'Café "x"'}]
    assert [c.fields_json for c in page.changes] == texts
    assert page.changes[1].fields_text() == texts[1]
    assert (page.next, page.more) == (9, False)


def test_bytes_lines_parse_like_text_lines() -> None:
    lines = [_line(1, '{"description":"Pão"}'), TRAILER]
    as_bytes = parse_page([line.encode() for line in lines])
    assert as_bytes.changes == parse_page(lines).changes
    assert as_bytes.changes[0].fields_json == '{"description":"Pão"}'


def test_lines_written_otherwise_parse_line_by_line_with_no_fields_text() -> None:
    spaced = (f'{{"hlc": "1780000000001-0000-{NODE}", "origin": "{NODE}",'
              f' "entity": "transaction", "row": "r\\u0031", "fields": {{"amount": 5}}}}')
    page = parse_page([spaced, TRAILER])
    assert page.changes == [Change(f"1780000000001-0000-{NODE}", NODE, "transaction", "r1",
                                   {"amount": 5})]
    assert page.changes[0].fields_json is None
    assert page.changes[0].fields_text() == '{"amount":5}'


@pytest.mark.parametrize(("fields_json", "message"), [
    ('{"amount":[1]}', "line 2: field amount must be text, a whole number, true/false or null"),
    ('{"amount":1},{"notes":"x"}', "line 2: not JSON (Expecting property name enclosed in"
                                   " double quotes: line 1 column 133 (char 132))"),
    ('{"amount":1}{"notes":"x"}',
     "line 2: not JSON (Expecting ',' delimiter: line 1 column 132 (char 131))"),
    ("{}", "line 2: fields must be a non-empty object"),
    ('{"Amount":1}', "line 2: field name 'Amount' is not allowed"),
    ('{"amount":NaN}', "line 2: not JSON (NaN is not allowed)"),
])
def test_a_bad_line_among_good_ones_is_named(fields_json: str, message: str) -> None:
    lines = [_line(1, '{"amount":1}'), _line(2, fields_json), _line(3, '{"amount":3}'), TRAILER]
    with pytest.raises(ProtocolError) as refused:
        parse_page(lines)
    assert str(refused.value) == message


def test_lines_that_only_make_json_together_are_refused() -> None:
    # Joined, these three would decode to three objects; alone, the first two are not JSON.
    lines = [_line(1, '{"amount":[{"a":1}'), _line(2, '{"b":2}]}'),
             _line(3, '{"amount":1},{"notes":"x"}'), TRAILER]
    with pytest.raises(ProtocolError) as refused:
        parse_page(lines)
    assert str(refused.value) == ("line 1: not JSON (Expecting ',' delimiter:"
                                  " line 1 column 138 (char 137))")


def test_a_string_cut_across_lines_is_refused() -> None:
    lines = [_line(1, '{"notes":"a}'), _line(2, '{"notes":"b"}'), TRAILER]
    with pytest.raises(ProtocolError) as refused:
        parse_page(lines)
    assert str(refused.value) == ("line 1: not JSON (Unterminated string starting at:"
                                  " line 1 column 129 (char 128))")


def test_a_page_over_the_limit_or_cut_short_is_refused_whole() -> None:
    lines = [_line(n, '{"amount":1}') for n in range(1, 4)]
    with pytest.raises(ProtocolError, match=r"^line 3: a page holds at most 2 changes$"):
        parse_page([*lines, TRAILER], limit=2)
    with pytest.raises(ProtocolError, match=r"^the page ended before its last line \(cut short\)$"):
        parse_page(lines)
    with pytest.raises(ProtocolError, match=r"^line 4: nothing may follow the page's last line$"):
        parse_page([*lines[:2], TRAILER, lines[2]])


def test_a_push_parses_through_the_same_fast_path() -> None:
    lines = [_line(1, '{"amount":1}'), _line(2, '{"notes":"two"}')]
    changes = parse_push(push_body(lines))
    assert [c.fields_json for c in changes] == ['{"amount":1}', '{"notes":"two"}']
    streamed = [f"{line}\r\n".encode() for line in push_body(lines)]  # as a request body reads
    assert [c.fields_json for c in parse_push(streamed)] == ['{"amount":1}', '{"notes":"two"}']
    with pytest.raises(ProtocolError, match=r"^the count line says 3 but 2 changes came$"):
        parse_push([*lines, '{"count":3}'])


scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                   st.text(max_size=20))
fields = st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), scalar,
                         min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(fields, st.booleans()), min_size=1, max_size=8))
def test_any_page_parses_the_same_whole_and_line_by_line(
        rows: list[tuple[dict[str, Any], bool]]) -> None:
    lines = [_line(n, json.dumps(row, ensure_ascii=ascii, separators=(",", ":")))
             for n, (row, ascii) in enumerate(rows, start=1)]
    whole = parse_page([*lines, TRAILER]).changes
    assert whole == _one_by_one(lines)
    assert [dict(c.fields) for c in whole] == [row for row, _ in rows]
    assert [json.loads(c.fields_text()) for c in whole] == [row for row, _ in rows]
