"""Which column of a bank table holds what: the mapping a person confirms once per bank."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ourmoney.errors import N_, InvalidInput
from ourmoney.services.importing.table_cells import DATE_FORMATS, shown

MAX_COLUMNS = 1000
MAX_SHEET_NAME = 100  # Excel allows 31; other spreadsheets a little more
_COLUMN_FIELDS = ("date", "amount", "debit", "credit", "direction", "category", "bank_id",
                  "fee", "member", "transaction_id", "created_at", "only_column")
_LIST_FIELDS = ("description", "notes")
_FLAG_FIELDS = ("invert", "unquote_formulas")
_DATE_FORMAT = re.compile(r"(?:%[YymdbB]|[-./:, ])+")


@dataclass(frozen=True)
class ColumnMapping:
    """Column numbers (from 0) of each field, and how to read the dates and amounts.

    The amount is one signed column (`amount`), or unsigned with a `direction` column whose
    value is one of `outflow_words` for money out, or separate `debit` and `credit` columns.
    `fee` is subtracted; `invert` flips every sign (card statements listing spending as
    positive). Rows whose `only_column` is not one of `only_values` are skipped (a column of
    record types, where only some rows are transactions). `sheet` names the workbook sheet
    the table is on (XLSX with several sheets; None for the first sheet with a table).
    """

    date: int
    description: list[int]
    amount: int | None = None
    debit: int | None = None
    credit: int | None = None
    direction: int | None = None
    outflow_words: tuple[str, ...] = ()
    notes: list[int] = field(default_factory=list)
    category: int | None = None
    bank_id: int | None = None
    date_format: str | None = None
    decimal: str = "."
    invert: bool = False
    fee: int | None = None
    member: int | None = None
    transaction_id: int | None = None
    created_at: int | None = None
    only_column: int | None = None
    only_values: tuple[str, ...] = ()
    unquote_formulas: bool = False
    sheet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the mapping as JSON-safe values."""
        data = asdict(self)
        data["outflow_words"] = list(self.outflow_words)
        data["only_values"] = list(self.only_values)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """Build a mapping from JSON, or raise InvalidInput saying what is wrong."""
        if not isinstance(data, Mapping):
            raise InvalidInput(N_("The column mapping must be an object."), field="mapping")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise InvalidInput(N_("The column mapping has an unknown field: %(name)s."),
                               field="mapping", name=unknown[0])
        values: dict[str, Any] = {}
        for name in _COLUMN_FIELDS:
            values[name] = _column(data.get(name), name, required=name == "date")
        for name in _LIST_FIELDS:
            values[name] = _columns(data.get(name), name)
        for name in _FLAG_FIELDS:
            values[name] = _flag(data.get(name, False), name)
        values["outflow_words"] = _words(data.get("outflow_words"), "outflow_words")
        values["only_values"] = _words(data.get("only_values"), "only_values")
        values["date_format"] = _date_format(data.get("date_format"))
        values["decimal"] = _decimal(data.get("decimal", "."))
        values["sheet"] = sheet_name(data.get("sheet"))
        mapping = cls(**values)
        mapping.check()
        return mapping

    def check(self) -> None:
        """Refuse a mapping that cannot give every row a signed amount."""
        if self.amount is None and self.debit is None and self.credit is None:
            raise InvalidInput(N_("Choose the amount column, or the debit and credit columns."),
                               field="mapping")
        if self.amount is not None and (self.debit is not None or self.credit is not None):
            raise InvalidInput(N_("Choose either one amount column or debit and credit columns,"
                                  " not both."), field="mapping")
        if self.direction is not None and self.amount is None:
            raise InvalidInput(N_("A direction column needs an amount column."), field="mapping")
        if self.direction is not None and not self.outflow_words:
            raise InvalidInput(N_("Say which words of the direction column mean money out"
                                  " (for example Af, D or Debit)."), field="mapping")
        if self.only_column is not None and not self.only_values:
            raise InvalidInput(N_("Say which values of the filter column mark transactions."),
                               field="mapping")

    def columns_used(self) -> list[int]:
        """Return every column number the mapping reads."""
        single = [getattr(self, name) for name in _COLUMN_FIELDS]
        return sorted({c for c in single + self.description + self.notes if c is not None})


def _column(value: Any, name: str, *, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise InvalidInput(N_("Choose the %(name)s column."), field="mapping", name=name)
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_COLUMNS:
        raise InvalidInput(N_("The %(name)s column must be a column number from 0 to %(last)d."),
                           field="mapping", name=name, last=MAX_COLUMNS - 1)
    return value


def _columns(value: Any, name: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise InvalidInput(N_("The %(name)s columns must be a list of column numbers."),
                           field="mapping", name=name)
    found = [_column(item, name, required=True) for item in value]
    return list(dict.fromkeys(c for c in found if c is not None))


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(N_("%(name)s must be true or false."), field="mapping", name=name)
    return value


def _words(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple) \
            or not all(isinstance(word, str) and 0 < len(word.strip()) <= 40 for word in value):
        raise InvalidInput(N_("%(name)s must be a list of short words."), field="mapping",
                           name=name)
    return tuple(dict.fromkeys(word.strip().casefold() for word in value))


def _date_format(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not (isinstance(value, str) and _DATE_FORMAT.fullmatch(value)
            and sum(value.count(d) for d in ("%Y", "%y")) == 1 and value.count("%d") == 1
            and sum(value.count(d) for d in ("%m", "%b", "%B")) == 1):
        examples = ", ".join(shown(f) for f in DATE_FORMATS[:6])
        raise InvalidInput(N_("The date format %(format)r is not one OurMoney can read"
                              " (for example %(examples)s)."), field="mapping",
                           format=str(value)[:40], examples=examples)
    return value


def sheet_name(value: Any) -> str | None:
    """Return a workbook sheet's name as given (None when unsaid), refusing what no sheet is."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_SHEET_NAME or not value.strip():
        raise InvalidInput(N_("A sheet name is text of at most %(limit)d characters."),
                           field="sheet", limit=MAX_SHEET_NAME)
    return value


def _decimal(value: Any) -> str:
    if value not in (".", ","):
        raise InvalidInput(N_("The decimal mark must be \".\" or \",\"."), field="mapping")
    return str(value)
