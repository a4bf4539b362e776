"""Find the table in a bank file (junk before it, the header row) and guess its columns.

The layout comes from the rows themselves: the run of dated rows holding the most rows with
a date and a number is the table; the header is the wide row of names just above it.
Columns are then matched by their header names (table_words) and checked against their
values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ourmoney.errors import N_, Message
from ourmoney.services.exporting.csv_export import HEADER
from ourmoney.services.importing.table_cells import (
    Cell,
    best_formats,
    cell_text,
    count_formats,
    date_shaped,
    decimal_votes,
    formats_of,
    is_number,
    parse_amount,
    shown,
)
from ourmoney.services.importing.table_words import (
    DIRECTIONS,
    NOT_AMOUNT,
    VALUE_DATE,
    match,
    normalise,
)

Record = tuple[int, Sequence[Cell]]
FormatCounter = Callable[[int, list[str]], Counter[str]]
def trimmed(cells: Sequence[Cell]) -> list[Cell]:
    """Return the cells without the empty ones at the end of the row."""
    end = len(cells)
    while end and not cell_text(cells[end - 1]):
        end -= 1
    return list(cells[:end])


def is_blank(cells: Sequence[Cell]) -> bool:
    """Return True when no cell of the row holds anything."""
    return not any(cell_text(cell) for cell in cells)


def _is_date(cell: Cell) -> bool:
    return (not isinstance(cell, str | None) and date_shaped(cell)) \
        or (isinstance(cell, str) and bool(formats_of(cell)))


def _data_like(cells: Sequence[Cell]) -> bool:
    filled = [cell for cell in cells if cell_text(cell)]
    dates = [cell for cell in filled if _is_date(cell)]
    return len(filled) >= 2 and bool(dates) and any(
        is_number(cell) for cell in filled if not _is_date(cell))


def _header_like(cells: Sequence[Cell]) -> bool:
    filled = [cell_text(cell) for cell in cells if cell_text(cell)]
    wordy = [text for text in filled if re.search(r"[^\W\d_]", text)]
    numbers = [text for text in filled if is_number(text)]
    return len(filled) >= 2 and not any(_is_date(text) for text in filled) \
        and len(numbers) <= 1 and 2 * len(wordy) >= len(filled)


@dataclass
class Layout:
    """Where the table is: its header row (a line number or None) and its first data line."""

    header_row: int | None
    data_row: int
    header: list[str]
    rows: list[Record]
    early: bool = False

    @property
    def width(self) -> int:
        """Return the number of columns: the header's or the widest row's."""
        return max([len(self.header), *(len(trimmed(cells)) for _, cells in self.rows)])


def find_layout(records: Sequence[Record]) -> Layout | None:
    """Find the header and the data rows in the first records of a file.

    The table is the run of rows with dates holding the most rows with a date and a number;
    above it, rows as wide as the table's belong to it (broken rows at its top), up to the
    header: the first wide row of names. A narrow row (a preamble line) ends the search.
    """
    filled = [(line, cells) for line, cells in records if not is_blank(cells)]
    strong = [_data_like(cells) for _, cells in filled]
    first, last = _best_run(filled, strong)
    if first is None:
        return None
    widths = sorted(len(trimmed(filled[i][1])) for i in range(first, last + 1) if strong[i])
    wide = max(2, widths[len(widths) // 2] / 2)
    above = None
    while first and _filled(filled[first - 1][1]) >= wide:
        if _header_like(filled[first - 1][1]):
            above = first - 1
            break
        first -= 1
    header = [cell_text(c) for c in trimmed(filled[above][1])] if above is not None else []
    end = max(i for i, is_strong in enumerate(strong) if is_strong)
    return Layout(filled[above][0] if above is not None else None, filled[first][0], header,
                  filled[first:end + 1], early=any(strong[:first]) and above is None)


def _filled(cells: Sequence[Cell]) -> int:
    return sum(1 for cell in cells if cell_text(cell))


def _best_run(filled: Sequence[Record], strong: list[bool]) -> tuple[int | None, int]:
    """Return the first and last index of the run of dated rows with the most data rows."""
    best: tuple[int, int | None, int] = (0, None, 0)
    start, count = None, 0
    for index, (_, cells) in enumerate(filled):
        if strong[index] or (_filled(cells) >= 2 and any(date_shaped(c) for c in cells)):
            start, count = (index, 0) if start is None else (start, count)
            count += strong[index]
            if count > best[0]:
                best = (count, start, index)
        else:
            start, count = None, 0
    return best[1], best[2]


@dataclass
class Column:
    """One column of the sample: its header name and what its values look like."""

    index: int
    name: str
    values: list[Cell]

    @cached_property
    def key(self) -> str:
        """Return the normalised header name."""
        return normalise(self.name)

    @cached_property
    def filled(self) -> list[Cell]:
        """Return the non-empty values."""
        return [value for value in self.values if cell_text(value)]

    @cached_property
    def formats(self) -> Counter[str]:
        """Count how many text values each date format reads."""
        return count_formats(self.filled)

    @cached_property
    def date_share(self) -> float:
        """Return the share of the values that are dates (0 for an empty column)."""
        typed = sum(1 for v in self.filled if not isinstance(v, str) and _is_date(v))
        hits = typed + (max(self.formats.values()) if self.formats else 0)
        return hits / len(self.filled) if self.filled else 0.0

    @cached_property
    def number_share(self) -> float:
        """Return the share of the values that are amounts (1 for an empty column)."""
        hits = sum(1 for value in self.filled if is_number(value))
        return hits / len(self.filled) if self.filled else 1.0

    @property
    def is_date(self) -> bool:
        """Return True when (nearly) every value is a date."""
        return self.date_share >= 0.9

    @property
    def is_number(self) -> bool:
        """Return True when (nearly) every value is an amount (and the column is not dates)."""
        return not self.is_date and self.number_share >= 0.9

    @property
    def mostly_numbers(self) -> bool:
        """Return True when most values are amounts: enough for a column named like one."""
        return self.date_share < 0.5 and self.number_share >= 0.5

    @cached_property
    def text_length(self) -> float:
        """Return the mean length of the values, for picking a description."""
        return sum(len(cell_text(v)) for v in self.filled) / max(len(self.values), 1)

    @cached_property
    def words(self) -> float:
        """Return the mean number of words of the values (prose beats codes)."""
        return sum(len(cell_text(v).split()) for v in self.filled) / max(len(self.values), 1)

    def direction(self) -> tuple[str, str] | None:
        """Return the (money out, money in) words this column is made of, if it is one."""
        seen = {cell_text(value).casefold() for value in self.filled}
        return next((pair for pair in DIRECTIONS if seen and seen <= set(pair)), None)


@dataclass
class Guess:
    """The guessed roles of the columns, how sure the guess is and why not."""

    roles: dict[str, int] = field(default_factory=dict)
    description: list[int] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)
    outflow: tuple[str, ...] = ()
    date_formats: list[str] = field(default_factory=list)
    decimal: str = "."
    doubts: list[str] = field(default_factory=list)
    own_export: bool = False


def columns_of(layout: Layout, limit: int = 300) -> list[Column]:
    """Split the sample rows into columns, padding short rows with None."""
    rows = [cells for _, cells in layout.rows[:limit]]
    names = layout.header + [""] * (layout.width - len(layout.header))
    return [Column(i, names[i], [cells[i] if i < len(cells) else None for cells in rows])
            for i in range(layout.width)]


def guess(layout: Layout, delimiter: str | None, more_dates: FormatCounter | None) -> Guess:
    """Guess every role from the header names, checked against the values."""
    columns = columns_of(layout)
    result = Guess()
    if tuple(normalise(name).replace(" ", "_") for name in layout.header) == HEADER:
        result.roles = {"date": 0, "amount": 3, "category": 5, "member": 6,
                        "transaction_id": 8, "created_at": 9}
        result.description, result.notes, result.own_export = [1], [7], True
    else:
        _guess_date(columns, result, bool(layout.header))
        _guess_money(columns, result, bool(layout.header))
        _guess_texts(columns, result, len(layout.header))
    if "date" in result.roles:
        _date_format(columns[result.roles["date"]], result, more_dates)
    result.decimal = _decimal(columns, result, delimiter)
    if not layout.header:
        result.doubts.insert(0, Message(N_("The file has no header row; check which column is"
                                            " which.")))
    if layout.early:
        result.doubts.append(Message(N_("Rows above line %(line)d look like transactions too;"
                                        " check where the table starts."), line=layout.data_row))
    return result


def _pick(columns: list[Column], role: str, test: Callable[[Column], bool],
          taken: dict[str, int]) -> Column | None:
    used = set(taken.values())
    scored = [(match(c.key, role), -c.index, c) for c in columns
              if c.index not in used and c.key and test(c)]
    scored = [item for item in scored if item[0]]
    return max(scored, key=lambda item: item[:2])[2] if scored else None


def _guess_date(columns: list[Column], result: Guess, has_header: bool) -> None:
    dates = [c for c in columns if c.is_date]
    named = [c for c in columns if c.date_share >= 0.5]
    booked = [c for c in named if not any(word in c.key for word in VALUE_DATE)]
    found = _pick(booked, "date", lambda c: True, {}) or _pick(named, "date", lambda c: True, {})
    if found:
        result.roles["date"] = found.index
    elif dates:
        result.roles["date"] = dates[0].index
        if has_header:
            result.doubts.append(Message(N_("OurMoney could not tell the date column from its"
                                            " name.")))
    else:
        result.doubts.append(Message(N_("OurMoney found no column of dates.")))


def _money(column: Column) -> bool:
    return column.mostly_numbers and bool(column.filled) and not any(
        word in column.key for word in NOT_AMOUNT)


def _guess_money(columns: list[Column], result: Guess, has_header: bool) -> None:
    roles = result.roles
    amount = _pick(columns, "amount", _money, roles)
    debit = credit = None
    if amount is None:
        debit = _pick(columns, "debit", lambda c: c.mostly_numbers, roles)
        credit = _pick(columns, "credit", lambda c: c.mostly_numbers and c is not debit, roles)
        if debit is None or credit is None or not (debit.filled or credit.filled):
            debit = credit = None
    if debit and credit:
        roles.update(debit=debit.index, credit=credit.index)
    else:
        amount = amount or _amount_from_values(columns, roles)
        if amount is None:
            result.doubts.append(Message(N_("OurMoney found no column of amounts.")))
            return
        roles["amount"] = amount.index
        if has_header and match(amount.key, "amount") == 0:
            result.doubts.append(Message(N_("OurMoney could not tell the amount column from its"
                                            " name.")))
        _guess_direction(columns, amount, result)
    fee = _pick(columns, "fee", lambda c: c.mostly_numbers, roles)
    if fee is not None:
        roles["fee"] = fee.index


def _amount_from_values(columns: list[Column], roles: dict[str, int]) -> Column | None:
    """Without a name to go by: the numeric column with decimals and signs, leftmost."""
    used = set(roles.values())
    candidates = [c for c in columns if c.index not in used and c.is_number
                  and len(c.filled) >= 0.8 * len(c.values)
                  and not any(word in c.key for word in NOT_AMOUNT)]

    def score(column: Column) -> tuple[int, int, int]:
        texts = [cell_text(v) for v in column.filled]
        signed = any(t.lstrip().startswith(("-", "+", "(")) for t in texts)
        decimals = sum(1 for t in texts if re.search(r"[.,]\d{1,2}\D*$", t))
        return int(signed), decimals, -column.index

    return max(candidates, key=score) if candidates else None


def _guess_direction(columns: list[Column], amount: Column, result: Guess) -> None:
    if any(_negative(value) for value in amount.filled):
        return
    used = set(result.roles.values())
    named = [c for c in columns if c.index not in used and match(c.key, "direction")]
    for column in named + [c for c in columns if c.index not in used and c not in named]:
        pair = column.direction()
        if pair and (column in named or len({cell_text(v).casefold()
                                              for v in column.filled}) == 2):
            result.roles["direction"], result.outflow = column.index, (pair[0],)
            return


def _negative(value: Cell) -> bool:
    try:
        return parse_amount(value, ",") < 0
    except ValueError:
        try:
            return parse_amount(value, ".") < 0
        except ValueError:
            return False


def _guess_texts(columns: list[Column], result: Guess, header_width: int) -> None:
    roles = result.roles
    category = _pick(columns, "category", lambda c: bool(c.filled), roles)
    if category:
        roles["category"] = category.index
    bank_id = _pick(columns, "bank_id", _unique, roles)
    if bank_id:
        roles["bank_id"] = bank_id.index
    taken = set(roles.values())
    texts = [c for c in columns if c.index not in taken and not c.is_date and not c.is_number
             and c.filled]
    payee = _pick(texts, "payee", lambda c: True, {})
    described = _pick(texts, "description", lambda c: c is not payee, {})
    result.description = [c.index for c in (payee, described) if c is not None]
    if not result.description and texts:
        result.description = [max(texts, key=lambda c: (c.words, c.text_length, -c.index)).index]
    chosen = set(result.description)
    result.notes = [c.index for c in texts if c.index not in chosen and (
        match(c.key, "notes") or match(c.key, "description") or match(c.key, "payee")
        or (header_width and c.index >= header_width))]


def _unique(column: Column) -> bool:
    texts = [cell_text(v) for v in column.values]
    return len(texts) >= 2 and all(texts) and len(set(texts)) == len(texts)


def _date_format(column: Column, result: Guess, more_dates: FormatCounter | None) -> None:
    formats = best_formats(column.formats)
    if len(formats) > 1 and more_dates is not None:
        formats = best_formats(more_dates(column.index, formats))
    result.date_formats = formats
    if len(formats) > 1:
        result.doubts.append(Message(N_("The dates fit more than one format (%(formats)s); choose"
                                        " one."),
                                     formats=_either([shown(f) for f in formats[:3]])))


def _either(choices: list[str]) -> Message:
    """Return "A or B" (or "A, B or C") as a message the catalog translates."""
    if len(choices) == 2:
        return Message(N_("%(first)s or %(second)s"), first=choices[0], second=choices[1])
    return Message(N_("%(first)s, %(second)s or %(third)s"), first=choices[0],
                   second=choices[1], third=choices[2])


def _decimal(columns: list[Column], result: Guess, delimiter: str | None) -> str:
    money = [result.roles[r] for r in ("amount", "debit", "credit", "fee") if r in result.roles]
    votes = decimal_votes(v for i in money for v in columns[i].filled)
    if votes:
        return votes.most_common(1)[0][0]
    return "," if delimiter == ";" else "."
