"""The QIF reader: every shared fixture, date order from the whole file, splits, bad input."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.services.book import Book
from ourmoney.services.importing import qif_dates, qif_source
from ourmoney.services.importing.formats import ReadOptions, detect
from ourmoney.services.importing.rows import ImportRow, RowProblem
from tests.services.importing.statement_files import (
    check_fixture,
    import_file,
    read_all,
    rows_of,
)
from tests.support import fixtures

QIF = fixtures.of_folder("qif")
FOLDER = fixtures.FOLDER / "qif"
SEPTEMBER = [date(2024, 9, day) for day in range(1, 6)]


def fixture(name: str) -> Path:
    """The path of a shared QIF fixture (skipped when the folder is absent)."""
    fixtures.require()
    return FOLDER / name


def bank(*records: str, header: str = "!Type:Bank") -> bytes:
    """A QIF file of one section, each record given as its lines joined by newlines."""
    return ("\n".join([header, *(record + "\n^" for record in records)]) + "\n").encode()


def dates_of(text: bytes) -> list[date]:
    return [row.occurred_on for row in rows_of("qif", text)]


def test_every_file_in_the_folder_has_an_expectation() -> None:
    fixtures.require()
    assert sorted(e.name for e in QIF) == sorted(p.name for p in FOLDER.iterdir())


@pytest.mark.parametrize("expected", QIF, ids=lambda e: e.name)
def test_fixture_imports_with_the_count_and_sum_of_sources(book: Book,
                                                          expected: fixtures.Expectation) -> None:
    fixtures.require()
    check_fixture(book, "qif", expected)


@pytest.mark.parametrize("expected", QIF, ids=lambda e: e.name)
def test_detect_recognises_the_fixture_by_name_and_by_content(
        expected: fixtures.Expectation) -> None:
    head = expected.path.read_bytes()[:4096]
    assert (detect(expected.name, head), detect("upload", head)) == ("qif", "qif")


@pytest.mark.parametrize("name", ["ezbk_dates_dmy_mixed_separators.qif",
                                  "ezbk_dates_mdy_mixed_separators.qif",
                                  "ezbk_dates_ymd_mixed_separators.qif",
                                  "ezbk_dates_yymmdd_mixed_separators.qif",
                                  "ezbk_iso_dates_transfers.qif"])
def test_mixed_separators_and_orders_read_as_the_same_five_days(name: str) -> None:
    assert dates_of(fixture(name).read_bytes()) == SEPTEMBER


def test_two_digit_and_apostrophe_years() -> None:
    assert dates_of(fixture("gnucash_canada_quicken_full.qif").read_bytes()) == [
        date(2000, 8, 31), date(2000, 8, 31), date(2000, 6, 1), date(2000, 7, 1),
        date(2000, 8, 31), date(2000, 7, 1)]
    assert dates_of(fixture("quiffen_split_short_year.qif").read_bytes()) == [date(2000, 1, 1)]
    assert dates_of(fixture("actual_data_crlf_mmddyy.qif").read_bytes())[0] == date(2018, 12, 19)
    assert dates_of(fixture("gnucash_msmoney95_fr.qif").read_bytes())[2] == date(1995, 1, 3)


def test_one_day_over_twelve_in_first_place_makes_the_whole_file_day_first() -> None:
    assert dates_of(fixture("quiffen_dd_mm_yyyy.qif").read_bytes()) == [
        date(2017, 12, 22), date(2018, 1, 1), date(2018, 1, 2), date(2018, 1, 2)]
    late = bank("D01/02/2024\nT-1", "D03/02/2024\nT-1", "D13/02/2024\nT-1")
    assert dates_of(late) == [date(2024, 2, 1), date(2024, 2, 3), date(2024, 2, 13)]
    assert dates_of(fixture("kmymoney_account_balance_ddmmyyyy.qif").read_bytes()) == [
        date(2025, 12, 30)]


def test_an_undecidable_file_reads_month_first_as_quicken_writes() -> None:
    assert dates_of(bank("D05/06/2024\nT-1")) == [date(2024, 5, 6)]


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("1/ 5'04", "mdy", date(2004, 1, 5)), ("8/31' 0", "mdy", date(2000, 8, 31)),
    ("31.12.1999", "dmy", date(1999, 12, 31)), ("20240229", "ymd", date(2024, 2, 29)),
    ("12/19/75", "mdy", date(1975, 12, 19)), ("2024-02-30", "ymd", None),
    ("13/13/2024", "dmy", None), ("1/2", "mdy", None), ("yesterday", "mdy", None),
    ("2024/1/2", "mdy", None), ("1/2/123", "mdy", None)])
def test_a_date_in_a_given_order(text: str, order: str, expected: date | None) -> None:
    assert qif_dates.read(text, order) == expected


def test_payee_memo_category_and_check_number() -> None:
    rows = rows_of("qif", fixture("actual_checknum_m_d_yyyy.qif"))
    assert [(r.description, r.notes, r.amount) for r in rows] == [
        ("City Water", "Check 1001", Decimal("-100.58")),
        ("GroceriesYou", "", Decimal("-20.15"))]
    categories = rows_of("qif", fixture("actual_with_categories.qif"))
    assert [r.category for r in categories] == ["Usual Expenses:Shopping", "Groceries", "Food"]
    utf8 = rows_of("qif", fixture("actual_data_crlf_mmddyy.qif"))
    assert utf8[1].description == "õSSELDORF KÖLN SALON - LIBBIE GR 12/18 PURCHASE RICHMOND VA"


def test_a_split_is_one_transaction_with_its_total_and_its_splits_in_the_notes() -> None:
    rows = rows_of("qif", fixture("quiffen_full_wikipedia_style.qif"))
    assert [(r.amount, r.description, r.category, r.notes) for r in rows] == [
        (Decimal("0.00"), "Opening Balance", None, "Transfer: TestExport"),
        (Decimal("67.50"), "T-Mobile", "Bills:Cell Phone",
         "Splits: Bills:Cell Phone/Test class -15.00 (sign up credit);"
         " Bills:Cell Phone/Test class 82.50 (new account)"),
        (Decimal("32.00"), "US Post Office", "Miscellaneous", "money back for damaged parcel"),
        (Decimal("-10.00"), "Target", "Food:Groceries",
         "two transactions, equal · Splits: Food:Groceries -5.00 (50%);"
         " Food:Groceries -5.00 (50% 2)"),
        (Decimal("-25.00"), "Walmart", "Food:Groceries", "non split transaction · Check 123"),
        (Decimal("-100.00"), "Amazon.com", "Food:Groceries",
         "test order 1 · Splits: Food:Groceries -50.00 (50%); Transportation:Automobile -25.00"
         " (25%); Personal Care:Haircare -10.00 (10%); Healthcare:Prescriptions -15.00 (15%)"),
        (Decimal("0"), "Test investment", None, "Buy $AAPL")]
    split = rows_of("qif", fixture("quiffen_split_short_year.qif"))
    assert [(r.amount, r.category, r.notes) for r in split] == [
        (Decimal("-10.00"), "A Category", "Splits: [An Account] -9.00; A Category -1.00")]


def test_thousands_commas_and_transfers() -> None:
    rows = rows_of("qif", fixture("gnucash_canada_quicken_full.qif"))
    assert [(r.amount, r.description, r.category) for r in rows] == [
        (Decimal("0.00"), "Opening Balance", None),
        (Decimal("-1000.00"), "Transfer Money", None),
        (Decimal("1211.45"), "Opening Balance", None),
        (Decimal("1000.00"), "Gnumatic, Inc.", "Salary"),
        (Decimal("662.21"), "Transfer Money", None),
        (Decimal("40.00"), "Gnumatic, Inc.", None)]
    assert rows[1].notes == "Number TXFR · Transfer: Dave's Checking"
    transfers = rows_of("qif", fixture("ezbk_iso_dates_transfers.qif"))
    assert [(r.description, r.category) for r in transfers] == [
        ("Opening Balance", None), ("", "Test Category"), ("", "Test Category2"),
        ("Transfer: Test Account2", None), ("Transfer: Test Account2", None)]


def test_the_payee_memo_set_matches_the_ofx_one() -> None:
    qif = rows_of("qif", fixture("actual_payee_memo.qif"))
    ofx = rows_of("ofx", fixtures.FOLDER / "ofx" / "actual_payee_memo.ofx")
    assert [(r.occurred_on, r.amount, r.description, r.notes) for r in qif] == [
        (date(2019, 1, 23), Decimal("-10.00"), "Payee Name", "Note Text"),
        (date(2019, 1, 23), Decimal("-20.00"), "Payee Name Only", ""),
        (date(2019, 1, 23), Decimal("-30.00"), "Note Only Text", ""),
        (date(2019, 1, 23), Decimal("-40.00"), "", "")]
    # The OFX file says "Memo" where the QIF (and the CSV and CAMT) files say "Note".
    assert [(r.occurred_on, r.amount, r.description.replace("Memo", "Note"),
             r.notes.replace("Memo", "Note")) for r in ofx] == [
        (r.occurred_on, r.amount, r.description, r.notes) for r in qif]


def test_a_missing_final_caret_keeps_the_last_record() -> None:
    text = bank("D1/2/2024\nPBakery\nT-3.20") + b"D1/3/2024\nPButcher\nT-9.99\n"
    assert [(r.description, r.amount) for r in rows_of("qif", text)] == [
        ("Bakery", Decimal("-3.20")), ("Butcher", Decimal("-9.99"))]


def test_indented_lines_and_comments_are_read() -> None:
    text = b"# exported by hand\n!Type:Bank\n  D1/2/2024\n  PBakery\n  T-3.20\n  ^\n"
    assert [(r.line, r.description) for r in rows_of("qif", text)] == [(3, "Bakery")]


def test_lists_and_account_blocks_are_skipped() -> None:
    text = (b"!Type:Cat\nNFood\nDGroceries\nE\n^\n!Account\nNChecking\nTBank\n^\n"
            b"!Type:Memorized\nKC\nPRent\nT-900\n^\n" + bank("D1/2/2024\nPRent\nT-900"))
    assert [(r.line, r.description) for r in rows_of("qif", text)] == [(16, "Rent")]


@pytest.mark.parametrize("header", ["!Type:Cash", "!Type:CCard", "!type:oth l", "!Type:Oth A",
                                    "!Type:Bank   "])
def test_every_transaction_section_is_read(header: str) -> None:
    assert len(rows_of("qif", bank("D1/2/2024\nT-1", header=header))) == 1


@pytest.mark.parametrize(("text", "value"), [
    ("1,234.56", "1234.56"), ("-1.234,56", "-1234.56"), ("12,50", "12.50"), ("1 234,5", "1234.5"),
    ("-1,000", "-1000"), ("+7", "7"), ("1'234.50", "1234.50")])
def test_amount_spellings_read_exactly(text: str, value: str) -> None:
    assert rows_of("qif", bank(f"D1/2/2024\nT{text}"))[0].amount == Decimal(value)


def test_u_is_read_when_t_is_missing_and_no_amount_is_zero() -> None:
    rows = rows_of("qif", bank("D1/2/2024\nU-4.50", "D1/3/2024\nPNothing"))
    assert [r.amount for r in rows] == [Decimal("-4.50"), Decimal(0)]


@pytest.mark.parametrize("text", [b"", b"\r\n \n"])
def test_an_empty_file_is_one_clear_problem(text: bytes) -> None:
    assert read_all("qif", text) == [RowProblem(0, "The file is empty.")]


def test_binary_garbage_and_text_without_a_header_are_refused() -> None:
    assert read_all("qif", bytes(range(256)) * 20) == [
        RowProblem(0, "This is not a QIF file: it holds binary data.")]
    assert read_all("qif", b"date,amount\n2024-01-01,5\n") == [RowProblem(
        0, "This is not a QIF file: it does not start with a !Type or !Account header.")]


def test_bad_dates_and_amounts_are_problems_with_their_line(book: Book) -> None:
    text = bank("D02/30/2024\nT-1", "D1/2/2024\nTabc", "D1/3/2024\nTNaN", "D1/4/2024\nT1e309",
                "PNo date\nT-2", "D1/5/2024\nPFine\nT-5", "D31/31/2024\nTInfinity")
    assert [item for item in read_all("qif", text) if isinstance(item, RowProblem)] == [
        RowProblem(2, "Date '02/30/2024' is not a valid date (this file's dates read as"
                      " month/day/year)."),
        RowProblem(6, "Amount 'abc' is not a number."),
        RowProblem(9, "Amount 'NaN' is not a number."),
        RowProblem(12, "Amount '1e309' is not a number."),
        RowProblem(14, "The date (D line) is missing."),
        RowProblem(21, "Date '31/31/2024' is not a valid date (this file's dates read as"
                       " month/day/year). Amount 'Infinity' is not a number.")]
    refused = import_file(book, "qif", text)
    assert (refused.added, refused.errors) == (0, 6)
    skipped = import_file(book, "qif", text, skip_invalid=True)
    assert (skipped.added, skipped.errors) == (1, 6)


def test_a_file_cut_inside_a_record_is_reported() -> None:
    text = bank("D1/2/2024\nPBakery\nT-3.20") + b"D1/3/2024\nPButch"
    found = read_all("qif", text)
    assert found[1:] == [RowProblem(6, "The file is cut short: it ends inside this transaction"
                                       " (no amount and no ^ line).")]


def test_an_unknown_section_and_an_overlong_line_are_reported() -> None:
    text = (b"!Type:Invoice\nD1/2/2024\nT-5\n^\n" + bank("D1/2/2024\nT-1")
            + b"P" + b"x" * qif_source.MAX_LINE + b"\n")
    assert [item for item in read_all("qif", text) if isinstance(item, RowProblem)] == [
        RowProblem(1, "Section '!Type:Invoice' is not one OurMoney can import; its records"
                      " were skipped."),
        RowProblem(9, f"Line 9 is longer than {qif_source.MAX_LINE} characters.")]


@pytest.mark.parametrize("payee", ["<script>alert(1)</script>", "=HYPERLINK(\"http://x\")",
                                   "Robert'); DROP TABLE transactions;--", "&lt;b&gt;"])
def test_hostile_text_is_kept_as_plain_text(book: Book, payee: str) -> None:
    text = bank(f"D1/2/2024\nP{payee}\nT-1")
    assert rows_of("qif", text)[0].description == payee
    assert import_file(book, "qif", text).added == 1
    assert book.store.value("SELECT description FROM transactions") == payee


def test_windows_1252_text_is_read() -> None:
    text = "!Type:Bank\nD1/2/2024\nPCafé €\nT-1\n^\n".encode("cp1252")
    assert rows_of("qif", text)[0].description == "Café €"


class OneWay(io.RawIOBase):
    """A stream that cannot seek, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self.source = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        return self.source.readinto(buffer)


def test_a_stream_that_cannot_seek_is_read_the_same() -> None:
    data = fixture("ezbk_dates_dmy_mixed_separators.qif").read_bytes()
    found = list(qif_source.read(io.BufferedReader(OneWay(data)), ReadOptions()))
    assert [r.occurred_on for r in found if isinstance(r, ImportRow)] == SEPTEMBER


def test_reimport_of_fingerprinted_rows_adds_nothing(book: Book) -> None:
    text = bank("D1/2/2024\nPCoffee\nT-3", "D1/2/2024\nPCoffee\nT-3")
    assert import_file(book, "qif", text).added == 2
    again = import_file(book, "qif", text)
    assert (again.added, again.duplicates) == (0, 2)
