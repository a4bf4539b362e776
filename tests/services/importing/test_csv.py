"""Every shared bank CSV: inspect, guess, read and import with SOURCES.md's count and sum.

Most files go through the automatic path (the guess, sure of itself). A few genuinely need a
person to map the columns once in the preview; for those the test gives the mapping a person
would confirm there, and checks that the guess did NOT claim to be sure (so the app asks).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest

from ourmoney.services.book import Book
from ourmoney.services.importing.formats import ReadOptions, detect
from ourmoney.services.importing.rows import ImportRow
from tests.services.importing.table_files import (
    auto,
    import_with,
    mapped,
    rows,
    shape_of,
    stored,
)
from tests.support import fixtures

CSV = fixtures.of_folder("csv")
FOLDER = fixtures.FOLDER / "csv"
CENT = Decimal("0.01")

# The mappings a person gives in the preview, and why the guess cannot be trusted alone.
BY_HAND: dict[str, tuple[str, dict[str, Any]]] = {
    "at_easybank_creditcard_noheader.csv": (
        "no header row", {"date": 2, "description": [1], "amount": 4,
                          "date_format": "%d.%m.%Y", "decimal": ","}),
    "at_easybank_giro_noheader.csv": (
        "no header row", {"date": 2, "description": [1], "amount": 4,
                          "date_format": "%d.%m.%Y", "decimal": ","}),
    "at_raiffeisen_noheader_trailing_sep.csv": (
        "no header row", {"date": 0, "description": [1], "amount": 3,
                          "date_format": "%d.%m.%Y", "decimal": ","}),
    "nl_asn_noheader.csv": (
        "no header row; two columns of signed-looking numbers (balance and amount)",
        {"date": 0, "description": [3, 17], "amount": 10, "date_format": "%d-%m-%Y"}),
    "lt_danske_cp1257_multiline.csv": (
        "the header names 12 columns but the rows have 10, so names and values disagree",
        {"date": 0, "description": [4], "notes": [5, 7], "amount": 8,
         "date_format": "%Y:%m:%d"}),
    "hledger_monefy_app.csv": (
        "every date is 06/12/2021: day and month order cannot be told; Monefy writes the"
        " day first (as hledger's own monefy rules say)",
        {"date": 0, "description": [7], "amount": 3, "category": 2,
         "date_format": "%d/%m/%Y"}),
    "lt_swedbank_bad_quotes_dk.csv": (
        "only record type 20 (column 2) is a transaction; 10, 82 and 86 are opening,"
        " turnover and closing balances, which no header says",
        {"date": 2, "description": [3, 4], "amount": 5, "direction": 7,
         "outflow_words": ["d"], "bank_id": 8, "only_column": 1, "only_values": ["20"],
         "date_format": "%Y-%m-%d"}),
}


def options(expected: fixtures.Expectation) -> ReadOptions:
    """The automatic path, or the person's mapping for the files that need one."""
    if expected.name in BY_HAND:
        return mapped(expected.path, **BY_HAND[expected.name][1])
    return auto(expected.path)


def test_every_file_in_the_folder_has_an_expectation() -> None:
    fixtures.require()
    assert sorted(e.name for e in CSV) == sorted(p.name for p in FOLDER.iterdir())
    assert not [e.name for e in CSV if e.negative]


@pytest.mark.parametrize("expected", CSV, ids=lambda e: e.name)
def test_fixture_imports_with_the_count_and_sum_of_sources(book: Book,
                                                          expected: fixtures.Expectation) -> None:
    fixtures.require()
    assert detect(expected.name, expected.path.read_bytes()[:4096]) == "csv"
    first = import_with(book, expected.path, options(expected))
    assert (first.errors, first.problems, first.duplicates) == (0, [], 0)
    assert first.added + first.ignored == expected.count
    assert first.sum_added == (expected.total or Decimal(0)).quantize(CENT, ROUND_HALF_EVEN)
    again = import_with(book, expected.path, options(expected))
    assert (again.added, again.duplicates, again.errors, again.ignored) == (
        0, first.added, 0, first.ignored)


@pytest.mark.parametrize("name", sorted(BY_HAND))
def test_files_needing_a_person_are_not_guessed_with_confidence(name: str) -> None:
    fixtures.require()
    shape = shape_of(FOLDER / name)
    if name == "lt_swedbank_bad_quotes_dk.csv":
        # The columns are clear; which rows are transactions is not: the guess keeps them all.
        assert shape.guess is not None and shape.guess.only_column is None
    else:
        assert shape.confidence == "low" and shape.doubts


def rows_named(name: str) -> list[ImportRow]:
    """Read a fixture the way its test imports it."""
    expected = next(e for e in CSV if e.name == name)
    return rows(expected.path, options(expected))


@pytest.mark.parametrize(("name", "encoding", "description"), [
    ("actual_gb18030.csv", "gb18030", "北京餐厅"),
    ("actual_euc_jp.csv", "euc_jp", "山田下社"),
    ("actual_windows1252_euro.csv", "cp1252", "Café €Rémy"),
    ("actual_windows1252_dotted_dates.csv", "cp1252", "Café Rémy"),
    ("actual_utf8_bom_hu_bank.csv", "utf-8-sig", "tariff package name"),
    ("lt_danske_cp1257_multiline.csv", "cp1257",
     "Paslaugų ir komisinių pajamos už gaunamus tarptautinius pervedimus USD"),
    ("de_ing_diba_with_saldo_latin1.csv", "cp1252",
     "PayDude (Europe) S.a.r.l. et Cie., S .C.A. - PP.1234.PP . Blumen Berther"),
])
def test_the_encoding_is_found_and_the_text_reads_right(name: str, encoding: str,
                                                        description: str) -> None:
    fixtures.require()
    assert shape_of(FOLDER / name).encoding == encoding
    assert rows_named(name)[0].description == description


def test_preamble_and_header_are_found_below_the_junk() -> None:
    fixtures.require()
    found = {name: (shape.header_row, shape.data_row, shape.delimiter) for name in (
        "de_ing_diba_with_saldo_latin1.csv", "de_spardabank_header_footer_latin1.csv",
        "generic_semicolon_preamble.csv", "kmymoney_sample_bank_debit_credit.csv",
        "nl_knab_junk_first_line.csv", "at_easybank_giro_noheader.csv")
        for shape in [shape_of(FOLDER / name)]}
    assert found == {"de_ing_diba_with_saldo_latin1.csv": (15, 16, ";"),
                     "de_spardabank_header_footer_latin1.csv": (11, 12, ";"),
                     "generic_semicolon_preamble.csv": (5, 6, ";"),
                     "kmymoney_sample_bank_debit_credit.csv": (4, 6, ","),
                     "nl_knab_junk_first_line.csv": (2, 3, ";"),
                     "at_easybank_giro_noheader.csv": (None, 1, ";")}


def test_the_amount_is_the_betrag_not_the_running_saldo() -> None:
    fixtures.require()
    found = rows_named("de_ing_diba_with_saldo_latin1.csv")
    assert [(r.line, r.occurred_on, r.amount) for r in found[:2]] == [
        (16, date(2018, 12, 28), Decimal("-5.50")), (17, date(2018, 12, 28), Decimal("50.00"))]
    assert found[0].notes == "Lastschrift"


def test_direction_columns_sign_unsigned_amounts() -> None:
    fixtures.require()
    ing = rows_named("nl_ing_afbij_yyyymmdd.csv")
    assert [(r.occurred_on, r.amount) for r in ing[:3]] == [
        (date(2020, 2, 13), Decimal("-1.25")), (date(2020, 2, 13), Decimal("1.25")),
        (date(2020, 2, 13), Decimal("0.00"))]
    knab = rows_named("nl_knab_junk_first_line.csv")
    assert [(r.amount, r.bank_id) for r in knab[:2]] == [
        (Decimal("-827.75"), "B9F21PGYA068V2KD"), (Decimal("827.75"), "B9F21PGUJE88SFDR")]


def test_debit_and_credit_columns_and_thousands_marks() -> None:
    fixtures.require()
    assert [r.amount for r in rows_named("at_ingdiba_soll_haben.csv")] == [
        Decimal("12.23"), Decimal("-34.56"), Decimal("500.00"), Decimal("20.30"),
        Decimal("-1500.00"), Decimal("10.00")]
    assert [r.amount for r in rows_named("hledger_ynab4_rtl_amounts.csv")] == [
        Decimal("-4.750"), Decimal("-93.210")]
    assert [r.amount for r in rows_named("us_dcu_dollar_signs.csv")[:2]] == [
        Decimal("-7971.39"), Decimal("6000.36")]


def test_pending_rows_are_imported_dated_by_their_start() -> None:
    fixtures.require()
    found = rows_named("revolut_2022_pending.csv")
    pending = [(r.line, r.occurred_on, r.description, r.amount) for r in found
               if r.description in ("store", "www.pending.com")]
    assert pending == [(7, date(2022, 1, 13), "store", Decimal("-44.57")),
                       (10, date(2022, 1, 15), "www.pending.com", Decimal("-73.58"))]


def test_the_footer_line_after_the_table_is_skipped() -> None:
    fixtures.require()
    found = rows_named("de_spardabank_header_footer_latin1.csv")
    assert (len(found), found[-1].line, found[-1].amount) == (7, 18, Decimal("-98.12"))


def test_multiline_fields_keep_the_physical_line_numbers() -> None:
    fixtures.require()
    found = rows_named("lt_danske_cp1257_multiline.csv")
    assert [(r.line, r.amount) for r in found] == [
        (2, Decimal("-7.8")), (4, Decimal("889.81")),
        (6, Decimal("-0.46")), (7, Decimal("-881.55"))]
    assert found[0].notes.startswith("Mokestis už lėšų įskaitymo administravimą")


def test_ragged_rows_longer_than_the_header_keep_their_spill_in_the_notes() -> None:
    fixtures.require()
    found = rows_named("at_livebank_ragged_rows.csv")
    assert (found[0].description, found[0].notes) == (
        "A name", "Datenträger-Umsatz - A text - REF: XXXXXXXXXXXXXXXXXXXXXXXXXXXX")


def test_categories_come_from_the_file(book: Book) -> None:
    fixtures.require()
    expected = next(e for e in CSV if e.name == "fireflyiii_demo_ragged.csv")
    import_with(book, expected.path, options(expected))
    names = [row[0] for row in book.store.rows(
        "SELECT c.name FROM transactions t JOIN category c ON c.id = t.category_id"
        " WHERE t.description LIKE 'Baker Bob%'")]
    assert names == ["Daily Groceries"]
    assert ("2016-03-11", "Baker Bob - Bread", "expense", 340, "") in stored(book)


def test_a_reader_told_only_the_header_row_starts_below_it() -> None:
    fixtures.require()
    expected = next(e for e in CSV if e.name == "de_ing_diba_with_saldo_latin1.csv")
    given = auto(expected.path)
    extra = {name: given.extra[name] for name in ("encoding", "delimiter", "header_row")}
    found = rows(expected.path, ReadOptions(mapping=given.mapping, extra=extra))
    assert (len(found), found[0].line) == (9, 16)
