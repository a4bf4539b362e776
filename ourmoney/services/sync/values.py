"""Check the field values of changes from other devices before any of them is applied."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from ourmoney.db.entities import ENTITIES
from ourmoney.services.models import KINDS
from ourmoney.services.validation import FIRST_DAY, LAST_DAY, MAX_DESCRIPTION, MAX_NAME, MAX_NOTES
from ourmoney.sync.protocol import ROW_ID, Change, ProtocolError

MAX_MINOR = 10**17  # far above any real amount, far below SQLite's 64-bit limit
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", re.ASCII)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_COLOR = re.compile(r"#[0-9a-f]{6}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAK = re.compile(r"[\n\r]")

Check = Callable[[Any], str | None]


def check_changes(changes: Sequence[Change]) -> None:
    """Refuse the whole lot, naming the line, if any change of a known kind has a bad value."""
    for number, change in enumerate(changes, start=1):
        checks = _CHECKS.get(change.entity)
        if checks is None:
            continue  # a kind of row a newer version knows: logged and passed on, not applied
        fields = change.fields
        for name, value in fields.items():
            check = checks.get(name)
            problem = check(value) if check else None
            if problem:
                raise ProtocolError(f"{change.entity} field {name} {problem}", number)
        if "created_at" in fields and not fields.keys() >= _REQUIRED[change.entity]:
            entity = ENTITIES[change.entity]
            missing = [name for name in entity.required if name not in fields]
            raise ProtocolError(f"a new {change.entity} needs {', '.join(missing)}", number)


def _repeated(check: Check) -> Check:
    """Remember a check's answers: a lot repeats the same days, ids and descriptions.

    Values are JSON scalars (the protocol refuses anything else), so they can be keys;
    typed, because True == 1 but only 1 is an amount.
    """
    return lru_cache(maxsize=4096, typed=True)(check)


def _text(limit: int, *, required: bool = False, multiline: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be text"
        if len(value) > limit:
            return f"may hold at most {limit} characters"
        if required and not value.strip():
            return "may not be empty"
        if _CONTROL.search(value) or (not multiline and _LINE_BREAK.search(value)):
            return "contains control characters"
        return None
    return check


def _day(value: Any) -> str | None:
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return "must be a date like 2024-05-31"
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return "is not a real date"
    return None if FIRST_DAY <= day <= LAST_DAY else "is out of range"


def _minor(value: Any) -> str | None:
    if type(value) is not int or not 0 < value <= MAX_MINOR:
        return "must be a positive whole number of minor units"
    return None


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices and isinstance(value, str) else \
            f"must be one of {', '.join(choices)}"
    return check


def _reference(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and ROW_ID.fullmatch(value)):
        return None
    return "must be an id or null"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _timestamp(value: Any) -> str | None:
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        return None
    return "must be a UTC time like 2024-05-31T12:00:00.000Z"


def _color(value: Any) -> str | None:
    return None if isinstance(value, str) and _COLOR.fullmatch(value) else \
        "must be a colour like #1a2b3c"


_CHECKS: Mapping[str, Mapping[str, Check]] = {
    "transaction": {"occurred_on": _repeated(_day),
                    "description": _repeated(_text(MAX_DESCRIPTION)), "type": _one_of(KINDS),
                    "amount": _minor, "category": _repeated(_reference),
                    "member": _repeated(_reference), "notes": _text(MAX_NOTES, multiline=True),
                    "deleted": _flag, "created_at": _timestamp},
    "category": {"name": _text(MAX_NAME, required=True), "kind": _one_of(KINDS),
                 "color": _color, "deleted": _flag, "created_at": _timestamp},
    "member": {"name": _text(MAX_NAME, required=True), "deleted": _flag,
               "created_at": _timestamp},
    "budget": {"amount": _minor, "deleted": _flag, "created_at": _timestamp},
}
_REQUIRED = {name: frozenset(entity.required) for name, entity in ENTITIES.items()}
