"""Categories: name-derived ids so devices that create the same name offline agree."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
import uuid

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, Conflict, InvalidInput, NotFound
from ourmoney.ids import new_id
from ourmoney.services.book import Book
from ourmoney.services.models import EXPENSE, Category
from ourmoney.services.validation import MAX_NAME, kind, text

NAMESPACE = uuid.UUID("6f0b7c36-5d8e-4e0b-9a43-2f4d1c6a9b10")
PALETTE = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
           "#9a6324", "#469990", "#808000", "#000075", "#e6a800", "#a9a9a9", "#800000",
           "#2f8f4e", "#b03060", "#5f4bb6", "#c45500", "#1f77b4", "#7f7f7f")
_COLOR = re.compile(r"^#[0-9a-f]{6}$")
_COLUMNS = "id, name, kind, color"


def normalise(name: str) -> str:
    """Reduce a category name to the key two devices would agree on."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def normalise_description(text: str) -> str:
    """Reduce a description to what identifies a payee: case, accents and spacing folded."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def derived_id(name: str) -> str:
    """Return the id every device derives for a new category of this name."""
    return str(uuid.uuid5(NAMESPACE, normalise(name)))


def default_color(name: str) -> str:
    """Pick a stable palette colour for a name."""
    digest = hashlib.sha256(normalise(name).encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def list_categories(book: Book, *, counts: bool = True) -> list[Category]:
    """Return live categories, by name, with how many transactions each holds (if asked)."""
    counted = ("coalesce(d.count, 0) FROM category c LEFT JOIN (SELECT category_id,"
               " sum(count) AS count FROM daily_total GROUP BY category_id) d"
               " ON d.category_id = c.id") if counts else "0 FROM category c"
    rows = book.store.rows(f"SELECT {_COLUMNS}, {counted} WHERE deleted = 0"
                           " ORDER BY name COLLATE NOCASE")
    return [Category(*row) for row in rows]


def get_category(book: Book, category_id: str) -> Category:
    """Return one live category or raise NotFound."""
    row = book.store.row(f"SELECT {_COLUMNS} FROM category WHERE id = ? AND deleted = 0",
                         (category_id,))
    if row is None:
        raise NotFound(N_("That category does not exist."), field="category")
    return Category(*row)


def find_by_name(book: Book, name: str) -> Category | None:
    """Return the live category with this name (ignoring case and spacing), if any."""
    key = normalise(name)
    for row in book.store.rows(f"SELECT {_COLUMNS} FROM category WHERE deleted = 0"
                               " AND name = ? COLLATE NOCASE", (name.strip(),)):
        return Category(*row)
    for row in book.store.rows(f"SELECT {_COLUMNS} FROM category WHERE deleted = 0"):
        if normalise(row[1]) == key:
            return Category(*row)
    return None


def resolve(book: Book, given: str) -> Category | None:
    """Find a category by id or by name."""
    row = book.store.row(f"SELECT {_COLUMNS} FROM category WHERE id = ? AND deleted = 0",
                         (given,))
    return Category(*row) if row else find_by_name(book, given)


def add_category(book: Book, name: object, category_kind: object = EXPENSE,
                 color: object = None) -> Category:
    """Create a category, or return the existing one of the same name."""
    clean = text(name, "name", limit=MAX_NAME, required=True)
    with book.write() as cursor:
        return ensure(book, cursor, clean, kind(category_kind, "kind"), _color(color, clean))


def ensure(book: Book, cursor: sqlite3.Cursor, name: str, category_kind: str = EXPENSE,
           color: str | None = None, category_id: str | None = None) -> Category:
    """Return the category named `name` (or with `category_id`), creating it if needed."""
    if category_id:
        row = cursor.execute(f"SELECT {_COLUMNS} FROM category WHERE id = ? AND deleted = 0",
                             (category_id,)).fetchone()
        if row:
            return Category(*row)
    found = _live_by_name(cursor, name)
    if found:
        return found
    category_id = category_id or derived_id(name)
    existing = cursor.execute("SELECT name, deleted FROM category WHERE id = ?",
                              (category_id,)).fetchone()
    if existing and not existing[1]:
        category_id = new_id()  # the derived id belongs to a category since renamed
    chosen = color or default_color(name)
    fields = {"name": name, "kind": category_kind, "color": chosen, "deleted": False}
    now = utc_now_text()
    if existing and existing[1]:
        _update(book, cursor, category_id, fields)
    else:
        hlc, seq = book.record(cursor, "category", category_id, {**fields, "created_at": now})
        cursor.execute(
            "INSERT INTO category (id, name, kind, color, created_at, updated_at, hlc, local_seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (category_id, name, category_kind, chosen, now, now, hlc, seq))
    return Category(category_id, name, category_kind, chosen)


def remember(cursor: sqlite3.Cursor, chosen: dict[str, str]) -> None:
    """Remember the category last used for each normalised description (for imports)."""
    cursor.executemany("INSERT INTO description_category (description, category_id)"
                       " VALUES (?, ?) ON CONFLICT (description) DO UPDATE"
                       " SET category_id = excluded.category_id", list(chosen.items()))


def update_category(book: Book, category_id: str, *, name: object = None,
                    category_kind: object = None, color: object = None) -> Category:
    """Rename, recolour or change the kind of a category."""
    current = get_category(book, category_id)
    fields: dict[str, object] = {}
    if name is not None:
        fields["name"] = text(name, "name", limit=MAX_NAME, required=True)
    if category_kind is not None:
        fields["kind"] = kind(category_kind, "kind")
    if color is not None:
        fields["color"] = _color(color, current.name)
    with book.write() as cursor:
        clash = _live_by_name(cursor, str(fields.get("name", current.name)))
        if clash and clash.id != category_id:
            raise Conflict(N_("A category named %(name)s already exists; merge instead."),
                           field="name", name=clash.name)
        changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
        if changed:
            _update(book, cursor, category_id, changed)
    return get_category(book, category_id)


def merge_categories(book: Book, source_id: str, target_id: str) -> Category:
    """Move every transaction of `source` into `target`, then delete `source`."""
    if source_id == target_id:
        raise InvalidInput(N_("Choose two different categories to merge."), field="target")
    get_category(book, source_id)
    target = get_category(book, target_id)
    with book.write() as cursor:
        moved = cursor.execute("SELECT id FROM transactions WHERE category_id = ?",
                               (source_id,)).fetchall()
        for (transaction_id,) in moved:
            book.change(cursor, "transaction", transaction_id, {"category": target_id})
        _update(book, cursor, source_id, {"deleted": True})
    return target


def _update(book: Book, cursor: sqlite3.Cursor, category_id: str,
            fields: dict[str, object]) -> None:
    book.change(cursor, "category", category_id, fields)


def _live_by_name(cursor: sqlite3.Cursor, name: str) -> Category | None:
    key = normalise(name)
    for row in cursor.execute(f"SELECT {_COLUMNS} FROM category WHERE deleted = 0"):
        if normalise(row[1]) == key:
            return Category(*row)
    return None


def _color(value: object, name: str) -> str:
    if value is None or value == "":
        return default_color(name)
    if not isinstance(value, str) or not _COLOR.match(value.strip().lower()):
        raise InvalidInput(N_("Colour must be written like #1a2b3c."), field="color")
    return value.strip().lower()
