"""CSV: UTF-8, ISO dates, decimal-point signed amounts, spreadsheet formulas made inert."""

from __future__ import annotations

import csv
import io
from typing import IO

from ourmoney.services import listing
from ourmoney.services.book import Book
from ourmoney.services.models import Transaction, TransactionFilter

HEADER = ("date", "description", "type", "amount", "currency", "category", "member", "notes",
          "id", "created_at")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str | None) -> str:
    """Stop a spreadsheet from running a text cell as a formula (prefix it with a quote)."""
    value = text or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cells(txn: Transaction) -> list[str]:
    """Return one CSV row; expenses are negative amounts."""
    signed = -txn.amount if txn.type == "expense" else txn.amount
    return [txn.occurred_on.isoformat(), inert(txn.description), txn.type, str(signed),
            txn.currency, inert(txn.category), inert(txn.member), inert(txn.notes), txn.id,
            txn.created_at]


def write(book: Book, selection: TransactionFilter, out: IO[bytes]) -> int:
    """Stream the CSV to `out` and return how many transactions it holds."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(HEADER)
    count = 0
    for txn in listing.iter_transactions(book, selection):
        writer.writerow(cells(txn))
        count += 1
    text.flush()
    text.detach()
    return count
