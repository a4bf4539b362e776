"""The column-mapping form of the Import page: its choices, and the mapping read back from it.

The form shows the fields people need; the mapping's rarer fields (a fee column, a row
filter, ...) that a saved profile or the guess set travel unchanged in a hidden field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from ourmoney.errors import N_, InvalidInput, Term
from ourmoney.services.importing import review
from ourmoney.services.importing.review import Columns
from ourmoney.services.importing.table_cells import DATE_FORMATS, shown
from ourmoney.services.importing.table_mapping import ColumnMapping

COLUMN_ROLES = ("date", "amount", "debit", "credit", "direction", "category", "bank_id")
LIST_ROLES = {"description": 3, "notes": 2}  # how many selects each list of columns gets
SHOWN_FIELDS = frozenset(COLUMN_ROLES) | set(LIST_ROLES) | {"outflow_words", "date_format",
                                                             "decimal", "invert", "sheet"}
MAX_PROFILE_NAME = 60
DECIMALS = ((".", "1,234.56"), (",", "1.234,56"))
# What each role is called in messages, so the catalog translates it with them.
ROLE_NAMES = {"date": N_("the date"), "amount": N_("the amount"), "debit": N_("money out"),
              "credit": N_("money in"), "direction": N_("the direction"),
              "category": N_("the category"), "bank_id": N_("the bank transaction id"),
              "description": N_("the description"), "notes": N_("the notes")}


@dataclass(frozen=True)
class Choices:
    """What the mapping form shows: the columns to pick from and the current pick per role."""

    columns: list[tuple[str, str]]
    values: dict[str, str]
    lists: dict[str, list[str]]
    outflow_words: str
    date_formats: dict[str, list[tuple[str, str]]]
    date_format: str
    decimals: tuple[tuple[str, str], ...]
    decimal: str
    invert: bool
    kept: str
    sample: list[list[str]]
    doubts: list[str]


def mapping_choices(table: Columns | None) -> Choices | None:
    """Return the form's choices for a table file (None for other formats)."""
    if table is None:
        return None
    shape, mapping = table.shape, table.mapping
    columns = [(str(n), f"{n + 1}. {name}" if name.strip() else f"{n + 1}.")
               for n, name in enumerate(shape.columns)]
    values = {role: _text(getattr(mapping, role, None)) for role in COLUMN_ROLES}
    lists = {role: _padded(getattr(mapping, role, []), selects, len(columns))
             for role, selects in LIST_ROLES.items()}
    date_format = (mapping.date_format if mapping else None) or ""
    fitting = [f for f in shape.date_formats if f] + ([date_format] if date_format else [])
    fitting = list(dict.fromkeys(fitting))
    formats = {N_("Fits this file"): [(f, shown(f)) for f in fitting],
               N_("Other formats"): [(f, shown(f)) for f in DATE_FORMATS if f not in fitting]}
    kept = {name: value for name, value in mapping.to_dict().items()
            if name not in SHOWN_FIELDS} if mapping else {}
    return Choices(columns, values, lists, ", ".join(mapping.outflow_words if mapping else ()),
                   formats, date_format, DECIMALS, mapping.decimal if mapping else ".",
                   bool(mapping and mapping.invert), json.dumps(kept),
                   [list(row) for row in shape.sample[:5]],
                   shape.doubts if table.profile is None else [])


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _padded(picked: list[int], selects: int, available: int) -> list[str]:
    """Return the picked columns plus empty selects, at least `selects` in all."""
    shown_picks = [str(n) for n in picked]
    return shown_picks + [""] * max(0, min(selects, available) - len(shown_picks))


def mapping_from_form(form: MultiDict[str, str]) -> ColumnMapping:
    """Read the ColumnMapping the form describes, or say clearly what is wrong with it."""
    values: dict[str, Any] = _kept(form.get("kept", ""))
    values.update({role: _column(form.get(role, ""), role) for role in COLUMN_ROLES})
    for role in LIST_ROLES:
        values[role] = [_column(given, role) for given in form.getlist(role) if given.strip()]
    values["outflow_words"] = [word.strip() for word in form.get("outflow_words", "").split(",")
                               if word.strip()]
    values["date_format"] = form.get("date_format", "").strip() or None
    values["decimal"] = _decimal(form)
    values["invert"] = form.get("invert") == "on"
    return review.mapping_from(values)


def _kept(text: str) -> dict[str, Any]:
    """Return the mapping fields the form does not show, as the page carried them."""
    try:
        found = json.loads(text) if text.strip() else {}
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise InvalidInput(N_("The form was changed in a way OurMoney cannot read; reload the"
                              " page."), field="mapping")
    return {name: value for name, value in found.items() if name not in SHOWN_FIELDS}


def _column(given: str, role: str) -> int | None:
    given = given.strip()
    if not given:
        return None
    if not (given.isascii() and given.isdigit()) or len(given) > 4:
        raise InvalidInput(N_("Choose a column of the file for %(role)s."), field=role,
                           role=Term(ROLE_NAMES[role]))
    return int(given)


def _decimal(form: Mapping[str, str]) -> str:
    mark = form.get("decimal", ".") or "."
    if mark not in dict(DECIMALS):
        raise InvalidInput(N_("The decimal mark must be a point or a comma."), field="decimal")
    return mark


def profile_name(given: str) -> str:
    """Return the bank profile name to save under ("" for none), refusing absurd ones."""
    name = " ".join(given.split())
    if len(name) > MAX_PROFILE_NAME:
        raise InvalidInput(N_("A bank profile name has at most %(limit)d characters."),
                           field="profile", limit=MAX_PROFILE_NAME)
    return name
