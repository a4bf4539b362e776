"""Bulk batches drop the insert triggers they skip and create them again in the same write."""

from __future__ import annotations

import sqlite3

import pytest

from ourmoney.db import bulk
from ourmoney.services import ledger
from ourmoney.services.book import Book
from tests.db.test_schema import sample_rows, search
from tests.support.books import (
    daily_totals,
    draft,
    payee_totals,
    recomputed_payees,
    recomputed_totals,
)

TRIGGERS = "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name"
BULK_TRIGGERS = ["transactions_total_insert", "transactions_search_insert",
                 "transactions_payee_insert"]  # in the order the schema created them


def _traced(book: Book, rows: list[tuple[object, ...]]) -> list[str]:
    statements: list[str] = []
    with book.write() as cursor:
        cursor.connection.set_trace_callback(statements.append)
        try:
            bulk.insert_transactions(cursor, rows)
        finally:
            cursor.connection.set_trace_callback(None)
    return [s.split(" ON ")[0].strip() for s in statements if "TRIGGER" in s]


def test_a_large_batch_writes_without_its_triggers_then_restores_them(book: Book) -> None:
    before = book.store.rows(TRIGGERS)
    ddl = _traced(book, sample_rows(bulk.DROP_TRIGGERS_FROM, 1, [None, "c1"], [None, "m1"]))
    assert ddl == [*[f'DROP TRIGGER "{name}"' for name in BULK_TRIGGERS],
                   *[f"CREATE TRIGGER {name} AFTER INSERT" for name in BULK_TRIGGERS]]
    assert book.store.rows(TRIGGERS) == before
    assert book.store.value("SELECT count(*) FROM transactions") == bulk.DROP_TRIGGERS_FROM
    assert daily_totals(book) == recomputed_totals(book)
    assert payee_totals(book) == recomputed_payees(book)
    txn = ledger.add_transaction(book, draft("Single Lunch"))  # through the triggers again
    assert search(book, "Single") == ["Single Lunch"]
    assert daily_totals(book) == recomputed_totals(book)
    assert payee_totals(book) == recomputed_payees(book)
    assert ledger.get_transaction(book, txn.id).description == "Single Lunch"


def test_a_small_batch_keeps_its_triggers(book: Book) -> None:
    assert _traced(book, sample_rows(bulk.DROP_TRIGGERS_FROM - 1, 2, [None], [None])) == []
    assert daily_totals(book) == recomputed_totals(book)


def test_a_failed_large_batch_leaves_the_triggers_and_nothing_else(book: Book) -> None:
    before = book.store.rows(TRIGGERS)
    rows = sample_rows(bulk.DROP_TRIGGERS_FROM + 5, 3, [None], [None])
    broken = [*rows[:-1], (*rows[-1][:4], 0, *rows[-1][5:])]  # amount 0 breaks CHECK
    with pytest.raises(sqlite3.IntegrityError), book.write() as cursor:
        bulk.insert_transactions(cursor, broken)
    assert book.store.rows(TRIGGERS) == before
    assert book.store.value("SELECT count(*) FROM transactions") == 0
    assert daily_totals(book) == {} and payee_totals(book) == {}
    ledger.add_transaction(book, draft("After the failure"))
    assert daily_totals(book) == recomputed_totals(book)
    assert search(book, "failure") == ["After the failure"]

