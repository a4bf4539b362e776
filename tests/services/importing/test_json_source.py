"""The JSON reader: the original app's array and OurMoney's own export, exact and streamed."""

from __future__ import annotations

import io
import json
import random
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ourmoney.ids import derived_id
from ourmoney.services import ledger
from ourmoney.services.book import Book
from ourmoney.services.importing.batches import ID_NAMESPACE, SAME_ID, SAME_ID_IN_FILE, own_id
from ourmoney.services.importing.json_source import QuotedNonFinite
from ourmoney.services.importing.rows import ImportRow, RowProblem
from tests.services.importing.seed import counts, import_json, read_json, seed_bytes, seed_item

CREATED = "2025-01-20T14:03:11.123Z"  # seed_item's createdAt


def with_price(text: str, **given: Any) -> bytes:
    """A one-record seed file whose price is written exactly as `text`."""
    return seed_bytes(seed_item(price="@@", **given)).replace(b'"@@"', text.encode())


def stored(book: Book, seed_id: str = "seed-1", created: str = CREATED) -> tuple[Any, ...]:
    """Return the stored row of a seed record: date, description, type, minor amount, created."""
    row = book.store.row("SELECT occurred_on, description, type, amount, created_at"
                         " FROM transactions WHERE id = ?", (own_id(seed_id, created),))
    assert row is not None
    return row


@pytest.mark.parametrize(("text", "minor"), [
    ("0.1", 10), ("19.99", 1999), ("1e2", 10000), ("0.30000000000000004", 30),
    ("2.675", 268), ("2.665", 266), ("0.125", 12), ("12.5", 1250), ("7", 700),
    ("1E-2", 1), ("999999999999.99", 99999999999999)])
def test_a_seed_price_becomes_exact_cents_rounded_half_even_once(book: Book, text: str,
                                                                 minor: int) -> None:
    assert read_json(with_price(text))[0].amount == -Decimal(text)
    summary = import_json(book, with_price(text))
    assert (summary.added, summary.errors) == (1, 0)
    assert stored(book)[3] == minor
    assert summary.sum_added == Decimal(-minor) / 100


def test_a_seed_record_becomes_one_transaction_with_every_field(book: Book) -> None:
    import_json(book, seed_bytes(seed_item(description="Market  Lidl", price=19.99)))
    txn = ledger.get_transaction(book, own_id("seed-1", CREATED))
    assert (txn.occurred_on, txn.description, txn.type, txn.amount, txn.currency) == (
        date(2025, 1, 20), "Market Lidl", "expense", Decimal("19.99"), "EUR")
    assert (txn.category, txn.member, txn.notes) == ("Food", "Ana", "")
    assert txn.created_at == "2025-01-20T14:03:11.123Z"


def test_income_stays_income_and_outcome_is_expense(book: Book) -> None:
    import_json(book, seed_bytes(seed_item(1, type="income", price=1000),
                                 seed_item(2, type="outcome", price=-3.5),
                                 seed_item(3, type="Income ", price=-20)))
    assert [stored(book, f"seed-{n}")[2:4] for n in (1, 2, 3)] == [
        ("income", 100000), ("expense", 350), ("income", 2000)]


@pytest.mark.parametrize(("owner", "email", "member"), [
    ("Ana", "ana@example.org", "Ana"), ("", "bo@example.org", "bo@example.org"),
    (None, "bo@example.org", "bo@example.org"), ("  ", None, None), (None, None, None)])
def test_the_member_is_the_owner_else_the_email(book: Book, owner: str | None,
                                                email: str | None, member: str | None) -> None:
    import_json(book, seed_bytes(seed_item(owner=owner, email=email)))
    assert ledger.get_transaction(book, own_id("seed-1", CREATED)).member == member


def test_status_is_ignored(book: Book) -> None:
    summary = import_json(book, seed_bytes(seed_item(1, status="done"),
                                           seed_item(2, status="pending"),
                                           seed_item(3, status=None), seed_item(4, status=[1])))
    assert (summary.added, summary.errors) == (4, 0)


def test_the_seed_id_becomes_a_stable_uuid_that_starts_with_its_moment(book: Book) -> None:
    assert own_id("seed-1", CREATED) == "01948406-4593-822c-b803-d8dbe09191d9"
    assert own_id("seed-1", CREATED) == derived_id(1_737_381_791_123, "seed-1")
    assert own_id("seed-2", CREATED) != own_id("seed-1", CREATED)
    assert own_id("seed-1", "2025-01-20T14:03:11.124Z") > own_id("seed-1", CREATED)
    assert own_id("C56A4180-65AA-42EC-A945-5FD21DEC0538") == "c56a4180-65aa-42ec-a945-5fd21dec0538"
    assert own_id("C56A4180-65AA-42EC-A945-5FD21DEC0538", CREATED) == (
        "c56a4180-65aa-42ec-a945-5fd21dec0538")
    import_json(book, seed_bytes(seed_item(1), seed_item(2)))
    assert {row[0] for row in book.store.rows("SELECT id FROM transactions")} == {
        own_id("seed-1", CREATED), own_id("seed-2", CREATED)}
    again = import_json(book, seed_bytes(seed_item(1), seed_item(2), seed_item(3)))
    assert (again.added, again.duplicates, dict(again.reasons)) == (1, 2, {SAME_ID: 2})
    assert counts(book)["transactions"] == 3


@pytest.mark.parametrize("created_at", [
    None, "", "2025-01-20", "2025-01-20T14:03:11Z", "2025-02-30T14:03:11.123Z",
    "2025-01-20T14:03:11.123+01:00"])
def test_without_a_stored_form_moment_the_seed_id_becomes_a_uuid5(created_at: str | None) -> None:
    assert own_id("seed-1", created_at) == str(uuid.uuid5(ID_NAMESPACE, "seed-1"))


def test_a_seed_row_whose_moment_is_written_another_way_still_dedupes(book: Book) -> None:
    item = seed_item(1, createdAt="2025-01-20T15:03:11.123+01:00")
    first = import_json(book, seed_bytes(item))
    again = import_json(book, seed_bytes(item))
    assert (first.added, again.added, again.duplicates) == (1, 0, 1)
    assert book.store.value("SELECT id FROM transactions") == own_id("seed-1", CREATED)


def test_the_same_id_twice_in_one_file_is_kept_once(book: Book) -> None:
    summary = import_json(book, seed_bytes(seed_item(1), seed_item(1, price=99)))
    assert (summary.added, summary.duplicates, dict(summary.reasons)) == (
        1, 1, {SAME_ID_IN_FILE: 1})
    assert stored(book)[3] == 1250


def test_the_member_and_the_category_are_created_once(book: Book) -> None:
    items = [seed_item(n, owner=name, category=category) for n, (name, category) in
             enumerate([("Ana", "Food"), ("ana", "food"), ("Ana", " Food "), ("Bo", "Rent")])]
    import_json(book, seed_bytes(*items))
    assert book.store.rows("SELECT name FROM member ORDER BY name") == [("Ana",), ("Bo",)]
    assert book.store.rows("SELECT name FROM category ORDER BY name") == [("Food",), ("Rent",)]
    creations = book.store.rows("SELECT entity, count(*) FROM change GROUP BY entity ORDER BY 1")
    assert creations == [("category", 2), ("member", 2), ("transaction", 4)]


def test_the_date_is_the_one_written_and_created_at_is_utc(book: Book) -> None:
    import_json(book, seed_bytes(seed_item(createdAt="2025-01-20T00:30:00.5+02:00"),
                                 seed_item(2, createdAt="2024-02-29T23:59:59Z")))
    assert stored(book, created="2025-01-19T22:30:00.500Z")[0::4] == (
        "2025-01-20", "2025-01-19T22:30:00.500Z")
    assert stored(book, "seed-2", "2024-02-29T23:59:59.000Z")[0::4] == (
        "2024-02-29", "2024-02-29T23:59:59.000Z")


def test_a_byte_order_mark_is_skipped(book: Book) -> None:
    summary = import_json(book, b"\xef\xbb\xbf" + seed_bytes(seed_item()))
    assert (summary.added, summary.errors) == (1, 0)


def problems(data: bytes) -> list[Any]:
    """Return what the reader yields, keeping only the problems."""
    return [entry for entry in read_json(data) if isinstance(entry, RowProblem)]


@pytest.mark.parametrize(("data", "expected"), [
    (with_price('"abc"'), "Transaction 1: price must be a number, not 'abc'."),
    (with_price("[1]"), "Transaction 1: price must be a number."),
    (with_price('{"a": 1}'), "Transaction 1: price must be a number."),
    (with_price("true"), "Transaction 1: price must be a number."),
    (with_price("null"), "Transaction 1: price must be a number."),
    (with_price("NaN"), "Transaction 1: price must be a finite number, not 'NaN'."),
    (with_price("Infinity"), "Transaction 1: price must be a finite number, not 'Infinity'."),
    (with_price("-Infinity"), "Transaction 1: price must be a finite number, not '-Infinity'."),
    (with_price('"NaN"'), "Transaction 1: price must be a finite number, not 'NaN'."),
    (with_price("1", createdAt="2025-02-30T14:03:11.123Z"),
     "Transaction 1: createdAt '2025-02-30T14:03:11.123Z' is not a date and time."),
    (with_price("1", createdAt="1850-01-01T00:00:00Z"),
     "Transaction 1: createdAt: Date must be between 1900 and 2199."),
    (with_price("1", createdAt="1850-01-01T00:00:00.000Z"),
     "Transaction 1: createdAt: Date must be between 1900 and 2199."),
    (with_price("1", createdAt="2200-01-01T00:00:00.000Z"),
     "Transaction 1: createdAt: Date must be between 1900 and 2199."),
    (with_price("1", createdAt=None),
     "Transaction 1: createdAt must be a date and time such as 2025-01-20T14:03:11.123Z."),
    (with_price("1", type="transfer"),
     "Transaction 1: type must be income or outcome, not 'transfer'."),
    (with_price("1", description=["a"]),
     "Transaction 1: a text field holds a list, an object or true/false."),
    (b"[1]", "Transaction 1 is not a JSON object."),
    (b"", "The file is empty."),
    (b" \n\t", "The file is empty."),
    (b"\x00\x9f\x92\x96garbage\xff", "This is not a JSON file."),
    (b"PK\x03\x04binary", "This is not a JSON file."),
])
def test_each_bad_record_is_one_problem_with_its_number(data: bytes, expected: str) -> None:
    found = problems(data)
    assert [p.message for p in found] == [expected]
    assert found[0].line == (0 if expected.startswith("Th") else 1)


def test_broken_json_is_reported_at_the_record_where_it_breaks() -> None:
    whole = seed_bytes(seed_item(1), seed_item(2), seed_item(3))
    cut = read_json(whole[:whole.index(b'"seed-3"') + 4])
    assert [type(entry) for entry in cut] == [ImportRow, ImportRow, RowProblem]
    assert cut[2] == RowProblem(3, "The JSON is not valid or is cut short here; nothing after"
                                " this point can be read (parse error: premature EOF).")
    invalid = read_json(b'[{"id": "a",, }]')
    assert len(invalid) == 1 and invalid[0].line == 1
    assert invalid[0].message.startswith("The JSON is not valid or is cut short here;")


@pytest.mark.parametrize("text", ["1e309", "-1E+400", "1000000000000"])
def test_absurd_prices_are_invalid_rows(book: Book, text: str) -> None:
    data = seed_bytes(seed_item(1), seed_item(2, price="@@")).replace(b'"@@"', text.encode())
    summary = import_json(book, data)
    assert (summary.added, summary.errors) == (0, 1)
    assert summary.problems == [RowProblem(2, f"Amount {abs(Decimal(text))} is too large.")]
    assert counts(book)["transactions"] == 0


def test_an_empty_array_holds_nothing(book: Book) -> None:
    summary = import_json(book, b"[ ]")
    assert (summary.added, summary.duplicates, summary.errors, summary.problems) == (0, 0, 0, [])


def test_a_json_object_of_unknown_shape_is_refused(book: Book) -> None:
    before = counts(book)
    summary = import_json(book, b'{"rows": [{"id": 1}]}')
    assert (summary.added, summary.errors, summary.imported) == (0, 1, False)
    assert "JSON" in summary.problems[0].message
    assert counts(book) == before


def test_nan_and_infinity_inside_text_are_left_alone() -> None:
    tricky = ['ratio: NaN, "Infinity", done', 'back\\slash NaN', 'quote " then NaN']
    data = with_price("NaN", description=tricky[0], category=tricky[1], owner=tricky[2])
    row = problems(data)
    assert [p.message for p in row] == [
        "Transaction 1: price must be a finite number, not 'NaN'."]
    fine = read_json(with_price("1", description=tricky[0], category=tricky[1], owner=tricky[2]))
    assert (fine[0].description, fine[0].category, fine[0].member) == tuple(tricky)


class Trickle(io.RawIOBase):
    """A stream that hands out a few bytes at a time, to cut tokens and escapes anywhere."""

    def __init__(self, data: bytes, seed: int) -> None:
        self.data, self.position, self.random = data, 0, random.Random(seed)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        step = self.random.randint(1, 7)
        chunk = self.data[self.position:self.position + step]
        self.position += len(chunk)
        return chunk


@pytest.mark.parametrize("seed", range(40))
def test_quoting_non_finite_numbers_survives_any_chunking(seed: int) -> None:
    text = ('[{"a": NaN, "b": "x\\\\", "c": "q\\"NaN,\\"", "d": [Infinity, -Infinity, 1.5],'
            ' "e": "Infinity,NaN", "f": "\\\\\\"", "g": -Infinity},\n NaN, "NaN", 2]')
    quoted = QuotedNonFinite(Trickle(text.encode(), seed))  # type: ignore[arg-type]
    out = b"".join(iter(lambda: quoted.read(5), b""))
    assert json.loads(out) == [
        {"a": "NaN", "b": "x\\", "c": 'q"NaN,"', "d": ["Infinity", "-Infinity", 1.5],
         "e": "Infinity,NaN", "f": '\\"', "g": "-Infinity"}, "NaN", "NaN", 2]


def test_invalid_rows_import_nothing_and_are_all_listed(book: Book) -> None:
    before = counts(book)
    data = seed_bytes(seed_item(1), seed_item(2, price="abc"), seed_item(3),
                      seed_item(4, type=None), seed_item(5))
    summary = import_json(book, data)
    assert (summary.added, summary.duplicates, summary.errors, summary.imported) == (
        0, 0, 2, False)
    assert summary.problems == [
        RowProblem(2, "Transaction 2: price must be a number, not 'abc'."),
        RowProblem(4, "Transaction 4: type must be income or outcome, not 'None'.")]
    assert counts(book) == before


def test_skip_invalid_imports_the_valid_rows_and_lists_the_rest(book: Book) -> None:
    data = seed_bytes(seed_item(1), seed_item(2, price=[]), seed_item(3), seed_item(4))
    summary = import_json(book, data, skip_invalid=True)
    assert (summary.added, summary.errors, summary.imported) == (3, 1, True)
    assert summary.problems == [RowProblem(2, "Transaction 2: price must be a number.")]
    assert counts(book)["transactions"] == 3
    assert book.store.row("SELECT added, duplicates, errors FROM import_batch") == (3, 0, 1)


def test_skip_invalid_keeps_the_rows_before_a_cut(book: Book) -> None:
    whole = seed_bytes(*(seed_item(n) for n in range(1, 6)))
    summary = import_json(book, whole[:whole.index(b'"seed-4"')], skip_invalid=True)
    assert (summary.added, summary.errors, summary.problems[0].line) == (3, 1, 4)


@pytest.mark.parametrize(("data", "skip_invalid", "added"), [
    (seed_bytes(seed_item(1), seed_item(2)), False, 2),
    (seed_bytes(seed_item(1), seed_item(2), seed_item(7)), False, 2),
    (seed_bytes(seed_item(1), seed_item(2, price="x")), False, 0),
    (seed_bytes(seed_item(1), seed_item(2, price="x")), True, 1),
    (with_price("NaN"), True, 0), (b"\x00garbage", False, 0), (b"", True, 0)])
def test_a_dry_run_changes_nothing(book: Book, data: bytes, skip_invalid: bool,
                                   added: int) -> None:
    import_json(book, seed_bytes(seed_item(7)))
    before = counts(book)
    clock = book.store.value("SELECT clock FROM node")
    summary = import_json(book, data, dry_run=True, skip_invalid=skip_invalid)
    assert counts(book) == before
    assert book.store.value("SELECT clock FROM node") == clock
    assert (summary.dry_run, summary.imported, summary.added) == (True, False, added)
