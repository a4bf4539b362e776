"""OurMoney's own JSON: categories, members, then transactions, written as a stream."""

from __future__ import annotations

import json
from typing import IO, Any

from ourmoney import __version__
from ourmoney.clock import utc_now_text
from ourmoney.services import categories, household, listing, members
from ourmoney.services.book import Book
from ourmoney.services.models import Transaction, TransactionFilter


def write(book: Book, selection: TransactionFilter, out: IO[bytes]) -> int:
    """Stream the export; rows carry ids, names and timestamps so it re-imports exactly."""
    header = {"format": "ourmoney", "version": 1, "app_version": __version__,
              "exported_at": utc_now_text(), "currency": household.preferences(book).currency,
              "categories": [{"id": c.id, "name": c.name, "kind": c.kind, "color": c.color}
                             for c in categories.list_categories(book, counts=False)],
              "members": [{"id": m.id, "name": m.name}
                          for m in members.list_members(book, counts=False)]}
    out.write(_dump(header)[:-1].encode() + b', "transactions": [\n')
    count = 0
    for txn in listing.iter_transactions(book, selection):
        out.write((b",\n" if count else b"") + _dump(row(txn)).encode())
        count += 1
    out.write(b"\n]}\n")
    return count


def row(txn: Transaction) -> dict[str, Any]:
    """Return one transaction as the export writes it."""
    return {"id": txn.id, "occurred_on": txn.occurred_on.isoformat(),
            "description": txn.description, "type": txn.type, "amount": str(txn.amount),
            "category": txn.category, "category_id": txn.category_id, "member": txn.member,
            "member_id": txn.member_id, "notes": txn.notes, "created_at": txn.created_at,
            "updated_at": txn.updated_at}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
