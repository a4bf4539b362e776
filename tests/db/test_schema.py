"""ourmoney.db: migrations, pragmas, indexes, triggers and the bulk path."""

from __future__ import annotations

import random
import sqlite3
import threading
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.db import Store, bulk, indexes, open_store, payees, schema
from ourmoney.ids import new_id
from ourmoney.services import ledger, listing, members
from ourmoney.services.book import Book
from ourmoney.services.models import TransactionFilter
from tests.support.books import (
    daily_totals,
    draft,
    ledger_at,
    payee_totals,
    recomputed_payees,
    recomputed_totals,
)


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    first = open_store(path)
    tables = first.rows("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    first.close()
    second = open_store(path)
    try:
        assert second.value("PRAGMA user_version") == len(schema.MIGRATIONS)
        assert second.rows("SELECT type, name, sql FROM sqlite_master ORDER BY name") == tables
        names = {name for _, name, _ in tables}
        assert {"transactions", "change", "daily_total", "category", "member", "node",
                "setting", "transaction_search", "transactions_order",
                "transactions_category", "transactions_member"} <= names
    finally:
        second.close()


def test_a_newer_database_is_refused_and_closed(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "l.sqlite3"
    open_store(path).close()
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute(f"PRAGMA user_version = {len(schema.MIGRATIONS) + 1}")
    opened: list[Store] = []
    original = Store.close
    monkeypatch.setattr(Store, "close", lambda self: (opened.append(self), original(self))[1])
    with pytest.raises(RuntimeError) as error:
        open_store(path)
    assert str(error.value) == "This database was written by a newer OurMoney; update the app."
    assert len(opened) == 1 and opened[0].db.is_closed()


def test_pragmas_on_every_connection(book: Book) -> None:
    found: dict[str, list[object]] = {}

    def read() -> None:
        found[threading.current_thread().name] = [
            book.store.value(f"PRAGMA {name}")
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")]
        book.close()

    threads = [threading.Thread(target=read, name=f"reader-{n}") for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    read()
    assert list(found.values()) == [["wal", 1, 10_000, 1]] * 3  # synchronous 1 = NORMAL


def plan(book: Book, selection: TransactionFilter, cursor: str | None = None) -> str:
    """Return the query plan of the list query list_transactions runs for `selection`."""
    condition, params = listing.where(book, selection)
    if cursor:
        condition += " AND (t.occurred_on, t.created_at, t.id) < (?, ?, ?)"
        params += listing.decode_cursor(cursor)
    sql = (f"{ledger.SELECT} WHERE {condition}"
           " ORDER BY t.occurred_on DESC, t.created_at DESC, t.id DESC LIMIT ?")
    rows = book.store.rows("EXPLAIN QUERY PLAN " + sql, (*params, 51))
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(("selection", "index"), [
    (TransactionFilter(category_id="c1"), "t USING INDEX transactions_category"),
    (TransactionFilter(member_id="m1"), "t USING INDEX transactions_member"),
    (TransactionFilter(), "t USING INDEX transactions_order"),
    (TransactionFilter(date_from=date(2024, 1, 1)), "t USING INDEX transactions_order"),
])
def test_list_queries_use_partial_indexes(book: Book, selection: TransactionFilter,
                                          index: str) -> None:
    cursor = listing.encode_cursor("2024-05-01", "2024-05-01T10:00:00.000Z", "x")
    for shown in (plan(book, selection), plan(book, selection, cursor)):
        assert index in shown
        assert "TEMP B-TREE" not in shown  # the index gives the order: no sort


def test_partial_indexes_leave_out_deleted_rows() -> None:
    sql = schema.MIGRATIONS[0]
    for name in ("transactions_order", "transactions_category", "transactions_member"):
        definition = sql[sql.index(f"CREATE INDEX {name}"):]
        assert definition[:definition.index(";")].endswith("WHERE deleted = 0")


def assert_totals_exact(book: Book) -> None:
    assert daily_totals(book) == recomputed_totals(book)


def test_daily_totals_follow_every_kind_of_edit(book: Book) -> None:
    ana = members.add_member(book, "Ana")
    members.add_member(book, "Bo")
    txn = ledger.add_transaction(book, draft(amount="10.00", category="Food", member_id=ana.id))
    food = str(txn.category_id)
    assert daily_totals(book) == {("2024-05-01", "expense", food, ana.id): (1000, 1)}
    steps = [
        {"amount": Decimal("12.34")},
        {"type": "income"},
        {"occurred_on": date(2024, 6, 2)},
        {"category": "Rent"},
        {"member": "Bo"},
        {"member": None},
        {"category": None},
        {"description": "only words", "notes": "no money"},
    ]
    for step in steps:
        ledger.update_transaction(book, txn.id, step)
        assert_totals_exact(book)
    assert daily_totals(book) == {("2024-06-02", "income", "", ""): (1234, 1)}
    other = ledger.add_transaction(book, draft(amount="1.00", kind="income",
                                               on=date(2024, 6, 2)))
    assert daily_totals(book) == {("2024-06-02", "income", "", ""): (1334, 2)}
    ledger.delete_transaction(book, txn.id)
    assert daily_totals(book) == {("2024-06-02", "income", "", ""): (100, 1)}
    ledger.restore_transaction(book, txn.id)
    ledger.delete_transaction(book, other.id)
    assert daily_totals(book) == {("2024-06-02", "income", "", ""): (1234, 1)}
    with book.write() as cursor:  # a tombstone edited by sync stays out of the totals
        cursor.execute("UPDATE transactions SET amount = 999, occurred_on = '2020-01-01'"
                       " WHERE id = ?", (other.id,))
    assert_totals_exact(book)
    with book.write() as cursor:  # rows are never hard-deleted, but the trigger is still right
        cursor.execute("DELETE FROM transactions WHERE id = ?", (txn.id,))
    assert daily_totals(book) == {}
    assert_totals_exact(book)


def search(book: Book, words: str) -> list[str]:
    return sorted(d for (d,) in book.store.rows(
        "SELECT t.description FROM transaction_search s JOIN transactions t ON t.rowid = s.rowid"
        " WHERE transaction_search MATCH ?", (f'"{words}"',)))


def test_search_follows_description_edits(book: Book) -> None:
    txn = ledger.add_transaction(book, draft("Weekly groceries", notes="bananas"))
    ledger.add_transaction(book, draft("Cinema"))
    assert search(book, "grocer") == ["Weekly groceries"]
    ledger.update_transaction(book, txn.id, {"description": "Farmers market"})
    assert search(book, "grocer") == []
    assert search(book, "market") == ["Farmers market"]
    assert search(book, "banana") == ["Farmers market"]
    ledger.update_transaction(book, txn.id, {"notes": "apples"})
    assert search(book, "banana") == []
    assert search(book, "apple") == ["Farmers market"]
    ledger.update_transaction(book, txn.id, {"amount": Decimal("3")})  # not a text column
    assert search(book, "market") == ["Farmers market"]
    integrity = "INSERT INTO transaction_search (transaction_search) VALUES ('integrity-check')"
    with book.write() as cursor:
        cursor.execute(integrity)  # raises if the index disagrees with the table


def sample_rows(count: int, seed: int, categories_: list[str | None],
                people: list[str | None]) -> list[tuple[object, ...]]:
    """Rows in bulk.INSERT_TRANSACTION order, several on the same day and key."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        on = (date(2024, 1, 1) + timedelta(days=rng.randrange(20))).isoformat()
        rows.append((new_id(), on, f"{rng.choice(['Lunch', 'Taxi', 'Rent'])} {n}",
                     rng.choice(["income", "expense"]), rng.randrange(1, 100_000),
                     rng.choice(categories_), rng.choice(people),
                     rng.choice(["", "shared bill"]), "2024-01-01T00:00:00.000Z",
                     "2024-01-01T00:00:00.000Z", f"{n:013d}-0000-0123456789abcdef", n + 1))
    return rows


def test_bulk_insert_matches_row_by_row(tmp_path: Path) -> None:
    categories_: list[str | None] = [None, "c1", "c2"]
    people: list[str | None] = [None, "m1"]
    existing = sample_rows(30, 1, categories_, people)
    batches = [sample_rows(400, 2, categories_, people), sample_rows(250, 3, categories_, people)]
    with ledger_at(tmp_path / "bulk.sqlite3") as fast, ledger_at(tmp_path / "slow.sqlite3") as slow:
        for book in (fast, slow):
            with book.write() as cursor:  # rows written earlier, one by one, through triggers
                cursor.executemany(bulk.INSERT_TRANSACTION, existing)
        for batch in batches:
            with fast.write() as cursor:
                bulk.insert_transactions(cursor, batch)
            with slow.write() as cursor:
                for row in batch:
                    cursor.execute(bulk.INSERT_TRANSACTION, row)
        assert fast.store.value("SELECT count(*) FROM bulk_write") == 0
        assert daily_totals(fast) == daily_totals(slow) == recomputed_totals(fast)
        assert payee_totals(fast) == payee_totals(slow) == recomputed_payees(fast)
        for words in ("Lunch", "shared", "Taxi 4", "Rent 12", "nothing"):
            assert search(fast, words) == search(slow, words)
        assert search(fast, "Taxi") != []
        # later single writes keep working on top of a bulk batch
        for book in (fast, slow):
            txn = ledger.add_transaction(book, draft("Late Lunch", on=date(2024, 1, 3)))
            ledger.update_transaction(book, txn.id, {"description": "Late dinner"})
        assert daily_totals(fast) == daily_totals(slow) == recomputed_totals(fast)
        assert payee_totals(fast) == payee_totals(slow) == recomputed_payees(fast)
        assert search(fast, "Late") == search(slow, "Late") == ["Late dinner"]
        with fast.write() as cursor:
            cursor.execute("INSERT INTO transaction_search (transaction_search)"
                           " VALUES ('integrity-check')")


def test_a_failed_bulk_batch_leaves_nothing(book: Book) -> None:
    rows = sample_rows(10, 4, [None], [None])
    broken = [*rows[:5], (*rows[5][:4], 0, *rows[5][5:]), *rows[6:]]  # amount 0 breaks CHECK
    with pytest.raises(sqlite3.IntegrityError), book.write() as cursor:
        bulk.insert_transactions(cursor, broken)
    assert book.store.value("SELECT count(*) FROM transactions") == 0
    assert book.store.value("SELECT count(*) FROM bulk_write") == 0
    assert daily_totals(book) == {}
    assert payee_totals(book) == {}
    with book.write() as cursor:
        bulk.insert_transactions(cursor, rows)
    assert daily_totals(book) == recomputed_totals(book)
    assert payee_totals(book) == recomputed_payees(book)


def test_bulk_indexing_reads_only_the_new_rows(book: Book) -> None:
    """Each statement a bulk batch runs finds its rows by rowid, never by walking an index."""
    with book.write() as cursor:
        bulk.insert_transactions(cursor, sample_rows(50, 5, [None, "c1"], [None]))
    statements: list[str] = []
    with book.write() as cursor:
        cursor.connection.set_trace_callback(statements.append)
        try:
            bulk.insert_transactions(cursor, sample_rows(50, 6, [None, "c1"], [None]))
        finally:
            cursor.connection.set_trace_callback(None)
        reads = [sql for sql in statements if "rowid >" in sql]
        plans = [" | ".join(row[3] for row in cursor.execute("EXPLAIN QUERY PLAN " + sql))
                 for sql in reads]
    assert len(plans) == 3  # the search index, the daily totals and the payee totals
    for plan in plans:
        assert "USING INTEGER PRIMARY KEY (rowid>?)" in plan
        assert "USING INDEX" not in plan and "COVERING INDEX" not in plan
    assert daily_totals(book) == recomputed_totals(book)
    assert payee_totals(book) == recomputed_payees(book)


def test_next_seq(book: Book) -> None:
    with book.write() as cursor:
        assert bulk.next_seq(cursor) == 1
    members.add_member(book, "Ana")
    with book.write() as cursor:
        assert bulk.next_seq(cursor) == 2



def test_shutting_the_store_closes_every_threads_connection(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ledger.sqlite3")
    with store.write() as cursor:
        cursor.execute("INSERT INTO setting (key, value) VALUES ('k', 'v')")
    reader = threading.Thread(target=lambda: store.value("SELECT value FROM setting"))
    reader.start()
    reader.join()
    assert (tmp_path / "ledger.sqlite3-wal").exists()
    store.shut()
    assert not (tmp_path / "ledger.sqlite3-wal").exists()  # the WAL folded into the file
    assert open_store(tmp_path / "ledger.sqlite3").value("SELECT value FROM setting") == "v"


def test_settling_reads_only_the_marked_groups(book: Book) -> None:
    """A removed smallest or largest amount re-reads its group by index, once, at the commit."""
    for amount in ("1.00", "2.00", "3.00"):
        ledger.add_transaction(book, draft("Taxi", amount, category="Transport"))
    largest = book.store.value("SELECT id FROM transactions WHERE amount = 300")
    with book.write() as cursor:
        cursor.execute("UPDATE transactions SET deleted = 1 WHERE id = ?", (largest,))
        assert cursor.execute("SELECT * FROM payee_stale").fetchall() == [("2024-05", "", "Taxi")]
    assert book.store.value("SELECT count(*) FROM payee_stale") == 0
    assert payee_totals(book) == recomputed_payees(book)
    assert [v[:4] for v in payee_totals(book).values()] == [(300, 2, 100, 200)]
    for settle, index in ((payees._SETTLE_ONE_CATEGORY, "transactions_category (category_id"),
                          (payees._SETTLE_MIXED, "transactions_member (member_id")):
        plan = " | ".join(row[3] for row in book.store.rows("EXPLAIN QUERY PLAN " + settle))
        assert f"SEARCH t USING INDEX {index}=? AND occurred_on>?" in plan
        assert "SCAN t" not in plan


def test_a_write_that_removes_no_extreme_marks_nothing(book: Book) -> None:
    for amount in ("1.00", "2.00", "3.00"):
        ledger.add_transaction(book, draft("Taxi", amount, category="Transport"))
    middle = str(book.store.value("SELECT id FROM transactions WHERE amount = 200"))
    largest = str(book.store.value("SELECT id FROM transactions WHERE amount = 300"))
    with book.write() as cursor:
        cursor.execute("UPDATE transactions SET deleted = 1 WHERE id = ?", (middle,))
        # sync writes a new row's clocks with its own values again: nothing moves
        cursor.execute("UPDATE transactions SET deleted = 0, amount = 300, field_hlc = '{}'"
                       " WHERE id = ?", (largest,))
        assert cursor.execute("SELECT count(*) FROM payee_stale").fetchone() == (0,)
    assert [v[:4] for v in payee_totals(book).values()] == [(400, 2, 100, 300)]


def test_settling_a_text_in_two_categories_without_the_member_index(book: Book) -> None:
    """A long first sync sets the member index aside: settle finds the rows by category."""
    ana = members.add_member(book, "Ana").id
    for day, amount, category in ((3, "5.00", "Sport"), (4, "9.00", "Health"),
                                  (5, "7.00", "Sport"), (6, "1.00", "Fun")):
        ledger.add_transaction(book, draft("Gym", amount, on=date(2024, 5, day),
                                           category=category, member_id=ana))
    ledger.add_transaction(book, draft("Gym", "3.00", on=date(2024, 5, 9), category="Health"))
    with book.write() as cursor:
        indexes.set_aside(cursor)
    try:
        statements: list[str] = []
        connection = book.store.db.connection()
        connection.set_trace_callback(statements.append)  # settle runs as the write commits
        try:
            with book.write() as cursor:
                for amount in (900, 100):  # the largest, then the smallest (its only "Fun")
                    cursor.execute("UPDATE transactions SET deleted = 1 WHERE description = 'Gym'"
                                   " AND amount = ?", (amount,))
        finally:
            connection.set_trace_callback(None)
        assert any("temp.payee_scan" in sql for sql in statements)
        assert payee_totals(book) == recomputed_payees(book)
        assert [v for k, v in payee_totals(book).items() if k[1] == ana] == [
            (1200, 2, 500, 700, *[str(book.store.value(
                "SELECT id FROM category WHERE name = 'Sport'"))] * 2)]
        for query in (payees._CATEGORIES_TO_SCAN, payees._SETTLE_MIXED_BY_CATEGORY):
            plan = " | ".join(row[3] for row in book.store.rows("EXPLAIN QUERY PLAN " + query))
            assert "SCAN t" not in plan and "AUTOMATIC" not in plan and "SCAN d" not in plan
    finally:
        with book.write() as cursor:
            indexes.rebuild(cursor)
    assert book.store.value("SELECT count(*) FROM payee_stale") == 0
