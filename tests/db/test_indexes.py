"""Setting the lookup indexes aside and building them again, exactly, even after a crash."""

from __future__ import annotations

import json
from pathlib import Path

from ourmoney.db import indexes, open_store
from ourmoney.services.book import Book

INDEX_SQL = ("SELECT name, sql FROM sqlite_schema WHERE type = 'index'"
             " AND tbl_name IN ('transactions', 'daily_total') ORDER BY name")


def test_set_aside_drops_the_lookup_indexes_and_records_them(book: Book) -> None:
    before = dict(book.store.rows(INDEX_SQL))
    with book.store.write() as cursor:
        indexes.set_aside(cursor)
        assert indexes.are_set_aside(cursor)
        indexes.set_aside(cursor)  # again: nothing left to drop, the record stays whole
    assert sorted(dict(book.store.rows(INDEX_SQL))) == [
        "sqlite_autoindex_transactions_1", "transactions_category"]
    recorded = json.loads(book.store.value("SELECT value FROM setting WHERE key = ?",
                                           (indexes.SET_ASIDE_KEY,)))
    assert recorded == {name: before[name] for name in indexes.LOOKUP_INDEXES}


def test_rebuild_brings_back_the_same_indexes_once(book: Book) -> None:
    before = book.store.rows(INDEX_SQL)
    with book.store.write() as cursor:
        indexes.set_aside(cursor)
    with book.store.write() as cursor:
        assert indexes.rebuild(cursor) is True
        assert indexes.rebuild(cursor) is False
        assert not indexes.are_set_aside(cursor)
    assert book.store.rows(INDEX_SQL) == before
    assert book.store.value("SELECT count(*) FROM setting WHERE key = ?",
                            (indexes.SET_ASIDE_KEY,)) == 0


def test_opening_a_ledger_left_with_indexes_aside_builds_them(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ledger.sqlite3")
    before = store.rows(INDEX_SQL)
    with store.write() as cursor:
        indexes.set_aside(cursor)
    store.close()  # as if the process had been killed midway through a long sync
    reopened = open_store(tmp_path / "ledger.sqlite3")
    try:
        assert reopened.rows(INDEX_SQL) == before
        assert reopened.value("SELECT count(*) FROM setting") == 0
    finally:
        reopened.close()
