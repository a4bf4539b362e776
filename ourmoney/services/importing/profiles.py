"""Bank profiles: a column mapping saved under a name and applied to every file of its shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, InvalidInput, NotFound
from ourmoney.services.book import Book
from ourmoney.services.importing.formats import ReadOptions
from ourmoney.services.importing.table import MAP_FIRST, ColumnMapping, TableShape, inspect
from ourmoney.services.validation import MAX_NAME, text

Source = IO[bytes] | Path | str
NO_PROFILE = N_("There is no bank profile called %(name)s.")


def save_profile(book: Book, name: str, shape_signature: str, mapping: ColumnMapping) -> None:
    """Save (or replace) a named bank profile for files of this shape."""
    name = text(name, "name", limit=MAX_NAME, required=True)
    if not shape_signature or len(shape_signature) > 200:
        raise InvalidInput(N_("The file shape of a bank profile is missing."), field="shape")
    mapping.check()
    with book.write() as cursor:
        cursor.execute(
            "INSERT INTO bank_profile (name, shape, mapping, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET shape = excluded.shape,"
            " mapping = excluded.mapping, created_at = excluded.created_at",
            (name, shape_signature, json.dumps(mapping.to_dict(), separators=(",", ":")),
             utc_now_text()))


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


def list_profiles(book: Book) -> list[tuple[str, str]]:
    """Return every profile's (name, shape signature), by name."""
    return [(name, shape) for name, shape in
            book.store.rows("SELECT name, shape FROM bank_profile ORDER BY name")]


def delete_profile(book: Book, name: str) -> None:
    """Forget a named profile (NotFound when there is none)."""
    with book.write() as cursor:
        if not cursor.execute("DELETE FROM bank_profile WHERE name = ?", (name,)).rowcount:
            raise NotFound(NO_PROFILE, field="profile", name=name)


def options_for(book: Book, stream_or_path: Source, name: str, file_format: str,
                profile: str | None) -> ReadOptions:
    """Choose the mapping: the named profile, else the one saved for this shape, else the guess.

    A guess the table logic is not sure of is refused: the person maps the columns once.
    """
    shape = _inspect(stream_or_path, name, file_format)
    saved = (profile, get_profile(book, profile)) if profile \
        else find_profile(book, shape.signature)
    if saved:
        _fits(saved[0], saved[1], shape)
        return shape.options(saved[1], name)
    if shape.guess is None or shape.confidence != "high":
        raise InvalidInput(MAP_FIRST, field="mapping")
    return shape.options(shape.guess, name)


def _inspect(stream_or_path: Source, name: str, file_format: str) -> TableShape:
    if isinstance(stream_or_path, Path | str):
        with Path(stream_or_path).open("rb") as stream:
            return inspect(stream, name, file_format)
    return inspect(stream_or_path, name, file_format)


def _fits(profile: str, mapping: ColumnMapping, shape: TableShape) -> None:
    """Refuse a profile that reads columns this file does not have."""
    needed = max(mapping.columns_used()) + 1
    if needed > len(shape.columns):
        raise InvalidInput(N_("The bank profile %(name)s reads %(needed)s columns, but this"
                              " file has %(width)s."), field="profile", name=profile, needed=needed,
                           width=len(shape.columns))


def _mapping(stored: str) -> ColumnMapping:
    return ColumnMapping.from_dict(json.loads(stored))
