"""CSV: UTF-8, ISO dates, decimal-point signed amounts, spreadsheet formulas made inert."""

from __future__ import annotations

import csv
import io
from typing import IO

from ourmoney.money import to_text
from ourmoney.services import household, listing
from ourmoney.services.book import Book
from ourmoney.services.models import TransactionFilter

HEADER = ("date", "description", "type", "amount", "currency", "category", "member", "notes",
          "id", "created_at")
ROWS = ("SELECT t.occurred_on, t.description, t.type, t.amount, c.name, m.name, t.notes, t.id,"
        " t.created_at FROM transactions t LEFT JOIN category c ON c.id = t.category_id"
        " LEFT JOIN member m ON m.id = t.member_id WHERE {condition}"
        " ORDER BY t.occurred_on DESC, t.created_at DESC, t.id DESC")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str | None) -> str:
    """Stop a spreadsheet from running a text cell as a formula (prefix it with a quote)."""
    value = text or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write(book: Book, selection: TransactionFilter, out: IO[bytes]) -> int:
    """Stream the CSV to `out` straight from the query rows; return how many it holds."""
    prefs = household.preferences(book)
    precision, currency = prefs.precision, prefs.currency  # a property: asked once, not per row
    condition, params = listing.where(book, selection)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(HEADER)
    count = 0
    for day, description, kind, minor, category, member, notes, id_, created in \
            book.store.db.execute_sql(ROWS.format(condition=condition), params):
        signed = -minor if kind == "expense" else minor
        writer.writerow((day, inert(description), kind, to_text(signed, precision), currency,
                         inert(category), inert(member), inert(notes), id_, created))
        count += 1
    text.flush()
    text.detach()
    return count
