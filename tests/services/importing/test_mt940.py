"""The MT940 reader: every fixture's count and sum, the :61:/:86: forms, and bad files."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.services.book import Book
from ourmoney.services.importing.formats import ReadOptions, detect
from ourmoney.services.importing.mt940_source import read
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

MT940 = FOLDER / "mt940"


def statement(*lines: str, opening: str = ":60F:C240101EUR100,00",
              closing: str = ":62F:C240131EUR100,00") -> bytes:
    """A one-statement MT940 file around the given :61:/:86: lines."""
    return "\n".join([":20:REF1", ":25:NL91ABNA0417164300", ":28C:1/1", opening, *lines,
                      closing, "-", ""]).encode()


def fixture(name: str) -> Path:
    require()
    return MT940 / name


def summary_of(name: str) -> list[tuple[int, date, Decimal, str, str]]:
    return [(r.line, r.occurred_on, r.amount, r.description, r.notes)
            for r in rows_of("mt940", fixture(name))]


@pytest.mark.parametrize("expected", [e for e in of_folder("mt940") if not e.negative],
                         ids=lambda e: e.name)
def test_every_mt940_fixture_imports_its_count_and_sum_once(tmp_path: Path,
                                                            expected: Expectation) -> None:
    require()
    with ledger_at(tmp_path / "ledger.sqlite3", currency="EUR") as book:
        check_fixture(book, "mt940", expected)


def test_february_30_is_a_problem_on_its_line_and_imports_nothing(book: Book) -> None:
    assert detect("selfprov_february_30.sta", fixture("selfprov_february_30.sta").read_bytes()) \
        == "mt940"
    summary = import_file(book, "mt940", fixture("selfprov_february_30.sta"))
    assert (summary.added, summary.errors) == (0, 1)
    assert summary.problems == [RowProblem(6, "Line 6: the value date '160230' is not a real"
                                              " date.")]


def test_every_negative_mt940_fixture_is_known() -> None:
    require()
    assert [e.name for e in of_folder("mt940") if e.negative] == ["selfprov_february_30.sta"]


def test_swift_blocks_and_the_three_kinds_of_details() -> None:
    assert summary_of("actual_swift_blocks_utf8.sta") == [
        (8, date(2025, 8, 1), Decimal("-42.50"), "Boulangerie L'Étoile",
         "Facture 2025-0042; SEPA OVERBOEKING; IBAN FR1420041010050500013M02606"),
        (10, date(2025, 8, 2), Decimal("1200.00"), "Employeur Acme SARL",
         "Salaire août 2025; SEPA OVERBOEKING; IBAN FR7630007000111234567890144"),
        (12, date(2025, 8, 3), Decimal("-89.99"), "MÜLLER GMBH", "Rechnung 4711; SEPA ÜBERWEISUNG"),
        (14, date(2025, 8, 4), Decimal("-15.00"), "RETRAIT GUICHET AUTOMATIQUE", ""),
        (16, date(2025, 8, 5), Decimal("-24.80"), "A44?Librairie Gibert Joseph",
         "Virement en ligne"),
        (19, date(2025, 8, 6), Decimal("-31.00"), "B32?TREMBLAY, MARIE Paiement mobile",
         "Paiement mobile")]


def test_the_reference_with_value_date_and_amount_is_the_bank_id_and_25_the_account() -> None:
    rows = rows_of("mt940", fixture("actual_swift_blocks_utf8.sta"))
    assert (rows[0].bank_id, rows[0].account) == ("BANKREF001/2025-08-01/-42.50",
                                                  "FR7630006000011234567890189")


def test_german_subfields_wrapped_over_lines() -> None:
    assert summary_of("gnucash_hbci_crlf.mt940") == [
        (6, date(2006, 2, 28), Decimal("-12.56"), "GNUCASH",
         "TESTING GNUCASH FOR HBCI AND MT940; ÜBERWEISUNG")]


def test_sepa_subfields_cut_mid_word_are_joined() -> None:
    first = summary_of("betterplace_sepa_snippet.sta")[0]
    assert first[3:] == ("KARL KAUFMANN", "Verw CTSc-01 BC-PPP TFNr 22 004; EREF+EndToEndId"
                                          " TFNR 22 004 00001; GUTSCHRIFT")


def test_a_question_mark_inside_a_subfield_is_content() -> None:
    [row] = rows_of("mt940", fixture("selfprov_malformed_details.sta"))
    assert row.description == "Finanzamt Muenchen Abteilung Erhebung"
    assert row.notes.endswith("ABWA+Finanzamt Sentinel?; Basislastschrift")


def test_non_standard_ns_fields_give_the_name() -> None:
    assert [r[3] for r in summary_of("sberbank_hu_crlf_ns.sta")] == [
        "ERGO Versicherung AG Fioktelep", "ERGO Eletbiztosito Zrt.",
        "ERGO Versicherung AG Fioktelep"]


def test_free_text_describes_with_its_first_line() -> None:
    first = summary_of("jejik_abnamro.sta")[0]
    assert first[2:] == (Decimal("-9"), "GIRO 428428 KPN - DIGITENNE BETALINGSKENM."
                         " 000000042188659", "5314606715 BETREFT FACTUUR D.D. 20-05-2011 INCL."
                         " 1,44 BTW")


def test_a_summary_86_after_the_closing_balance_is_not_a_transactions_detail() -> None:
    rows = rows_of("mt940", fixture("jejik_ing_nl.sta"))
    assert rows[-1].notes == "ROSMALEN Hr S Marechal ROSMALEN Betaling transactiedatum:" \
                             " 22-07-2010"
    assert "10-06-2010" in rows[2].description  # soft hyphens read as hyphens


def test_a_dos_code_page_is_recognised() -> None:
    rows = rows_of("mt940", fixture("raiffeisen_hu_cp852.sta"))
    assert rows[0].notes.endswith("Csoportos átutalás jóváírása")
    assert rows[0].account == "UBRTHUHB/123456789150ABCDEF002/HUF"


def test_windows_1252_is_recognised() -> None:
    source = statement(":61:240105D5,00NTRFNONREF", ":86:166?00\u00dcBERWEISUNG?20Caf\u00e9"
                       "?32M\u00fcller Stra\u00dfe").decode().encode("cp1252")
    [row] = rows_of("mt940", source)
    assert (row.description, row.notes) == ("Müller Straße", "Café; ÜBERWEISUNG")


def test_crlf_lf_and_control_characters_read_alike() -> None:
    lf = statement(":61:240105D5,00NTRFNONREF//B1", ":86:Coffee", "shop")
    crlf = lf.replace(b"\n", b"\r\n")
    wrapped = b"\x01\r\n" + crlf + b"\x03"
    assert rows_of("mt940", lf) == rows_of("mt940", crlf)
    [row] = rows_of("mt940", wrapped)
    assert (row.line, row.description, row.notes, row.bank_id) == (
        6, "Coffee", "shop", "B1/2024-01-05/-5.00")
    assert detect("x.txt", wrapped) == "mt940"


@pytest.mark.parametrize(("line", "amount"), [
    (":61:240105C5,00NTRFNONREF", "5.00"), (":61:240105D5,00NTRFNONREF", "-5.00"),
    (":61:240105RC5,00NTRFNONREF", "-5.00"), (":61:240105RD5,00NTRFNONREF", "5.00"),
    (":61:240105CR5,00NTRFNONREF", "5.00"), (":61:240105RCR5,NTRFNONREF", "-5"),
    (":61:240105DF1234,5N031", "-1234.5"), (":61:240105C500NTRF//X1", "500"),
    (":61:240105D000000000025,00N102EREF", "-25.00")])
def test_marks_funds_codes_and_amounts(line: str, amount: str) -> None:
    [row] = rows_of("mt940", statement(line))
    assert row.amount == Decimal(amount)


@pytest.mark.parametrize(("line", "booked"), [
    (":61:2401050106D1,00NTRF", date(2024, 1, 6)),
    (":61:2312310102D1,00NTRF", date(2024, 1, 2)),
    (":61:2401021231D1,00NTRF", date(2023, 12, 31)),
    (":61:240229D1,00NTRF", date(2024, 2, 29)),
    (":61:991231D1,00NTRF", date(1999, 12, 31))])
def test_the_entry_date_is_the_day_and_rolls_over_the_new_year(line: str, booked: date) -> None:
    assert rows_of("mt940", statement(line))[0].occurred_on == booked


@pytest.mark.parametrize(("line", "message"), [
    (":61:240105Dabc,00NTRF", "Line 5: the amount 'abc,00NTRF' is not a number."),
    (":61:240105D1,2,3NTRF", "Line 5: the amount '1,2,3' is not a number."),
    (":61:240230D1,00NTRF", "Line 5: the value date '240230' is not a real date."),
    (":61:2401051340D1,00NTRF", "Line 5: the entry date '1340' is not a real date."),
    (":61:garbage", "Line 5: the :61: line 'garbage' is not date, debit/credit mark and"
                    " amount.")])
def test_a_bad_61_is_a_problem_on_its_line(line: str, message: str) -> None:
    source = statement(":61:240104C1,00NTRF", line, ":86:details of the bad line")
    found = read_all("mt940", source)
    assert found[1:] == [RowProblem(6, message.replace("Line 5", "Line 6"))]


@pytest.mark.parametrize(("source", "message"), [
    (b"", "This is not an MT940 file: it is empty."),
    (b" \r\n\n", "This is not an MT940 file: it is empty."),
    (b"\x00\x01PK garbage\xff", "This is not an MT940 file: it holds binary data."),
    (b"Date;Amount\n2024-01-01;5\n", "This is not an MT940 file: it has no :20: statement and"
                                     " no :61: transaction.")],
    ids=["empty", "blank", "binary", "csv"])
def test_files_that_are_not_mt940_get_one_clear_problem(source: bytes, message: str) -> None:
    assert read_all("mt940", source) == [RowProblem(0, message)]


def test_a_statement_cut_before_its_closing_balance_is_a_problem(book: Book) -> None:
    source = statement(":61:240105D5,00NTRF", ":86:Coffee").split(b":62F:")[0]
    assert problems_of("mt940", source) == [RowProblem(4, "The file ends inside a statement"
                                                          " (no closing balance :62F:); it may"
                                                          " be cut short.")]
    summary = import_file(book, "mt940", source)
    assert (summary.added, summary.errors) == (0, 1)


def test_the_same_reference_on_two_days_is_two_transactions(book: Book) -> None:
    source = statement(":61:240105D5,00NTRFNONREF//SAME", ":61:240106D5,00NTRFNONREF//SAME")
    assert import_file(book, "mt940", source).added == 2
    assert import_file(book, "mt940", source).duplicates == 2


def test_a_large_file_is_read_as_a_stream() -> None:
    body = [f":61:2401{day % 28 + 1:02d}D1,00NTRFNONREF//R{day}\n:86:Coffee {day}"
            for day in range(20000)]
    source = statement(*body)
    stream = io.BytesIO(source)
    rows = read(stream, ReadOptions())
    first = next(rows)
    assert isinstance(first, ImportRow) and first.description == "Coffee 0"
    assert stream.tell() < len(source) // 4
    assert sum(1 for _ in rows) == 19999
