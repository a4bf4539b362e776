"""Bank profiles: a column mapping saved under a name and applied to every file of its shape.

A profile is local to this device (not synced): it describes how one bank writes its files.
Its stored mapping may carry the names of the columns it was made from ("column_names"), so
the profiles page can say what each role reads; older profiles have only the numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, Conflict, InvalidInput, NotFound
from ourmoney.services.book import Book
from ourmoney.services.importing.formats import ReadOptions
from ourmoney.services.importing.table import MAP_FIRST, ColumnMapping, TableShape, inspect
from ourmoney.services.validation import MAX_NAME, text

Source = IO[bytes] | Path | str
Inspector = Callable[[str | None], TableShape]
NO_PROFILE = N_("There is no bank profile called %(name)s.")
# The roles a profile lists, in the order people read a statement, with their names.
ROLES = (("date", N_("Date")), ("description", N_("Description")),
         ("amount", N_("Amount")), ("debit", N_("Money out")), ("credit", N_("Money in")),
         ("direction", N_("Direction")), ("fee", N_("Fee")), ("notes", N_("Notes")),
         ("category", N_("Category")), ("member", N_("Member")),
         ("bank_id", N_("Bank transaction id")))


@dataclass(frozen=True)
class Profile:
    """A saved bank profile as people see it: its name, what each role reads, when saved."""

    name: str
    columns: list[tuple[str, str]]
    sheet: str | None
    created_at: str


def save_profile(book: Book, name: str, shape_signature: str, mapping: ColumnMapping,
                 column_names: list[str] | None = None) -> None:
    """Save (or replace) a named bank profile for files of this shape."""
    name = profile_name(name)
    if not shape_signature or len(shape_signature) > 200:
        raise InvalidInput(N_("The file shape of a bank profile is missing."), field="shape")
    mapping.check()
    stored = {**mapping.to_dict(), "column_names": [str(n)[:200] for n in column_names or []]}
    with book.write() as cursor:
        cursor.execute(
            "INSERT INTO bank_profile (name, shape, mapping, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET shape = excluded.shape,"
            " mapping = excluded.mapping, created_at = excluded.created_at",
            (name, shape_signature, json.dumps(stored, separators=(",", ":")), utc_now_text()))


def profile_name(given: Any) -> str:
    """Return a cleaned profile name, or say what is wrong with it."""
    return text(given, "name", limit=MAX_NAME, required=True)


def find_profile(book: Book, shape_signature: str) -> tuple[str, ColumnMapping] | None:
    """Return the newest profile saved for this shape of file, if any."""
    found = book.store.row("SELECT name, mapping FROM bank_profile WHERE shape = ?"
                           " ORDER BY created_at DESC, name LIMIT 1", (shape_signature,))
    return (found[0], _mapping(found[1])) if found else None


def get_profile(book: Book, name: str) -> ColumnMapping:
    """Return the mapping of a named profile, or NotFound."""
    found = book.store.value("SELECT mapping FROM bank_profile WHERE name = ?", (name,))
    if found is None:
        raise NotFound(NO_PROFILE, field="profile", name=name)
    return _mapping(found)


def list_profiles(book: Book) -> list[Profile]:
    """Return every saved profile, by name."""
    return [_profile(name, stored, created_at) for name, stored, created_at in book.store.rows(
        "SELECT name, mapping, created_at FROM bank_profile ORDER BY name COLLATE NOCASE, name")]


def rename_profile(book: Book, name: str, given: Any) -> str:
    """Give a profile a new name and return it; refuse a name another profile has."""
    new_name = profile_name(given)
    with book.write() as cursor:
        if cursor.execute("SELECT 1 FROM bank_profile WHERE name = ?", (name,)).fetchone() \
                is None:
            raise NotFound(NO_PROFILE, field="profile", name=name)
        if new_name != name and cursor.execute(
                "SELECT 1 FROM bank_profile WHERE name = ?", (new_name,)).fetchone():
            raise Conflict(N_("There is already a bank profile called %(name)s."),
                           field="name", name=new_name)
        cursor.execute("UPDATE bank_profile SET name = ? WHERE name = ?", (new_name, name))
    return new_name


def delete_profile(book: Book, name: str) -> None:
    """Forget a named profile (NotFound when there is none)."""
    with book.write() as cursor:
        if not cursor.execute("DELETE FROM bank_profile WHERE name = ?", (name,)).rowcount:
            raise NotFound(NO_PROFILE, field="profile", name=name)


def choose_table(book: Book, inspect_sheet: Inspector, *, sheet: str | None = None,
                 profile: str | None = None) -> tuple[TableShape, tuple[str, ColumnMapping] | None]:
    """Find the table to read and the profile to read it with.

    The sheet is the one named, else the named profile's, else one a saved profile was made
    for, else the first sheet with a table. The profile is the one named, else the one saved
    for that table's shape.
    """
    if profile:
        mapping = get_profile(book, profile)
        return _sheet_for(inspect_sheet, sheet, mapping.sheet), (profile, mapping)
    if sheet:
        shape = inspect_sheet(sheet)
        return shape, find_profile(book, shape.signature)
    shape = inspect_sheet(None)
    saved = find_profile(book, shape.signature)
    if saved is not None:
        return _sheet_for(inspect_sheet, None, saved[1].sheet), saved
    if len(shape.sheets) > 1:
        for other in _profile_sheets(book, shape):
            candidate = inspect_sheet(other)
            found = find_profile(book, candidate.signature)
            if found is not None and found[1].sheet == other:
                return candidate, found
    return shape, saved


def _sheet_for(inspect_sheet: Inspector, sheet: str | None, saved: str | None) -> TableShape:
    """The named sheet, else the profile's sheet when this workbook has it, else the default."""
    if sheet:
        return inspect_sheet(sheet)
    shape = inspect_sheet(None)
    return inspect_sheet(saved) if saved and saved != shape.sheet and saved in shape.sheets \
        else shape


def _profile_sheets(book: Book, shape: TableShape) -> list[str]:
    """Return the other sheets of this workbook that a saved profile was made for."""
    named = {str(sheet) for (sheet,) in book.store.rows(
        "SELECT DISTINCT json_extract(mapping, '$.sheet') FROM bank_profile"
        " WHERE json_extract(mapping, '$.sheet') IS NOT NULL")}
    return [name for name in shape.sheets if name in named and name != shape.sheet]


def options_for(book: Book, stream_or_path: Source, name: str, file_format: str,
                profile: str | None, sheet: str | None = None) -> ReadOptions:
    """Choose the sheet and mapping: the named profile, else the one saved for this shape,
    else the guess. A guess the table logic is not sure of is refused: the person maps the
    columns once."""
    def inspect_sheet(chosen: str | None) -> TableShape:
        return _inspect(stream_or_path, name, file_format, chosen)

    shape, saved = choose_table(book, inspect_sheet, sheet=sheet, profile=profile)
    if saved:
        _fits(saved[0], saved[1], shape)
        return shape.options(saved[1], name)
    if shape.guess is None or shape.confidence != "high":
        raise InvalidInput(MAP_FIRST, field="mapping")
    return shape.options(shape.guess, name)


def _inspect(stream_or_path: Source, name: str, file_format: str,
             sheet: str | None) -> TableShape:
    if isinstance(stream_or_path, Path | str):
        with Path(stream_or_path).open("rb") as stream:
            return inspect(stream, name, file_format, sheet)
    return inspect(stream_or_path, name, file_format, sheet)


def _fits(profile: str, mapping: ColumnMapping, shape: TableShape) -> None:
    """Refuse a profile that reads columns this file does not have."""
    needed = max(mapping.columns_used()) + 1
    if needed > len(shape.columns):
        raise InvalidInput(N_("The bank profile %(name)s reads %(needed)s columns, but this"
                              " file has %(width)s."), field="profile", name=profile,
                           needed=needed, width=len(shape.columns))


def _mapping(stored: str) -> ColumnMapping:
    data = json.loads(stored)
    data.pop("column_names", None)
    return ColumnMapping.from_dict(data)


def _profile(name: str, stored: str, created_at: str) -> Profile:
    data = json.loads(stored)
    names = [str(n) for n in data.pop("column_names", None) or []]
    mapping = ColumnMapping.from_dict(data)
    columns = []
    for role, label in ROLES:
        picked = getattr(mapping, role)
        numbers = picked if isinstance(picked, list) else [] if picked is None else [picked]
        if numbers:
            columns.append((label, ", ".join(_column(n, names) for n in numbers)))
    return Profile(name, columns, mapping.sheet, created_at)


def _column(number: int, names: list[str]) -> str:
    """Return a column as people see it on the Import page: "3. Amount", or "3."."""
    name = names[number] if number < len(names) else ""
    return f"{number + 1}. {name}" if name.strip() else f"{number + 1}."
