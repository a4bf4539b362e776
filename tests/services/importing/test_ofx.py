"""The OFX/QFX/QBO reader: every shared fixture, the quirks it covers, and bad input."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.services.book import Book
from ourmoney.services.importing import ofx_source
from ourmoney.services.importing.formats import ReadOptions, detect
from ourmoney.services.importing.rows import ImportRow, RowProblem
from tests.services.importing.statement_files import (
    check_fixture,
    import_file,
    problems_of,
    read_all,
    rows_of,
)
from tests.support import fixtures

OFX = fixtures.of_folder("ofx")
FOLDER = fixtures.FOLDER / "ofx"
HEADER = b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n"


def fixture(name: str) -> Path:
    """The path of a shared OFX fixture (skipped when the folder is absent)."""
    fixtures.require()
    return FOLDER / name


def statement(*transactions: bytes, account: bytes = b"42") -> bytes:
    """A one-account SGML statement around the given STMTTRN bodies."""
    body = b"".join(b"<STMTTRN>\n" + t + b"\n</STMTTRN>\n" for t in transactions)
    return (HEADER + b"<OFX>\n<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\n<BANKACCTFROM>"
            b"<BANKID>1<ACCTID>" + account + b"<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
            b"<BANKTRANLIST>\n" + body + b"</BANKTRANLIST></STMTRS></STMTTRNRS>"
            b"</BANKMSGSRSV1>\n</OFX>\n")


def transaction(amount: bytes = b"-12.50", posted: bytes = b"20240105", name: bytes = b"Cafe",
                fitid: bytes = b"F1", extra: bytes = b"") -> bytes:
    """One STMTTRN body."""
    return (b"<TRNTYPE>DEBIT\n<DTPOSTED>" + posted + b"\n<TRNAMT>" + amount + b"\n<FITID>"
            + fitid + b"\n<NAME>" + name + extra)


def test_every_file_in_the_folder_has_an_expectation() -> None:
    fixtures.require()
    assert sorted(e.name for e in OFX) == sorted(p.name for p in FOLDER.iterdir())


@pytest.mark.parametrize("expected", [e for e in OFX if not e.negative], ids=lambda e: e.name)
def test_fixture_imports_with_the_count_and_sum_of_sources(book: Book,
                                                          expected: fixtures.Expectation) -> None:
    fixtures.require()
    check_fixture(book, "ofx", expected)


@pytest.mark.parametrize("expected", OFX, ids=lambda e: e.name)
def test_detect_recognises_the_fixture_by_name_and_by_content(
        expected: fixtures.Expectation) -> None:
    head = expected.path.read_bytes()[:4096]
    assert (detect(expected.name, head), detect("upload", head)) == ("ofx", "ofx")


def test_missing_and_impossible_dates_are_each_reported_and_nothing_imported(book: Book) -> None:
    path = fixture("ofxparse_fail_date_missing.ofx")
    assert problems_of("ofx", path) == [
        RowProblem(33, "Transaction 1: the date (DTPOSTED) is missing."),
        RowProblem(40, "Transaction 2: the date (DTPOSTED) is missing."),
        RowProblem(48, "Transaction 3: date '20120231' is not a valid date.")]
    summary = import_file(book, "ofx", path)
    assert (summary.added, summary.errors) == (0, 3)


def test_a_dollar_amount_and_a_bad_date_are_one_problem(book: Book) -> None:
    path = fixture("ofxparse_fail_decimal_error.ofx")
    assert read_all("ofx", path) == [RowProblem(
        34, "Transaction 1: date '201120000000' is not a valid date; amount '$120' is not a"
            " number.")]
    summary = import_file(book, "ofx", path, skip_invalid=True)
    assert (summary.added, summary.errors) == (0, 1)


def test_a_header_that_lies_about_the_charset_still_reads_utf8() -> None:
    cp1252 = rows_of("ofx", fixture("actual_cp1252.qfx"))
    utf8 = rows_of("ofx", fixture("actual_utf8.qfx"))
    assert [(r.description, r.notes) for r in cp1252 + utf8] == [
        ("Café Métro €uro", "Paiement 5€ — débit")] * 2
    lying = rows_of("ofx", fixture("actual_8859-1_header_but_utf8.qfx"))
    assert [(r.description, r.notes) for r in lying] == [
        ("Paiement facture/Carte prépayée", "PWW")]
    both = rows_of("ofx", fixture("asgrim_bb_two_stmtrs.ofx"))
    assert both[10].description == "DOC-FORNECEDOR/HONORÁRIOS"
    assert {r.account for r in both} == {"655000-2"}


def test_entities_raw_ampersands_and_cdata_become_plain_text() -> None:
    entities = rows_of("ofx", fixture("actual_html_entities.qfx"))
    assert [(r.description, r.notes) for r in entities] == [
        ("000000000000000",
         "PREAUTHORIZED DEBIT;B.C. HYDRO & POWER AUTHORITY;Electronic Funds Transfer"),
        ("TPAY <DEFTPYMT>",
         "PREAUTHORIZED DEBIT;LUXMORE REALTY PPTY MGMT;Electronic Funds Transfer")]
    raw = rows_of("ofx", fixture("asgrim_memo_with_ampersand.ofx"))
    assert raw[4].description == 'IOF de "Leupay.Eu" & Whoelse'
    cdata = rows_of("ofx", fixture("ofxparse_suncorp.ofx"))
    assert [(r.description, r.notes) for r in cdata] == [
        ("EFTPOS WDL HANDYWAY ALDI STORE", "EFTPOS WDL HANDYWAY ALDI STORE GEELONG WEST VICAU")]


def test_name_is_the_description_and_memo_and_check_number_go_to_notes() -> None:
    rows = rows_of("ofx", fixture("actual_payee_memo.ofx"))
    assert [(r.amount, r.description, r.notes, r.bank_id) for r in rows] == [
        (Decimal("-10.00"), "Payee Name", "Memo Text", "test-name-and-memo"),
        (Decimal("-20.00"), "Payee Name Only", "", "test-name-only"),
        (Decimal("-30.00"), "Memo Only Text", "", "test-memo-only"),
        (Decimal("-40.00"), "", "", "test-neither")]
    checks = rows_of("ofx", fixture("ofxparse_checking.ofx"))
    assert checks[2].notes == ("RETURNED CHECK FEE, CHECK # 319 FOR $45.33 ON 04/07/11")
    spec = rows_of("ofx", fixture("ofxspec_16.5.4.2_two_bank_sgml.ofx"))
    assert [(r.description, r.notes) for r in spec] == [("FrogKick Scuba Gear", "Check 1044")]
    same = rows_of("ofx", fixture("ofxparse_fidelity_savings.ofx"))
    assert (same[0].description, same[0].notes) == ("Check Paid #0000001001", "")


def test_each_statement_keeps_its_own_account_and_fitid() -> None:
    rows = rows_of("ofx", fixture("ofxspec_16.5.3.2_bank_and_cc.ofx"))
    assert [(r.account, r.bank_id, r.amount) for r in rows] == [
        ("123456", "219378", Decimal("-80")), ("123412341234", "219867", Decimal("-23.00")),
        ("123412341234", "219868", Decimal("350.00"))]
    three = rows_of("ofx", fixture("beangulp_example.qbo"))
    assert [(r.account, len([x for x in three if x.account == r.account])) for r in three
            if r.line in (42, 147, 204)] == [("011016298027", 10), ("122384459041", 4),
                                             ("2542393734236684", 9)]
    bare = rows_of("ofx", fixture("ezbk_no_header_no_fitid_bank_and_cc.ofx"))
    assert [(r.account, r.bank_id) for r in bare] == [("123", None)] * 4 + [("456", None)] * 2
    minimal = rows_of("ofx", fixture("actual_minimal_no_signon_checknum.ofx"))
    assert [(r.account, r.description, r.notes) for r in minimal] == [
        (None, "CHECK 2002", ""), (None, "STARBUCKS STORE", "")]


def test_posted_dates_keep_the_banks_day_whatever_the_time_zone() -> None:
    rows = rows_of("ofx", fixture("ezbk_dtposted_variants.ofx"))
    assert [r.occurred_on for r in rows] == [date(2024, 9, 1)] * 5 + [date(2024, 9, 2)]
    zoned = rows_of("ofx", fixture("ezbk_no_header_no_fitid_bank_and_cc.ofx"))
    assert zoned[0].occurred_on == date(2024, 9, 1)  # 01:23:45 [+8] is still the 1st there


def test_amounts_with_comma_sign_padding_and_more_decimals_are_exact() -> None:
    dot = rows_of("ofx", fixture("ofxtools_stmtrs.ofx"))
    comma = rows_of("ofx", fixture("ofxtools_stmtrs_euro.ofx"))
    assert [r.amount for r in comma] == [r.amount for r in dot] == [Decimal("-200.00"),
                                                                    Decimal("-300.00")]
    padded = rows_of("ofx", fixture("ofxparse_fidelity_savings.ofx"))
    assert [r.amount for r in padded] == [Decimal("-1500.0000"), Decimal("115.8331"),
                                          Decimal("-197.1063"), Decimal("-197.1220")]
    multi = rows_of("ofx", fixture("actual_multi_decimal.ofx"))
    assert [r.amount for r in multi] == [Decimal("-30.000"), Decimal("-3.77000")]


def test_inverted_trntype_does_not_flip_the_sign() -> None:
    rows = rows_of("ofx", fixture("gnucash_cibc_visa.qfx"))
    assert [(r.description, r.amount) for r in rows[:3]] == [
        ("**PAYMENT THANK YOU - PAIEMENT", Decimal("80.00")),
        ("INTEREST CHARGE", Decimal("-0.05")), ("CDN TIRE GASBAR #01890 BRANDO", Decimal("-49.06"))]


def test_two_transactions_sharing_a_fitid_are_both_kept_once(book: Book) -> None:
    path = fixture("reds_ally_no_header_value_on_next_line.qfx")
    assert [(r.bank_id, r.amount) for r in rows_of("ofx", path)] == [
        ("21302970191741", Decimal("-55.00")), ("21302970191741", Decimal("-1000"))]
    assert import_file(book, "ofx", path).added == 2
    assert (import_file(book, "ofx", path).duplicates, import_file(book, "ofx", path).added) == (
        2, 0)


def test_xml_with_empty_tags_and_processing_instructions() -> None:
    rows = rows_of("ofx", statement(transaction(fitid=b"", name=b"</NAME><MEMO>Rent</MEMO>")
                                    .replace(b"<FITID>\n", b"<FITID/>\n")))
    assert [(r.bank_id, r.description) for r in rows] == [(None, "Rent")]


def test_a_payee_aggregate_names_the_payee_and_a_transfer_account_is_not_the_account() -> None:
    body = transaction(name=b"").replace(
        b"<NAME>", b"<PAYEE><NAME>Landlord Ltd<ADDR1>1 Road</PAYEE><BANKACCTTO><BANKID>9"
                   b"<ACCTID>999<ACCTTYPE>SAVINGS</BANKACCTTO><MEMO>Rent")
    rows = rows_of("ofx", statement(body, transaction(fitid=b"F2")))
    assert [(r.description, r.notes, r.account) for r in rows] == [
        ("Landlord Ltd", "Rent", "42"), ("Cafe", "", "42")]


def test_a_transaction_without_its_end_tag_ends_with_the_list() -> None:
    text = statement(transaction()).replace(b"\n</STMTTRN>", b"")
    assert [(r.description, r.amount) for r in rows_of("ofx", text)] == [
        ("Cafe", Decimal("-12.50"))]


@pytest.mark.parametrize("text", [b"", b"   \r\n\n", b"\x00\x00"])
def test_an_empty_file_is_one_clear_problem(text: bytes) -> None:
    assert read_all("ofx", text) == [RowProblem(0, "The file is empty.")]


@pytest.mark.parametrize("text", [bytes(range(256)) * 40, b"date,amount\n2024-01-01,5\n",
                                  b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 5000])
def test_something_that_is_not_ofx_is_one_clear_problem(text: bytes) -> None:
    assert read_all("ofx", text) == [RowProblem(
        0, "This is not an OFX file: it has no OFX header and no <OFX> tag.")]


def test_a_header_without_any_ofx_body_is_reported() -> None:
    assert read_all("ofx", HEADER + b"garbage\n") == [RowProblem(
        0, "This is not an OFX file: it has no <OFX> tag.")]
    assert read_all("ofx", HEADER + b"<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>") == [
        RowProblem(0, "This OFX file holds no bank, credit-card or investment statement.")]


def test_a_file_cut_inside_a_transaction_keeps_the_rows_before_and_reports_the_rest() -> None:
    whole = statement(transaction(), transaction(b"-3.00", fitid=b"F2", name=b"Bus"))
    cut = whole[:whole.index(b"<TRNAMT>-3.00")]
    found = read_all("ofx", cut)
    assert [type(item) for item in found] == [ImportRow, RowProblem]
    assert found[1] == RowProblem(
        17, "Transaction 2 is cut short: the file ends before </STMTTRN>.")


def test_a_file_cut_after_a_transaction_is_still_reported() -> None:
    whole = statement(transaction())
    found = read_all("ofx", whole[:whole.index(b"</BANKTRANLIST>")])
    assert found[1:] == [RowProblem(16, "The file is cut short: it ends before </OFX>.")]


@pytest.mark.parametrize(("posted", "message"), [
    (b"20230230", "Transaction 1: date '20230230' is not a valid date."),
    (b"2023-01-05", "Transaction 1: date '2023-01-05' is not a valid date."),
    (b"20231305", "Transaction 1: date '20231305' is not a valid date."),
    (b"20230105256000", "Transaction 1: date '20230105256000' is not a valid date."),
    (b"18000105", "Transaction 1: date '18000105' is not a valid date."),
    (b"", "Transaction 1: the date (DTPOSTED) is missing.")])
def test_impossible_dates_are_problems_with_their_line(posted: bytes, message: str) -> None:
    assert read_all("ofx", statement(transaction(posted=posted))) == [RowProblem(10, message)]


@pytest.mark.parametrize("amount", [b"abc", b"NaN", b"1e309", b"Infinity", b"-", b"1.2.3",
                                    b"12 EUR", b"--5"])
def test_amounts_that_are_not_numbers_are_problems(amount: bytes) -> None:
    assert read_all("ofx", statement(transaction(amount=amount))) == [RowProblem(
        10, f"Transaction 1: amount {amount.decode()!r} is not a number.")]


@pytest.mark.parametrize(("amount", "value"), [
    (b"1.234,56", "1234.56"), (b"-1,234.56", "-1234.56"), (b"+0005", "5"), (b".5", "0.5"),
    (b"-12,5", "-12.5"), (b" 7.25 ", "7.25")])
def test_amount_spellings_read_exactly(amount: bytes, value: str) -> None:
    assert rows_of("ofx", statement(transaction(amount=amount)))[0].amount == Decimal(value)


def test_bad_rows_block_the_import_unless_skipped(book: Book) -> None:
    text = statement(transaction(), transaction(amount=b"NaN", fitid=b"F2"))
    refused = import_file(book, "ofx", text)
    assert (refused.added, refused.errors, refused.problems) == (
        0, 1, [RowProblem(17, "Transaction 2: amount 'NaN' is not a number.")])
    skipped = import_file(book, "ofx", text, skip_invalid=True)
    assert (skipped.added, skipped.errors) == (1, 1)


@pytest.mark.parametrize(("written", "kept"), [
    (b"&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
    (b"=HYPERLINK(\"http://x\")", '=HYPERLINK("http://x")'),
    (b"Robert'); DROP TABLE transactions;--", "Robert'); DROP TABLE transactions;--"),
    (b"&#x202E;evil &#0; &bogus; A<B", "\u202eevil \ufffd &bogus; A<B")])
def test_hostile_text_is_kept_as_plain_text(book: Book, written: bytes, kept: str) -> None:
    assert rows_of("ofx", statement(transaction(name=written)))[0].description == kept
    assert import_file(book, "ofx", statement(transaction(name=written))).added == 1
    stored = book.store.value("SELECT description FROM transactions")
    assert stored == " ".join(kept.replace("\x00", " ").split())


class Trickle(io.RawIOBase):
    """A stream that hands out at most `size` bytes per read, to cut tokens anywhere."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.position = data, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        part = self.data[self.position:self.position + min(self.size, len(buffer))]
        buffer[:len(part)] = part
        self.position += len(part)
        return len(part)


@pytest.mark.parametrize("size", [1, 7, 64])
def test_reading_in_tiny_pieces_gives_the_same_rows(size: int) -> None:
    for name in ("asgrim_oneline.ofx", "ofxparse_suncorp.ofx", "actual_utf8.qfx",
                 "reds_ally_no_header_value_on_next_line.qfx"):
        data = fixture(name).read_bytes()
        pieces = list(ofx_source.read(Trickle(data, size), ReadOptions()))  # type: ignore[arg-type]
        assert pieces == rows_of("ofx", data)


def test_a_long_file_streams_in_flat_memory() -> None:
    count = 3000

    def chunks() -> io.BufferedReader:
        body = b"".join(b"<STMTTRN><DTPOSTED>20240101<TRNAMT>-%d.50<FITID>F%d<NAME>Shop %d"
                        b"</STMTTRN>\n" % (n, n, n) for n in range(count))
        return io.BufferedReader(io.BytesIO(statement().replace(b"<BANKTRANLIST>\n",
                                                               b"<BANKTRANLIST>\n" + body)))

    stream = chunks()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    seen = sum(1 for _ in ofx_source.read(stream, ReadOptions()))
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    assert seen == count
    assert peak < 2 * ofx_source.HEAD + 300_000
