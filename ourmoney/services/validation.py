"""Turn untrusted values (JSON, forms, files) into drafts, or a clear error naming the field."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ourmoney.errors import N_, InvalidDate, InvalidInput, Term
from ourmoney.money import check_amount, parse_amount
from ourmoney.services.models import KINDS, TransactionDraft

MAX_DESCRIPTION, MAX_NOTES, MAX_NAME = 200, 2000, 60
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON can carry them; UTF-8 cannot store them
DRAFT_FIELDS = ("occurred_on", "description", "type", "amount", "category", "member", "notes")


def text(value: Any, field: str, *, limit: int, required: bool = False,
         multiline: bool = False) -> str:
    """Return cleaned text, refusing non-strings, control characters and overlong values."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(N_("%(label)s must be text."), field=field, label=_label(field))
    cleaned = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if not multiline:
        cleaned = " ".join(cleaned.split())
    if _CONTROL.search(cleaned):
        raise InvalidInput(N_("%(label)s contains control characters."), field=field,
                           label=_label(field))
    if _SURROGATE.search(cleaned):
        raise InvalidInput(N_("%(label)s contains invalid characters."), field=field,
                           label=_label(field))
    if required and not cleaned:
        raise InvalidInput(N_("%(label)s is required."), field=field, label=_label(field))
    if len(cleaned) > limit:
        raise InvalidInput(N_("%(label)s must be at most %(limit)s characters."), field=field,
                           label=_label(field), limit=limit)
    return cleaned


def day(value: Any, field: str = "occurred_on") -> date:
    """Parse a YYYY-MM-DD date that exists in the calendar."""
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str) and _DATE.match(value.strip()):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidDate(N_("%(value)s is not a date in the calendar."), field=field,
                              value=value.strip()) from None
    else:
        raise InvalidDate(field=field)
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise InvalidDate(N_("Date must be between 1900 and 2199."), field=field)
    return parsed


def kind(value: Any, field: str = "type") -> str:
    """Accept "income" or "expense" (and "outcome", the seed app's word for expense)."""
    word = value.strip().lower() if isinstance(value, str) else value
    if word == "outcome":
        return "expense"
    if word not in KINDS:
        raise InvalidInput(N_("%(label)s must be income or expense."), field=field,
                           label=_label(field))
    return str(word)


def amount(value: Any, *, precision: int, decimal_symbol: str = ".") -> Decimal:
    """Parse an amount from text, refusing JSON numbers so no binary rounding sneaks in."""
    if value is None:
        raise InvalidInput(N_("Amount is required."), field="amount")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise InvalidInput(N_('Amount must be a string such as "12.34", not a number.'),
                           field="amount")
    if isinstance(value, Decimal):
        return check_amount(value, precision)
    return parse_amount(value, precision=precision, decimal_symbol=decimal_symbol)


def draft(values: Mapping[str, Any], *, precision: int, today: date,
          decimal_symbol: str = ".", me: str | None = None) -> TransactionDraft:
    """Build a complete draft from submitted values."""
    known(values, (*DRAFT_FIELDS, "member_id"))
    return TransactionDraft(
        occurred_on=today if values.get("occurred_on") is None else day(values["occurred_on"]),
        description=text(values.get("description"), "description", limit=MAX_DESCRIPTION,
                         required=True),
        type=kind(values.get("type", "expense")),
        amount=amount(values.get("amount"), precision=precision, decimal_symbol=decimal_symbol),
        category=text(values.get("category"), "category", limit=MAX_NAME) or None,
        member_id=_member(values, me),
        notes=text(values.get("notes"), "notes", limit=MAX_NOTES, multiline=True),
    )


def known(values: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse a field the caller does not understand, rather than silently ignoring it."""
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise InvalidInput(N_("Unknown field: %(name)s."), field=unknown[0], name=unknown[0])


def changes(values: Mapping[str, Any], *, precision: int,
            decimal_symbol: str = ".") -> dict[str, Any]:
    """Validate a partial update and return the fields it sets."""
    if not isinstance(values, Mapping) or not values:
        raise InvalidInput(N_("Send at least one field to change."))
    parsers: dict[str, Callable[[Any], Any]] = {
        "occurred_on": day,
        "description": lambda v: text(v, "description", limit=MAX_DESCRIPTION, required=True),
        "type": kind,
        "amount": lambda v: amount(v, precision=precision, decimal_symbol=decimal_symbol),
        "category": lambda v: text(v, "category", limit=MAX_NAME) or None,
        "member": lambda v: text(v, "member", limit=64) or None,
        "notes": lambda v: text(v, "notes", limit=MAX_NOTES, multiline=True),
    }
    unknown = sorted(set(values) - set(parsers))
    if unknown:
        raise InvalidInput(N_("Unknown or read-only field: %(name)s."), field=unknown[0],
                           name=unknown[0])
    return {name: parsers[name](value) for name, value in values.items()}


def _member(values: Mapping[str, Any], me: str | None) -> str | None:
    given = values.get("member", values.get("member_id"))
    return text(given, "member", limit=64) or me


def _label(field: str) -> Term:
    labels = {"occurred_on": N_("Date"), "type": N_("Type"), "q": N_("Search text"),
              "description": N_("Description"), "category": N_("Category"),
              "notes": N_("Notes"), "member": N_("Member"), "name": N_("Name"),
              "kind": N_("Kind")}
    return Term(labels.get(field, field.replace("_", " ").capitalize()))
