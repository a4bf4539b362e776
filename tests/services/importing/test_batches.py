"""The batch writer: one transaction per import, dedupe, categories, undo and crash safety."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ourmoney.errors import Conflict, NotFound
from ourmoney.services import ledger, listing
from ourmoney.services.book import Book
from ourmoney.services.importing import batches
from ourmoney.services.importing.batches import (
    DELETED_SINCE,
    SAME_BANK_ID,
    SAME_FINGERPRINT,
    SAME_ID,
    SAME_ID_IN_FILE,
    run_import,
    undo_import,
)
from ourmoney.services.importing.rows import ImportRow, ImportSummary, RowProblem
from ourmoney.services.models import TransactionFilter
from tests.services.importing.seed import counts, import_json, seed_bytes, seed_item
from tests.support.books import changes, daily_totals, draft, last_seq, recomputed_totals

FIRST = date(2025, 3, 1)
UNSTORABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]+")  # control characters, lone surrogates


def row(day: int, amount: str, description: str = "Coffee", line: int = 1,
        **given: Any) -> ImportRow:
    """A bank row on day `day` of March 2025."""
    return ImportRow(line, FIRST + timedelta(days=day - 1), Decimal(amount), description,
                     **given)


def statement(first: int, last: int, extra: dict[int, int] | None = None) -> list[ImportRow]:
    """One row a day from `first` to `last`, plus extra identical coffees on some days."""
    rows = [row(day, f"-{day}.10", f"Shop {day}") for day in range(first, last + 1)]
    for day, copies in (extra or {}).items():
        rows += [row(day, "-2.50", "Coffee") for _ in range(copies)]
    return rows


def load(book: Book, rows: Iterable[Any], **options: Any) -> ImportSummary:
    return run_import(book, rows, source="bank.csv", file_format="csv", **options)


def live(book: Book) -> int:
    return int(book.store.value("SELECT count(*) FROM transactions WHERE deleted = 0"))


def test_two_identical_coffees_in_one_statement_are_both_kept(book: Book) -> None:
    summary = load(book, [row(3, "-2.50", line=1), row(3, "-2.50", line=2)])
    assert (summary.added, summary.duplicates, summary.sum_added) == (2, 0, Decimal("-5.00"))
    assert live(book) == 2


def test_the_same_statement_again_adds_nothing(book: Book) -> None:
    rows = statement(1, 10, {4: 2})
    assert load(book, rows).added == 12
    again = load(book, rows)
    assert (again.added, again.duplicates, dict(again.reasons)) == (
        0, 12, {SAME_FINGERPRINT: 12})
    assert (again.imported, live(book), book.store.value("SELECT count(*) FROM import_batch")) == (
        False, 12, 1)


def test_an_overlapping_statement_adds_only_the_new_days(book: Book) -> None:
    load(book, statement(1, 10))
    summary = load(book, statement(5, 15))
    assert (summary.added, summary.duplicates) == (5, 6)
    days = book.store.rows("SELECT occurred_on FROM transactions ORDER BY occurred_on")
    assert [d for (d,) in days] == [(FIRST + timedelta(days=n)).isoformat() for n in range(15)]


def test_the_overlap_day_adds_only_the_extra_identical_rows(book: Book) -> None:
    load(book, statement(1, 10, {7: 2, 9: 1}))
    summary = load(book, statement(5, 15, {7: 3, 9: 1, 12: 2}))
    assert (summary.added, summary.duplicates) == (5 + 1 + 2, 6 + 2 + 1)
    coffees = book.store.rows("SELECT occurred_on, count(*) FROM transactions"
                              " WHERE description = 'Coffee' GROUP BY 1 ORDER BY 1")
    assert coffees == [("2025-03-07", 3), ("2025-03-09", 1), ("2025-03-12", 2)]


def test_the_fingerprint_ignores_case_accents_and_spacing(book: Book) -> None:
    load(book, [row(1, "-4", "Café  Central"), row(1, "-4.001", "PAYPAL *Shop")])
    again = load(book, [row(1, "-4.00", "CAFE central"), row(1, "-4.00", "paypal shop")])
    assert (again.added, again.duplicates) == (0, 2)


def test_bank_ids_dedupe_per_account(book: Book) -> None:
    first = [row(1, "-9", "Rent", bank_id="FIT1", account="A"),
             row(1, "-9", "Rent", bank_id="FIT1", account="B")]
    assert load(book, first).added == 2
    again = [row(1, "-9", "Rent (corrected text)", bank_id="FIT1", account="A"),
             row(2, "-9", "Rent", bank_id="FIT1", account="C")]
    summary = load(book, again)
    assert (summary.added, summary.duplicates, dict(summary.reasons)) == (
        1, 1, {SAME_BANK_ID: 1})
    assert live(book) == 3


def test_zero_amounts_are_ignored_with_a_reason(book: Book) -> None:
    summary = load(book, [row(1, "0"), row(1, "-0.004"), row(1, "-1")])
    assert (summary.added, summary.ignored, dict(summary.reasons)) == (1, 2, {"zero amount": 2})


def test_amounts_round_half_even_once_to_the_currency(book: Book) -> None:
    load(book, [row(1, "-2.675", "A"), row(1, "2.665", "B"), row(1, "-0.125", "C")])
    assert book.store.rows("SELECT description, type, amount FROM transactions ORDER BY 1") == [
        ("A", "expense", 268), ("B", "income", 266), ("C", "expense", 12)]


@pytest.mark.parametrize(("amount", "message"), [
    ("1e309", "Amount 1E+309 is too large."),
    ("-1000000000000", "Amount 1000000000000 is too large."),
    ("NaN", "Amount is not a finite number."), ("-Infinity", "Amount is not a finite number.")])
def test_absurd_amounts_are_invalid_rows(book: Book, amount: str, message: str) -> None:
    summary = load(book, [row(1, "-1"), row(1, amount, line=2)])
    assert (summary.added, summary.problems) == (0, [RowProblem(2, message)])
    assert live(book) == 0


def test_descriptions_are_cleaned_and_never_empty(book: Book) -> None:
    load(book, [row(1, "-1", " Tab\there\x00and\ud800 more  ", notes="n"),
                row(2, "-1", "", notes="Only  notes"), row(3, "-1", " ")])
    assert book.store.rows("SELECT description, notes FROM transactions ORDER BY occurred_on") == [
        ("Tab here and more", "n"), ("Only notes", "Only notes"), ("(no description)", "")]


@given(st.text(), st.text(st.characters(max_codepoint=127)))
def test_cleaning_folds_every_text_like_the_full_rule(any_text: str, ascii_text: str) -> None:
    for text in (any_text, ascii_text, f" {ascii_text}  x", f"{ascii_text}\t"):
        folded = " ".join(UNSTORABLE.sub(" ", unicodedata.normalize("NFC", text)).split())
        assert batches._clean(text, 12) == folded[:12]


def test_the_change_fields_are_the_json_of_the_written_row(book: Book) -> None:
    hostile = 'Say "hi" \\ <b>x</b> =1+1 ção 😀'
    load(book, [row(1, "-1.25", hostile, notes="a\nb", own=True),
                row(2, "3", "Pay", category="Work", member="Ana",
                    created_at="2025-03-02T10:00:00.000Z")])
    for (fields,) in book.store.rows("SELECT fields FROM change WHERE entity = 'transaction'"):
        stored = json.loads(fields)
        assert fields == json.dumps(stored, separators=(",", ":"))  # ASCII, compact, in order
        values = book.store.row(
            "SELECT occurred_on, description, type, amount, category_id, member_id, notes,"
            " deleted, created_at FROM transactions WHERE description = ?",
            (stored["description"],))
        assert values is not None
        assert list(stored.values()) == [*values[:7], bool(values[7]), values[8]]
    assert [json.loads(f)["category"] is None for (f,) in book.store.rows(
        "SELECT fields FROM change WHERE entity = 'transaction' ORDER BY seq")] == [True, False]
    assert book.store.value("SELECT description FROM transactions WHERE amount = 125") == hostile


def test_notes_keep_their_line_breaks(book: Book) -> None:
    load(book, [row(1, "-1", "A", notes=" first  line\r\nsecond\x00line\rthird\n")])
    assert book.store.value("SELECT notes FROM transactions") == "first line\nsecond line\nthird"


def test_every_imported_row_logs_one_change_and_totals_stay_right(book: Book) -> None:
    before = last_seq(book)
    load(book, [*statement(1, 3), row(2, "100", "Salary", category="Pay", member="Ana")])
    logged = changes(book, before)
    assert [(c["entity"]) for c in logged].count("transaction") == 4
    salary = next(c for c in logged if c["fields"].get("description") == "Salary")
    assert salary["fields"] == {
        "occurred_on": "2025-03-02", "description": "Salary", "type": "income", "amount": 10000,
        "category": salary["fields"]["category"], "member": salary["fields"]["member"],
        "notes": "", "deleted": False, "created_at": salary["fields"]["created_at"]}
    seqs = book.store.rows("SELECT local_seq FROM transactions ORDER BY local_seq")
    assert [s for (s,) in seqs] == [c["seq"] for c in logged if c["entity"] == "transaction"]
    assert daily_totals(book) == recomputed_totals(book)
    found = listing.list_transactions(book, TransactionFilter(q="Salary")).items
    assert [t.description for t in found] == ["Salary"]


def test_a_file_category_is_used_and_remembered(book: Book) -> None:
    load(book, [row(1, "-30", "Lidl Berlin", category="Groceries")])
    load(book, [row(2, "-20", "LIDL  berlin"), row(2, "-5", "Kiosk")])
    named = book.store.rows("SELECT t.occurred_on, t.description, c.name FROM transactions t"
                            " JOIN category c ON c.id = t.category_id ORDER BY 1, 2")
    assert named == [("2025-03-01", "Lidl Berlin", "Groceries"),
                     ("2025-03-02", "Kiosk", "Uncategorised"),
                     ("2025-03-02", "LIDL berlin", "Groceries")]


def test_the_category_last_used_by_hand_is_used(book: Book) -> None:
    ledger.add_transaction(book, draft("Bakery Müller", "3", category="Bread"))
    ledger.add_transaction(book, draft("bakery muller", "3", category="Breakfast"))
    load(book, [row(1, "-4", "BAKERY MÜLLER")])
    assert ledger.get_transaction(book, _id_of(book, "BAKERY MÜLLER")).category == "Breakfast"


def test_a_category_earlier_in_the_same_file_is_used(book: Book) -> None:
    rows = [row(1, "-1", "Gym", category="Sport"), row(2, "-1", "GYM"),
            *(row(3, f"-{n}", f"filler {n}") for n in range(1, batches.CHUNK + 5)),
            row(4, "-1", "gym")]
    load(book, rows)
    names = book.store.rows("SELECT c.name FROM transactions t JOIN category c"
                            " ON c.id = t.category_id WHERE lower(t.description) = 'gym'")
    assert names == [("Sport",)] * 3


def test_uncategorised_is_created_once(book: Book) -> None:
    load(book, [row(1, "-1", "A"), row(1, "2", "B")])
    load(book, [row(2, "-1", "C")])
    assert book.store.rows("SELECT name, kind FROM category") == [("Uncategorised", "expense")]


def _id_of(book: Book, description: str) -> str:
    return str(book.store.value("SELECT id FROM transactions WHERE description = ?",
                                (description,)))


def _totals(book: Book) -> tuple[Decimal, Decimal, int]:
    found = listing.totals(book, TransactionFilter())
    return found.income, found.expense, found.count


def test_undo_removes_exactly_the_batch(book: Book) -> None:
    ledger.add_transaction(book, draft("By hand", "7"))
    load(book, statement(1, 3))
    before = _totals(book)
    batch = load(book, [*statement(4, 6, {5: 2}), row(6, "50", "Refund")])
    assert _totals(book) == (before[0] + 50, before[1] + Decimal("20.30"), before[2] + 6)
    assert undo_import(book, batch.batch_id) == 6
    assert _totals(book) == before
    assert daily_totals(book) == recomputed_totals(book)
    assert book.store.value("SELECT count(*) FROM import_item WHERE batch_id = ?",
                            (batch.batch_id,)) == 0
    assert book.store.value("SELECT undone_at IS NOT NULL FROM import_batch WHERE id = ?",
                            (batch.batch_id,)) == 1


def test_undo_logs_one_tombstone_per_removed_row(book: Book) -> None:
    batch = load(book, statement(1, 4))
    ids = {t for (t,) in book.store.rows("SELECT id FROM transactions")}
    ledger.delete_transaction(book, _id_of(book, "Shop 2"))
    before = last_seq(book)
    assert undo_import(book, batch.batch_id) == 3
    logged = changes(book, before)
    assert {c["row_id"] for c in logged} == ids - {_id_of(book, "Shop 2")}
    assert [(c["entity"], c["fields"]) for c in logged] == [("transaction", {"deleted": True})] * 3


def test_a_second_undo_is_refused_and_an_unknown_batch_is_not_found(book: Book) -> None:
    batch = load(book, statement(1, 2))
    undo_import(book, batch.batch_id)
    seq = last_seq(book)
    with pytest.raises(Conflict, match=r"^That import was already undone\.$"):
        undo_import(book, batch.batch_id)
    with pytest.raises(NotFound, match=r"^There is no import with that batch id\.$"):
        undo_import(book, "no-such-batch")
    assert last_seq(book) == seq


def test_undo_removes_rows_the_user_edited_since(book: Book) -> None:
    batch = load(book, statement(1, 2))
    edited = _id_of(book, "Shop 1")
    ledger.update_transaction(book, edited, {"description": "Edited", "amount": "99"})
    assert undo_import(book, batch.batch_id) == 2
    assert ledger.get_transaction(book, edited, include_deleted=True).deleted
    assert live(book) == 0


def test_the_same_file_imports_again_after_undo(book: Book) -> None:
    data = seed_bytes(seed_item(1), seed_item(2))
    first = import_json(book, data)
    ids = sorted(t for (t,) in book.store.rows("SELECT id FROM transactions"))
    undo_import(book, first.batch_id)
    second = import_json(book, data)
    assert (second.added, second.duplicates) == (2, 0)
    assert sorted(t for (t,) in book.store.rows("SELECT id FROM transactions")) == ids
    assert live(book) == 2
    assert daily_totals(book) == recomputed_totals(book)
    assert [t.description for t in listing.list_transactions(
        book, TransactionFilter(q="Groceries")).items] == ["Groceries 2", "Groceries 1"]
    bank = load(book, statement(1, 2))
    undo_import(book, bank.batch_id)
    assert load(book, statement(1, 2)).added == 2


def test_a_row_deleted_by_hand_stays_deleted_when_the_file_comes_again(book: Book) -> None:
    data = seed_bytes(seed_item(1), seed_item(2))
    import_json(book, data)
    ledger.delete_transaction(book, _id_of(book, "Groceries 1"))
    again = import_json(book, data)
    assert (again.added, dict(again.reasons)) == (0, {DELETED_SINCE: 1, SAME_ID: 1})
    load(book, statement(1, 1))
    ledger.delete_transaction(book, _id_of(book, "Shop 1"))
    assert load(book, statement(1, 1)).duplicates == 1
    assert live(book) == 1


def items(book: Book) -> int:
    return int(book.store.value("SELECT count(*) FROM import_item"))


def test_rows_with_their_own_id_keep_no_import_item(book: Book) -> None:
    seed = import_json(book, seed_bytes(seed_item(1), seed_item(2)))
    assert (seed.added, items(book)) == (2, 0)
    first, last = book.store.row("SELECT first_seq, last_seq FROM import_batch WHERE id = ?",
                                 (seed.batch_id,)) or (0, 0)
    assert [e for (e,) in book.store.rows("SELECT entity FROM change WHERE seq BETWEEN ? AND ?"
                                          " ORDER BY seq", (first, last))] == [
        "category", "member", "transaction", "transaction"]
    assert last == last_seq(book)
    bank = load(book, statement(1, 3))
    assert (bank.added, items(book)) == (3, 3)


def test_a_revived_row_deleted_by_hand_stays_deleted_and_undo_still_works(book: Book) -> None:
    data = seed_bytes(seed_item(1), seed_item(2))
    undo_import(book, import_json(book, data).batch_id)
    revived = import_json(book, data)
    assert (revived.added, items(book)) == (2, 2)  # revivals keep an item: this import re-added
    ledger.delete_transaction(book, _id_of(book, "Groceries 1"))
    again = import_json(book, data)
    assert (again.added, dict(again.reasons)) == (0, {DELETED_SINCE: 1, SAME_ID: 1})
    assert undo_import(book, revived.batch_id) == 1
    assert (live(book), items(book)) == (0, 0)
    assert import_json(book, data).added == 2
    assert daily_totals(book) == recomputed_totals(book)


def test_the_same_id_in_two_chunks_is_kept_once(book: Book,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches, "CHUNK", 2)
    import_json(book, seed_bytes(seed_item(9)))
    summary = import_json(book, seed_bytes(seed_item(1), seed_item(2), seed_item(3),
                                           seed_item(1, price=99), seed_item(9)))
    assert (summary.added, dict(summary.reasons)) == (3, {SAME_ID_IN_FILE: 1, SAME_ID: 1})
    assert live(book) == 4
    assert undo_import(book, summary.batch_id) == 3
    assert live(book) == 1


def test_a_batch_from_before_seqs_were_kept_undoes_by_its_items(book: Book) -> None:
    data = seed_bytes(seed_item(1), seed_item(2))
    old = import_json(book, data)
    with book.write() as cursor:  # as imports wrote it before: an item per row, no seqs
        cursor.execute("UPDATE import_batch SET first_seq = NULL, last_seq = NULL")
        cursor.executemany("INSERT INTO import_item (key, batch_id, transaction_id)"
                           " VALUES ('id:' || ?, ?, ?)",
                           [(t, old.batch_id, t) for (t,) in
                            book.store.rows("SELECT id FROM transactions")])
    ledger.delete_transaction(book, _id_of(book, "Groceries 1"))
    assert dict(import_json(book, data).reasons) == {DELETED_SINCE: 1, SAME_ID: 1}
    assert undo_import(book, old.batch_id) == 1
    assert (live(book), items(book)) == (0, 0)
    assert import_json(book, data).added == 2


def test_a_row_deleted_by_hand_and_never_imported_comes_back_with_its_own_id(
        book: Book) -> None:
    txn = ledger.add_transaction(book, draft("By hand", "7"))
    ledger.delete_transaction(book, txn.id)
    own = json.dumps({"format": "ourmoney", "transactions": [
        {"id": txn.id, "occurred_on": txn.occurred_on.isoformat(), "description": "By hand",
         "type": "expense", "amount": "7.00"}]}).encode()
    summary = import_json(book, own)
    assert (summary.added, summary.duplicates) == (1, 0)
    assert ledger.get_transaction(book, txn.id).amount == Decimal("7.00")
    assert undo_import(book, summary.batch_id) == 1
    assert live(book) == 0


def test_invalid_rows_refuse_the_whole_import(book: Book) -> None:
    load(book, statement(1, 2))
    before = counts(book)
    rows: list[Any] = [*statement(3, 4), RowProblem(7, "Amount is missing."), row(5, "-1")]
    summary = load(book, rows)
    assert (summary.added, summary.errors, summary.sum_added, summary.imported) == (
        0, 1, Decimal(0), False)
    assert counts(book) == before
    kept = load(book, rows, skip_invalid=True)
    assert (kept.added, kept.errors, kept.problems) == (
        3, 1, [RowProblem(7, "Amount is missing.")])


def test_at_most_a_thousand_problems_are_listed(book: Book) -> None:
    summary = load(book, [RowProblem(n, "bad") for n in range(1, 1202)])
    assert (summary.errors, len(summary.problems), summary.problems[-1].line) == (1201, 1000, 1000)


def test_a_failure_mid_import_leaves_the_ledger_as_it_was(book: Book) -> None:
    load(book, statement(1, 2))
    before, clock = counts(book), book.store.value("SELECT clock FROM node")

    def failing() -> Iterator[ImportRow]:
        for n in range(batches.CHUNK * 2):
            yield row(1 + n % 28, f"-{n + 1}", f"Item {n}", category=f"Cat {n % 3}",
                      member="Zoe")
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        load(book, failing())
    assert counts(book) == before
    assert book.store.value("SELECT clock FROM node") == clock
    assert load(book, statement(3, 3)).added == 1


def test_progress_reports_the_rows_seen_after_each_chunk(book: Book) -> None:
    seen: list[int] = []
    rows = [row(1, f"-{n}", f"r{n}") for n in range(1, batches.CHUNK * 2 + 2)]
    load(book, rows, progress=seen.append)
    assert seen == [batches.CHUNK, batches.CHUNK * 2, batches.CHUNK * 2 + 1]


def test_the_preview_marks_each_row(book: Book) -> None:
    load(book, [row(1, "-1", "Old")])
    summary = load(book, [row(1, "-1", "Old", line=1), row(1, "-2", "New", line=2),
                          RowProblem(3, "bad date"), row(1, "0", "Zero", line=4)], dry_run=True)
    assert [(p.line, p.status, p.reason) for p in summary.preview] == [
        (1, "duplicate", SAME_FINGERPRINT), (2, "new", ""), (3, "error", "bad date"),
        (4, "ignored", "zero amount")]
    assert (summary.preview[1].amount, summary.preview[1].description) == (Decimal("-2.00"), "New")
