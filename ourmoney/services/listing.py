"""Browse the ledger: keyset-paginated lists and totals, aggregated in SQL."""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from ourmoney.errors import InvalidCursor
from ourmoney.money import from_minor
from ourmoney.services import ledger
from ourmoney.services.book import Book
from ourmoney.services.household import preferences
from ourmoney.services.models import KINDS, Page, Totals, Transaction, TransactionFilter

MAX_PAGE = 500
REMEMBERED_TOTALS = 64
# Every write appends to the change log, so its highest seq is the ledger's version.
_REMEMBERED: OrderedDict[tuple[Any, ...], Totals] = OrderedDict()
_REMEMBERED_LOCK = threading.Lock()
_CURSOR_PART = (re.compile(r"^\d{4}-\d{2}-\d{2}$"),
                re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"),
                re.compile(r"^[\w-]{1,64}$"))


def encode_cursor(occurred_on: str, created_at: str, transaction_id: str) -> str:
    """Encode the position after a row as an opaque, URL-safe cursor."""
    raw = json.dumps([occurred_on, created_at, transaction_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, str]:
    """Decode a cursor made by encode_cursor, refusing anything else."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor(field="cursor") from None
    if (not isinstance(parts, list) or len(parts) != 3
            or not all(isinstance(p, str) and rx.fullmatch(p) for p, rx in zip(parts, _CURSOR_PART,
                                                                              strict=False))):
        raise InvalidCursor(field="cursor")
    return parts[0], parts[1], parts[2]


def where(book: Book, selection: TransactionFilter, *,
          whole_set: bool = False) -> tuple[str, list[Any]]:
    """Return the SQL condition (on alias t) and parameters for a filter.

    A page walks the date index and stops after 50 rows, so the search is an OR of
    probes; a total (`whole_set`) visits every match, so the search is one rowid set.
    """
    clauses: list[str] = ["t.deleted = 0"]
    params: list[Any] = []
    if selection.type in KINDS:
        # A literal, not a parameter, so the planner can use the partial income index.
        clauses.append(f"t.type = '{selection.type}'")
    if selection.category_id:
        clauses.append("t.category_id = ?")
        params.append(selection.category_id)
    if selection.member_id:
        clauses.append("t.member_id = ?")
        params.append(selection.member_id)
    if selection.date_from:
        clauses.append("t.occurred_on >= ?")
        params.append(selection.date_from.isoformat())
    if selection.date_to:
        clauses.append("t.occurred_on <= ?")
        params.append(selection.date_to.isoformat())
    if selection.status:
        clauses.append("t.local_seq > ?" if selection.status == "pending" else "t.local_seq <= ?")
        params.append(ledger.acked_seq(book))
    if selection.q:
        clause, search_params = _search(selection.q, whole_set)
        clauses.append(clause)
        params += search_params
    return " AND ".join(clauses), params


def _search(q: str, whole_set: bool) -> tuple[str, list[Any]]:
    """Match description, notes (full-text trigram index) or the category name."""
    like = "%" + re.sub(r"([\\%_])", r"\\\1", q) + "%"
    in_category = "t.category_id IN (SELECT id FROM category WHERE name LIKE ? ESCAPE '\\')"
    if len(q) >= 3 and not whole_set:
        phrase = '"' + q.replace('"', '""') + '"'
        return (f"(t.rowid IN (SELECT rowid FROM transaction_search WHERE transaction_search"
                f" MATCH ?) OR {in_category})", [phrase, like])
    if len(q) >= 3:
        # One rowid set (text matches, then rows of matching categories): an OR here would
        # make SQLite scan every transaction.
        phrase = '"' + q.replace('"', '""') + '"'
        return ("t.rowid IN (SELECT rowid FROM transaction_search WHERE transaction_search"
                " MATCH ? UNION SELECT rowid FROM transactions WHERE deleted = 0 AND category_id"
                " IN (SELECT id FROM category WHERE name LIKE ? ESCAPE '\\'))", [phrase, like])
    return (f"(t.description LIKE ? ESCAPE '\\' OR t.notes LIKE ? ESCAPE '\\' OR {in_category})",
            [like, like, like])


def list_transactions(book: Book, selection: TransactionFilter, *, cursor: str | None = None,
                      limit: int = 50) -> Page:
    """Return one page, newest first, strictly after `cursor`."""
    condition, params = where(book, selection)
    if cursor:
        condition += " AND (t.occurred_on, t.created_at, t.id) < (?, ?, ?)"
        params += decode_cursor(cursor)
    limit = max(1, min(limit, MAX_PAGE))
    rows = book.store.rows(
        f"{ledger.SELECT} WHERE {condition}"
        " ORDER BY t.occurred_on DESC, t.created_at DESC, t.id DESC LIMIT ?", (*params, limit + 1))
    prefs = preferences(book)
    acked = ledger.acked_seq(book)
    items = [ledger.to_transaction(row, prefs.currency, prefs.precision, acked)
             for row in rows[:limit]]
    following = None
    if len(rows) > limit:
        last = rows[limit - 1]
        following = encode_cursor(last[1], last[11], last[0])
    return Page(items, following)


def iter_transactions(book: Book, selection: TransactionFilter) -> Iterator[Transaction]:
    """Yield every transaction of a filter, newest first, streamed from one query."""
    condition, params = where(book, selection)
    prefs = preferences(book)
    acked = ledger.acked_seq(book)
    cursor = book.store.db.execute_sql(
        f"{ledger.SELECT} WHERE {condition}"
        " ORDER BY t.occurred_on DESC, t.created_at DESC, t.id DESC", params)
    for row in cursor:
        yield ledger.to_transaction(row, prefs.currency, prefs.precision, acked)


def totals(book: Book, selection: TransactionFilter) -> Totals:
    """Sum income and expense for a filter, remembered until the ledger changes."""
    version = (str(book.store.path), selection, book.store.value("SELECT max(seq) FROM change"),
               ledger.acked_seq(book) if selection.status else 0)
    with _REMEMBERED_LOCK:
        if version in _REMEMBERED:
            _REMEMBERED.move_to_end(version)
            return _REMEMBERED[version]
    found = _sum(book, selection)
    with _REMEMBERED_LOCK:
        _REMEMBERED[version] = found
        while len(_REMEMBERED) > REMEMBERED_TOTALS:
            _REMEMBERED.popitem(last=False)
    return found


def _sum(book: Book, selection: TransactionFilter) -> Totals:
    """Sum in SQL, from the daily totals when the filter allows, else over matching rows."""
    if selection.q or selection.status:
        condition, params = where(book, selection, whole_set=True)
        sql = f"SELECT t.type, sum(t.amount), count(*) FROM transactions t WHERE {condition}"
    else:
        condition, params = _daily_where(selection)
        sql = f"SELECT type, sum(amount), sum(count) FROM daily_total WHERE {condition}"
    found = {kind: (amount or 0, count or 0)
             for kind, amount, count in book.store.rows(sql + " GROUP BY 1", params)}
    precision = preferences(book).precision
    income, expense = found.get("income", (0, 0)), found.get("expense", (0, 0))
    return Totals(from_minor(income[0], precision), from_minor(expense[0], precision),
                  income[1] + expense[1])


def _daily_where(selection: TransactionFilter) -> tuple[str, list[Any]]:
    clauses, params = ["1"], []
    for column, value in (("type", selection.type), ("category_id", selection.category_id),
                          ("member_id", selection.member_id)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if selection.date_from:
        clauses.append("day >= ?")
        params.append(selection.date_from.isoformat())
    if selection.date_to:
        clauses.append("day <= ?")
        params.append(selection.date_to.isoformat())
    return " AND ".join(clauses), params
