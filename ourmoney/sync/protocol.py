"""The sync wire format that peers and the hub share: NDJSON change lines and their trailers.

Pure: standard library only, so the hub can use it without the app's database or web layers.
A page of changes is one JSON object a line, then one trailer line; a page without its
trailer was cut short and is refused whole, so a broken stream never applies half a page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

VERSION = 1
PAGE = 1000
MAX_PAGE = 5000
MAX_LINE = 64 * 1024
MAX_FIELDS = 32
MEDIA_TYPE = "application/x-ndjson"
PULLED_HEADER = "X-OurMoney-Pulled"
LAST_SEQ_HEADER = "X-OurMoney-Last-Seq"
HLC = re.compile(r"[0-9]{13}-[0-9a-f]{4}-([0-9a-f]{16})")
NODE = re.compile(r"[0-9a-f]{16}")
ENTITY = re.compile(r"[a-z_]{1,32}")
ROW_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:-]{0,63}")
FIELD = re.compile(r"[a-z_]{1,32}")
# A change line as change_line writes it; groups: hlc, origin, entity, row, fields text.
_CANONICAL_LINE = re.compile(
    r'\{"hlc":"(' + HLC.pattern.replace("(", "(?P<node>") + r')","origin":"(?P=node)",'
    r'"entity":"(' + ENTITY.pattern + r')","row":"(' + ROW_ID.pattern + r')",'
    r'"fields":(\{.*\})\}')
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class ProtocolError(ValueError):
    """A page or a change line that does not follow the protocol (says which line)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class Change:
    """One logged edit: its clock, the device that made it, the row it touched and the fields."""

    hlc: str
    origin: str
    entity: str
    row: str
    fields: Mapping[str, Any] = field(hash=False)
    # The fields as the JSON text they arrived in (None when built in code): logged verbatim.
    fields_json: str | None = field(default=None, hash=False, compare=False, repr=False)

    def line(self) -> str:
        """Return this change as one NDJSON line (without the newline)."""
        return change_line(self.hlc, self.origin, self.entity, self.row, self.fields_text())

    def fields_text(self) -> str:
        """Return the fields as JSON text: as received, or encoded now."""
        if self.fields_json is not None:
            return self.fields_json
        return _JSON.encode(dict(self.fields))


@dataclass(frozen=True)
class Page:
    """A page of changes pulled from a node, with the seq to ask from next and whether more wait."""

    changes: list[Change]
    next: int
    more: bool
    checked: bool = False  # its field values too, by the receiving app (not by this module)


@dataclass(frozen=True)
class PushResult:
    """What a node did with pushed changes."""

    accepted: int
    duplicates: int
    quarantined: int

    def as_json(self) -> dict[str, int]:
        """Return the response body of a push."""
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "quarantined": self.quarantined}


def change_line(hlc: str, origin: str, entity: str, row: str, fields_json: str) -> str:
    """Build a change line from stored parts; `fields_json` is already-encoded JSON."""
    return (f'{{"hlc":"{hlc}","origin":"{origin}","entity":"{entity}",'
            f'"row":{_JSON.encode(row)},"fields":{fields_json}}}')


def page_trailer(next_seq: int, more: bool) -> str:
    """Return the last line of a pulled page."""
    return _JSON.encode({"next": next_seq, "more": more})


def push_trailer(count: int) -> str:
    """Return the last line of a pushed body, which tells the receiver nothing was cut."""
    return _JSON.encode({"count": count})


def parse_change(text: str | bytes, line: int = 0) -> Change:
    """Parse and check one change line; raise ProtocolError naming the line if it is bad."""
    return _change(_object(text, line), line)


def _change(obj: dict[str, Any], line: int) -> Change:
    """Check one parsed change line and return it as a Change."""
    hlc, origin, entity, row, fields = (obj.get(k) for k in
                                        ("hlc", "origin", "entity", "row", "fields"))
    match = HLC.fullmatch(hlc) if isinstance(hlc, str) else None
    if match is None:
        raise ProtocolError("hlc must be a clock value like 1732191234567-0000-0123456789abcdef",
                            line)
    if not isinstance(origin, str) or match.group(1) != origin:
        raise ProtocolError("origin must be the device id that ends the hlc", line)
    if not isinstance(entity, str) or not ENTITY.fullmatch(entity):
        raise ProtocolError("entity must be a lower-case name", line)
    if not isinstance(row, str) or not ROW_ID.fullmatch(row):
        raise ProtocolError("row must be an id of letters, digits and ._:-", line)
    return Change(str(hlc), origin, entity, row, _fields(fields, line))


def parse_page(lines: Iterable[str | bytes], limit: int = MAX_PAGE) -> Page:
    """Parse a pulled page; refuse it whole if its trailer is missing (a cut stream)."""
    texts = list(_nonblank(lines))
    changes = _canonical_changes(texts[:-1], limit)
    trailer: dict[str, Any] | None = None
    for number, text in enumerate(texts[len(changes):], start=len(changes) + 1):
        if trailer is not None:
            raise ProtocolError("nothing may follow the page's last line", number)
        obj = _object(text, number)
        if "hlc" in obj:
            if len(changes) >= limit:
                raise ProtocolError(f"a page holds at most {limit} changes", number)
            changes.append(_change(obj, number))
        else:
            trailer = obj
    if trailer is None:
        raise ProtocolError("the page ended before its last line (cut short)")
    next_seq, more = trailer.get("next"), trailer.get("more")
    if type(next_seq) is not int or next_seq < 0 or not isinstance(more, bool):
        raise ProtocolError('the last line must be {"next": SEQ, "more": true|false}')
    return Page(changes, next_seq, more)


def parse_push(lines: Iterable[str | bytes], limit: int = MAX_PAGE) -> list[Change]:
    """Parse a pushed body; refuse it whole unless it ends with a count that matches."""
    texts = list(_nonblank(lines))
    changes = _canonical_changes(texts[:-1], limit)
    count: object = None
    for number, text in enumerate(texts[len(changes):], start=len(changes) + 1):
        if count is not None:
            raise ProtocolError("nothing may follow the count line", number)
        obj = _object(text, number)
        if "hlc" not in obj:
            count = obj.get("count", False)
            continue
        if len(changes) >= limit:
            raise ProtocolError(f"a push holds at most {limit} changes", number)
        changes.append(_change(obj, number))
    if count is None:
        raise ProtocolError("the body ended before its count line (cut short)")
    if type(count) is not int or count != len(changes):
        raise ProtocolError(f"the count line says {count!r} but {len(changes)} changes came")
    return changes


def push_body(changes: Iterable[Change | str]) -> Iterator[str]:
    """Yield the lines of a push body: each change, then the count."""
    count = 0
    for item in changes:
        count += 1
        yield item if isinstance(item, str) else item.line()
    yield push_trailer(count)


def _canonical_changes(texts: list[str | bytes], limit: int) -> list[Change]:
    """Parse change lines written exactly as change_line writes them, fast; [] if any is not.

    One pattern checks the envelope (what _change checks one field at a time) and one decode
    reads every line's fields, so the JSON decoder shares its key strings across the page.
    Lines are joined with a line break, which no JSON string may hold, and each fields
    object must come back flat: so each line's text decodes to exactly one object, alone.
    Anything else (a bad line included) goes through the line-by-line parse, which says
    what is wrong and where.
    """
    if not texts or len(texts) > limit:
        return []
    envelopes = []
    for text in texts:
        if len(text) > MAX_LINE:
            return []
        if isinstance(text, bytes):
            if not text.startswith(b'{"'):  # anything else may be another encoding
                return []
            try:
                text = text.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                return []
        found = _CANONICAL_LINE.fullmatch(text.rstrip("\r\n"))  # a stream's lines end so
        if found is None:
            return []
        envelopes.append(found.groups())
    try:
        decoded = _DECODE("[" + ",\n".join(e[4] for e in envelopes) + "]")
        if len(decoded) != len(envelopes):
            return []
        return [Change(hlc, origin, entity, row, _fields(fields, 0), text)
                for (hlc, origin, entity, row, text), fields in zip(envelopes, decoded,
                                                                     strict=True)]
    except (ValueError, RecursionError):  # ProtocolError included: named by the slow parse
        return []


def node_of(hlc: str) -> str:
    """Return the device id inside an HLC value."""
    return hlc.rsplit("-", 1)[-1]


def _nonblank(lines: Iterable[str | bytes]) -> Iterator[str | bytes]:
    for text in lines:
        if text.strip():
            yield text


def _object(text: str | bytes, line: int) -> dict[str, Any]:
    if len(text) > MAX_LINE:
        raise ProtocolError(f"a line may hold at most {MAX_LINE} bytes", line)
    try:
        obj = _json(text)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"not JSON ({error})", line) from None
    if not isinstance(obj, dict):
        raise ProtocolError("each line must be a JSON object", line)
    return obj


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


_DECODE = json.JSONDecoder(parse_constant=_no_constant).decode
_SCALARS = frozenset({str, int, bool, type(None)})  # exactly the types JSON gives these values
_FIELD_NAMES: set[str] = set()  # names already checked: a page repeats the same few
MAX_FIELD_NAMES = 256


def _json(text: str | bytes) -> Any:
    """Decode like json.loads, with one decoder made once rather than one per line."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    elif text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODE(text)


def _field_name_ok(name: str) -> bool:
    if name in _FIELD_NAMES:
        return True
    if not FIELD.fullmatch(name):
        return False
    if len(_FIELD_NAMES) < MAX_FIELD_NAMES:
        _FIELD_NAMES.add(name)
    return True


def _fields(fields: object, line: int) -> dict[str, Any]:
    if not isinstance(fields, dict) or not fields:
        raise ProtocolError("fields must be a non-empty object", line)
    if len(fields) > MAX_FIELDS:
        raise ProtocolError(f"a change holds at most {MAX_FIELDS} fields", line)
    if _FIELD_NAMES.issuperset(fields) and _SCALARS.issuperset(map(type, fields.values())):
        return fields  # the usual case, checked in C: known names, scalar values
    for name, value in fields.items():
        if not _field_name_ok(name):
            raise ProtocolError(f"field name {name[:40]!r} is not allowed", line)
        if type(value) not in _SCALARS:
            raise ProtocolError(f"field {name} must be text, a whole number, true/false or null",
                                line)
    return fields
