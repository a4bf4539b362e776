"""The CAMT reader: every fixture's count and sum, entries versus details, and bad XML refused."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.services.book import Book
from ourmoney.services.importing.camt_source import read
from ourmoney.services.importing.formats import ReadOptions
from ourmoney.services.importing.rows import ImportRow, RowProblem
from tests.services.importing.statement_files import (
    check_fixture,
    import_file,
    problems_of,
    read_all,
    rows_of,
)
from tests.support.books import ledger_at
from tests.support.fixtures import FOLDER, Expectation, of_folder, require

CAMT = FOLDER / "camt"
NOT_XML = "This is not a CAMT file: it is not XML"


def document(entries: str, version: str = "camt.053.001.02", encoding: str = "UTF-8",
             message: str = "BkToCstmrStmt", statement: str = "Stmt") -> bytes:
    """A small CAMT document with one statement of the given entries."""
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n'
            f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">\n'
            f"<{message}><{statement}><Acct><Id><IBAN>DE02100100109307118603</IBAN></Id></Acct>\n"
            f"{entries}</{statement}></{message}></Document>\n").encode(
                "utf-8" if encoding == "UTF-8" else encoding)


def entry(amount: str = "12.50", direction: str = "DBIT", booked: str = "<Dt>2024-05-01</Dt>",
          extra: str = "", details: str = "") -> str:
    """One <Ntry> on a line of its own."""
    return (f"<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{extra}"
            f"<BookgDt>{booked}</BookgDt><NtryDtls>{details}</NtryDtls></Ntry>\n")


def fixture(name: str) -> Path:
    require()
    return CAMT / name


@pytest.mark.parametrize("expected", [e for e in of_folder("camt") if not e.negative],
                         ids=lambda e: e.name)
def test_every_camt_fixture_imports_its_count_and_sum_once(tmp_path: Path,
                                                           expected: Expectation) -> None:
    require()
    with ledger_at(tmp_path / "ledger.sqlite3", currency="EUR") as book:
        check_fixture(book, "camt", expected)


def test_a_file_with_no_statement_is_refused_with_a_clear_error(book: Book) -> None:
    summary = import_file(book, "camt", fixture("genkgo_camt053_wrong.xml"))
    assert (summary.added, summary.errors) == (0, 1)
    assert summary.problems == [RowProblem(0, "This CAMT file holds no statement, report or"
                                              " notification (Stmt, Rpt or Ntfctn).")]


def test_every_negative_camt_fixture_is_known() -> None:
    require()
    assert [e.name for e in of_folder("camt") if e.negative] == ["genkgo_camt053_wrong.xml"]


def test_one_entry_is_one_transaction_even_with_three_details() -> None:
    [row] = rows_of("camt", fixture("genkgo_camt054_v2_batch.xml"))
    assert (row.amount, row.occurred_on, row.description) == (
        Decimal("-200000"), date(2007, 10, 18), "Batch of 3 payments")
    assert row.notes == (
        "Unstructured Remittance Information V1; Reference ISR ref number V1; Additional"
        " Remittance Information V1; Reference ISR ref number V2; Additional Remittance"
        " Information V2; Unstructured Remittance Information V3 block 1 Unstructured"
        " Remittance Information V3 block 2; Reference Ref number V3 block 1; Reference Ref"
        " number V3 block 2; Additional Remittance Information V3 block 1; Additional"
        " Remittance Information V3 block 2")
    assert row.bank_id == "AAAASESS-FP-ACCR001/2007-10-18/-200000"


def test_a_batch_with_one_counterparty_is_described_by_it() -> None:
    rows = rows_of("camt", fixture("actual_camt053_v04_mixed.xml"))
    batch = rows[-1]
    assert (batch.amount, batch.description) == (Decimal("3.45"), "Testkonto Nummer 2")
    assert batch.notes == "Lastschrift 2. Zahlung TAN:747216; Lastschrift 1. Zahlung TAN:747216"


def test_payee_and_memo_match_the_other_formats() -> None:
    rows = rows_of("camt", fixture("actual_camt053_payee_memo.xml"))
    assert [(r.description, r.notes, r.amount) for r in rows] == [
        ("Payee Name", "Note Text", Decimal("-10.00")),
        ("Payee Name Only", "", Decimal("-20.00")),
        ("Note Only Text", "", Decimal("-30.00")),
        ("", "", Decimal("-40.00"))]
    assert [r.line for r in rows] == [23, 45, 64, 83]
    assert {r.account for r in rows} == {"DE14740618130000033626"}


def test_the_payee_is_the_debtor_of_a_credit_and_the_creditor_of_a_debit() -> None:
    rows = rows_of("camt", document(
        entry("5", "CRDT", details="<TxDtls><RltdPties><Dbtr><Nm>Payer</Nm></Dbtr><Cdtr><Nm>"
                                   "Me</Nm></Cdtr></RltdPties></TxDtls>")
        + entry("6", "DBIT", details="<TxDtls><RltdPties><Dbtr><Nm>Me</Nm></Dbtr><Cdtr><Pty>"
                                     "<Nm>Shop</Nm></Pty></Cdtr></RltdPties></TxDtls>")))
    assert [(r.description, r.amount) for r in rows] == [("Payer", Decimal("5")),
                                                         ("Shop", Decimal("-6"))]


def test_latin1_declared_in_the_prolog_is_decoded() -> None:
    rows = rows_of("camt", fixture("actual_camt052_latin1.xml"))
    assert [(r.description, r.notes) for r in rows] == [
        ("M-Überschusssparen", "DAUERAUFTRAG"),
        ("Grüße aus München", "Restaurant Schrödingers Katze und Café Ünique; UEBERWEISUNG")]


def test_windows_1252_declared_in_the_prolog_is_decoded() -> None:
    rows = rows_of("camt", document(entry(details="<TxDtls><RmtInf><Ustrd>Caf\u00e9 \u20ac5"
                                                  "</Ustrd></RmtInf></TxDtls>"),
                                    encoding="windows-1252"))
    assert rows[0].description == "Café €5"


def test_date_times_keep_the_banks_own_day_and_accounts_follow_statements() -> None:
    rows = rows_of("camt", fixture("ezbk_camt053_two_accounts_dttm.xml"))
    assert [(r.occurred_on, r.amount, r.account) for r in rows] == [
        (date(2024, 9, 1), Decimal("123.45"), "123"), (date(2024, 9, 1), Decimal("-0.12"), "123"),
        (date(2024, 9, 1), Decimal("1.23"), "456")]


def test_a_date_with_a_time_zone_suffix_is_that_day() -> None:
    rows = rows_of("camt", fixture("iso20022_raiffeisen_ch_tz_dates.xml"))
    assert (rows[0].occurred_on, rows[0].amount) == (date(2017, 4, 1), Decimal("-905.3"))


def test_the_value_date_is_used_when_there_is_no_booking_date() -> None:
    text = entry().replace("BookgDt", "ValDt")
    assert rows_of("camt", document(text))[0].occurred_on == date(2024, 5, 1)


def test_the_bank_reference_with_day_and_amount_is_the_bank_id() -> None:
    rows = rows_of("camt", document(
        entry(extra="<AcctSvcrRef>ABC-1</AcctSvcrRef>")
        + entry(extra="<AcctSvcrRef>NONREF</AcctSvcrRef><NtryRef>N-2</NtryRef>")
        + entry(extra="<AcctSvcrRef>NOTPROVIDED</AcctSvcrRef>")))
    assert [r.bank_id for r in rows] == ["ABC-1/2024-05-01/-12.50", "N-2/2024-05-01/-12.50",
                                         None]


def test_sparkasse_nonref_falls_back_to_the_fingerprint() -> None:
    assert {r.bank_id for r in rows_of("camt", fixture("iso20022_sparkasse_camt052.xml"))} \
        == {None}


def test_reversals_and_pending_entries_keep_their_direction_and_say_so() -> None:
    rows = rows_of("camt", document(
        entry("7", "CRDT", extra="<RvslInd>true</RvslInd>", details="<TxDtls><AddtlTxInf>"
                                                                   "Return</AddtlTxInf></TxDtls>")
        + entry("8", "DBIT", extra="<Sts><Cd>PDNG</Cd></Sts>")))
    assert [(r.amount, r.description, r.notes) for r in rows] == [
        (Decimal("7"), "Return", "Reversal"), (Decimal("-8"), "", "Pending")]


@pytest.mark.parametrize(("version", "message", "statement"), [
    ("camt.052.001.02", "BkToCstmrAcctRpt", "Rpt"), ("camt.052.001.08", "BkToCstmrAcctRpt", "Rpt"),
    ("camt.053.001.13", "BkToCstmrStmt", "Stmt"),
    ("camt.054.001.08", "BkToCstmrDbtCdtNtfctn", "Ntfctn")])
def test_any_version_of_reports_statements_and_notifications_reads(
        version: str, message: str, statement: str) -> None:
    rows = rows_of("camt", document(entry(), version, message=message, statement=statement))
    assert [(r.amount, r.account) for r in rows] == [(Decimal("-12.50"), "DE02100100109307118603")]


@pytest.mark.parametrize(("source", "message"), [
    (b"", f"{NOT_XML} (no element found: line 1, column 0)."),
    (b"\x00\xff\xfe garbage \x01\x02", f"{NOT_XML} (not well-formed (invalid token): line 1,"
                                       " column 1)."),
    (b"Date;Amount\n2024-01-01;5\n", f"{NOT_XML} (not well-formed (invalid token): line 1,"
                                    " column 4)."),
    (b"<OFX><BANKMSGSRSV1/></OFX>", "This is not a CAMT file: its root element is <OFX>,"
                                    " not <Document>."),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/>'
     b"</Document>", "This is not a CAMT bank statement: it holds <CstmrCdtTrfInitn>, not"
                     " BkToCstmrStmt, BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn.")])
def test_files_that_are_not_camt_get_one_clear_problem(source: bytes, message: str) -> None:
    assert problems_of("camt", source) == [RowProblem(0, message)]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt>1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-01</Dt></BookgDt>
<AddtlNtryInf>&lol3;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt>1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-01</Dt></BookgDt>
<AddtlNtryInf>&secret;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://example.invalid/x.dtd">
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE, DTD_ONLY],
                         ids=["billion-laughs", "xxe", "external-dtd"])
def test_dtds_and_entities_are_refused_before_any_row(payload: bytes) -> None:
    assert read_all("camt", payload) == [RowProblem(0, "This XML file declares a DTD or"
                                                       " entities, which OurMoney refuses for"
                                                       " safety.")]


def test_a_truncated_file_yields_the_entries_before_the_cut_and_a_problem() -> None:
    whole = fixture("actual_camt053_payee_memo.xml").read_bytes()
    found = read_all("camt", whole[:whole.index(b"<!-- 3:")])
    assert [r.amount for r in found if isinstance(r, ImportRow)] == [Decimal("-10.00"),
                                                                    Decimal("-20.00")]
    assert found[-1] == RowProblem(63, "The CAMT file is not valid XML or is cut short"
                                       " (no element found: line 63, column 12).")


def test_a_truncated_file_imports_nothing(book: Book) -> None:
    whole = fixture("actual_camt053_payee_memo.xml").read_bytes()
    summary = import_file(book, "camt", whole[:len(whole) // 2])
    assert (summary.added, summary.errors) == (0, 1)


@pytest.mark.parametrize(("text", "message"), [
    (entry("abc"), "Line 5: the amount 'abc' is not a number."),
    (entry("1e309"), "Line 5: the amount '1e309' is not a number."),
    (entry("NaN"), "Line 5: the amount 'NaN' is not a number."),
    (entry("-5.00"), "Line 5: the amount '-5.00' is not a number."),
    (entry("").replace("<Amt Ccy=\"EUR\"></Amt>", ""), "Line 5: the entry has no amount."),
    (entry(direction="BOTH"), "Line 5: the entry is neither a credit nor a debit (CdtDbtInd"
                              " 'BOTH')."),
    (entry(booked="<Dt>2019-02-30</Dt>"), "Line 5: the date '2019-02-30' is not a real date."),
    (entry(booked="<DtTm>yesterday</DtTm>"), "Line 5: the date 'yesterday' is not a real date."),
    (entry(booked="<Dt>1066-10-14</Dt>"), "Line 5: the date '1066-10-14' is not a real date."),
    (entry(booked=""), "Line 5: the entry has no booking or value date.")])
def test_a_bad_entry_is_a_problem_on_its_line(text: str, message: str) -> None:
    found = read_all("camt", document(entry("1", "CRDT").replace("\n", "") + "\n" + text))
    assert found[1:] == [RowProblem(5, message)]


def test_bad_entries_stop_the_import_unless_skipped(book: Book) -> None:
    source = document(entry("1", "CRDT") + entry("abc") + entry("2", "CRDT"))
    refused = import_file(book, "camt", source)
    assert (refused.added, refused.errors) == (0, 1)
    skipped = import_file(book, "camt", source, skip_invalid=True)
    assert (skipped.added, skipped.errors, skipped.sum_added) == (2, 1, Decimal("3"))


class CountingReader(io.RawIOBase):
    """A stream that counts how many bytes were read from it."""

    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), len(self.data) - self.position)
        buffer[:size] = self.data[self.position:self.position + size]
        self.position += size
        return size


def test_a_large_file_is_read_as_a_stream() -> None:
    source = document(entry() * 20000)
    counting = CountingReader(source)
    rows = read(io.BufferedReader(counting), ReadOptions())
    first = next(rows)
    assert isinstance(first, ImportRow) and first.amount == Decimal("-12.50")
    assert counting.position < len(source) // 10
    assert sum(1 for _ in rows) == 19999
