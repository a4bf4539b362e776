"""Bank CSV edge cases and bad input: every problem has its line number and exact message."""

from __future__ import annotations

import codecs
import io
import random
from datetime import date
from decimal import Decimal

import pytest

from ourmoney.errors import InvalidInput
from ourmoney.services.book import Book
from ourmoney.services.importing import csv_source
from ourmoney.services.importing.formats import ReadOptions
from ourmoney.services.importing.rows import ImportRow, RowProblem
from ourmoney.services.importing.table import MAP_FIRST, ColumnMapping, inspect
from tests.services.importing.table_files import (
    auto,
    import_with,
    mapped,
    problems,
    read,
    rows,
    shape_of,
    stored,
    total,
)

BROKEN = (b"date,description,amount\n"
          b"2025-02-30,Impossible,-1.00\n"
          b"2024-01-02,Coffee,-3.50\n"
          b"2024-01-03,Not a number,NaN\n"
          b"2024-01-04,Too big,1e309\n"
          b"2024-01-05,Letters,abc\n"
          b"2024-01-06,Short row\n"
          b"2024-01-07,=cmd|' /C calc'!A0,-2.00\n"
          b"2024-01-08,<script>alert(1)</script>,-1.00\n"
          b"Total,,-9.50\n")
BROKEN_PROBLEMS = [
    RowProblem(2, "Date '2025-02-30' is not in the calendar."),
    RowProblem(4, "The amount 'NaN' is not a number."),
    RowProblem(5, "The amount '1e309' is not a number."),
    RowProblem(6, "The amount 'abc' is not a number."),
    RowProblem(7, "The row has 2 fields; the amount should be in field 3."),
]
SIMPLE = {"date": 0, "description": [1], "amount": 2, "date_format": "%Y-%m-%d"}


def test_each_bad_row_is_reported_with_its_line_and_the_footer_is_skipped() -> None:
    assert problems(BROKEN, auto(BROKEN)) == BROKEN_PROBLEMS


def test_by_default_nothing_is_imported_when_a_row_is_bad(book: Book) -> None:
    summary = import_with(book, BROKEN, auto(BROKEN))
    assert (summary.added, summary.errors, summary.problems) == (0, 5, BROKEN_PROBLEMS)
    assert stored(book) == []


def test_skip_invalid_imports_the_good_rows_and_hostile_text_stays_plain_text(
        book: Book) -> None:
    summary = import_with(book, BROKEN, auto(BROKEN), skip_invalid=True)
    assert (summary.added, summary.errors, summary.sum_added) == (3, 5, Decimal("-6.50"))
    assert stored(book) == [
        ("2024-01-02", "Coffee", "expense", 350, ""),
        ("2024-01-07", "=cmd|' /C calc'!A0", "expense", 200, ""),
        ("2024-01-08", "<script>alert(1)</script>", "expense", 100, "")]


def test_a_line_without_a_date_inside_the_table_is_reported_not_skipped() -> None:
    data = b"date,description,amount\n2024-01-02,Coffee,-3.50\nTotal,,-3.50\n" \
           b"2024-01-03,Tea,-2.00\n"
    assert problems(data, auto(data)) == [RowProblem(3, "Date 'Total' is not written"
                                                        " YYYY-MM-DD.")]


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^The file is empty\.$"):
        shape_of(b"")
    assert read(b"", ReadOptions()) == [RowProblem(0, "The file is empty.")]


@pytest.mark.parametrize("garbage", [
    random.Random(7).randbytes(5000),
    b"\x01\x02\x03garbage\x04\x05" * 200,
    "date,amount\n2024-01-01,1.00\n".encode("utf-16-le"),
], ids=["random", "control-characters", "utf-16-without-bom"])
def test_binary_garbage_is_refused(garbage: bytes) -> None:
    message = "This file is not a text table (CSV): it holds binary data."
    with pytest.raises(InvalidInput, match=r"^This file is not a text table \(CSV\)"):
        shape_of(garbage)
    assert read(garbage, ReadOptions()) == [RowProblem(0, message)]


def test_a_text_file_without_a_table_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        shape_of(b"Dear customer,\nyour statement is attached.\n")
    assert raised.value.message == "OurMoney found no rows with a date and an amount in this file."


def test_an_unknown_encoding_is_refused() -> None:
    data = b"2024-01-02,Coffee,-3.50\n"
    given = ReadOptions(mapping=SIMPLE, extra={"encoding": "x-klingon", "delimiter": ","})
    assert read(data, given) == [RowProblem(0, "OurMoney cannot read text encoded as"
                                               " 'x-klingon'.")]


def test_bytes_that_are_not_valid_in_the_encoding_are_reported_on_their_line() -> None:
    data = b"2024-01-02,Coffee,-3.50\n2024-01-03,Caf\xe9,-2.00\n2024-01-04,Tea,-1.00\n"
    given = ReadOptions(mapping=SIMPLE, extra={"encoding": "utf-8", "delimiter": ","})
    assert [(r.line, type(r).__name__) for r in read(data, given)] == [
        (1, "ImportRow"), (2, "RowProblem"), (3, "ImportRow")]
    assert problems(data, given) == [RowProblem(2, "This line is not valid utf-8 text.")]


def test_a_legacy_byte_after_the_first_64_kb_still_decides_the_encoding() -> None:
    lines = b"".join(b"2024-01-%02d,Coffee shop number %05d,-3.50\n" % (1 + n % 28, n)
                     for n in range(2000))
    data = b"date,description,amount\n" + lines + b"2024-02-01,Caf\xe9 Cr\xe8me,-4.00\n"
    assert len(data) > csv_source.SAMPLE
    assert shape_of(data).encoding == "cp1252"
    assert rows(data, auto(data))[-1].description == "Café Crème"


def test_a_reader_without_a_mapping_refuses_a_file_it_is_not_sure_of() -> None:
    data = b"2024-01-02;Coffee;-3,50\n2024-01-03;Tea;-2,00\n"
    assert shape_of(data).confidence == "low"
    assert read(data, ReadOptions()) == [RowProblem(0, MAP_FIRST)]


@pytest.mark.parametrize(("late", "date_format", "day"), [
    (b"13/02/2024", "%d/%m/%Y", date(2024, 2, 13)),
    (b"02/13/2024", "%m/%d/%Y", date(2024, 2, 13)),
])
def test_the_date_format_is_decided_from_the_whole_file(late: bytes, date_format: str,
                                                        day: date) -> None:
    early = b"".join(b"%02d/%02d/2024,Groceries at the corner shop %05d,-12.50\n"
                     % (1 + n % 12, 1 + n % 12, n) for n in range(1500))
    data = b"date,description,amount\n" + early + late + b",Late,-1.00\n"
    assert len(early) > csv_source.SAMPLE
    shape = shape_of(data)
    assert (shape.guess and shape.guess.date_format, shape.confidence) == (date_format, "high")
    assert rows(data, auto(data))[-1].occurred_on == day


def test_dates_that_never_tell_day_from_month_ask_the_person() -> None:
    data = b"date,description,amount\n01/02/2024,Coffee,-3.50\n03/04/2024,Tea,-2.00\n"
    shape = shape_of(data)
    assert (shape.confidence, shape.date_formats, shape.doubts) == (
        "low", ["%d/%m/%Y", "%m/%d/%Y"],
        ["The dates fit more than one format (DD/MM/YYYY or MM/DD/YYYY); choose one."])
    given = mapped(data, date=0, description=[1], amount=2, date_format="%m/%d/%Y")
    assert [r.occurred_on for r in rows(data, given)] == [date(2024, 1, 2), date(2024, 3, 4)]


def test_decimal_comma_thousands_and_currency_signs() -> None:
    data = ("Datum;Text;Betrag\n11.02.2024;Miete;-1.234,56 €\n12.02.2024;Gehalt;2.500,00\n"
            "13.02.2024;Karte;(12,30)\n14.02.2024;Zins;0,07-\n").encode("cp1252")
    shape = shape_of(data)
    assert (shape.delimiter, shape.encoding, shape.guess and shape.guess.decimal) == (
        ";", "cp1252", ",")
    assert [r.amount for r in rows(data, auto(data))] == [
        Decimal("-1234.56"), Decimal("2500.00"), Decimal("-12.30"), Decimal("-0.07")]


def test_a_quote_that_never_closes_swallows_the_rest_and_is_reported() -> None:
    data = b'date,description,amount\n2024-01-01,Tea,-1.00\n2024-01-02,"Coffee,-3.50\n' \
           b"2024-01-03,Cake,-2.00\n"
    assert problems(data, auto(data)) == [
        RowProblem(3, "The row has 2 fields; the amount should be in field 3.")]


def test_an_endless_field_stops_the_read_with_a_clear_problem() -> None:
    data = b'date,description,amount\n2024-01-01,Tea,-1.00\n2024-01-02,"' + b"x" * 200_000
    given = ReadOptions(mapping=SIMPLE, extra={"encoding": "utf-8", "delimiter": ",",
                                               "data_row": 2})
    found = read(data, given)
    assert isinstance(found[0], ImportRow)
    assert found[1:] == [RowProblem(3, "The CSV cannot be read from here on (field larger"
                                       " than field limit (131072)).")]


def test_utf16_with_a_bom_and_tabs_reads() -> None:
    data = codecs.BOM_UTF16_LE + "Date\tPayee\tAmount\n2024-01-02\tCafé\t-3.50\n".encode(
        "utf-16-le")
    shape = shape_of(data)
    assert (shape.encoding, shape.delimiter) == ("utf-16", "\t")
    assert [(r.description, r.amount) for r in rows(data, auto(data))] == [
        ("Café", Decimal("-3.50"))]


def test_crlf_split_across_chunks_keeps_every_line_number(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    data = b"date,description,amount\r\n" + b"".join(
        b"2024-01-%02d,Item %d,-%d.00\r\n" % (n, n, n) for n in range(1, 20))
    expected = [(r.line, r.amount) for r in rows(data, auto(data))]
    options = auto(data)
    for size in (1, 2, 3, 7, 13):
        monkeypatch.setattr(csv_source, "CHUNK", size)
        assert [(r.line, r.amount) for r in rows(data, options)] == expected
    assert expected[-1] == (20, Decimal("-19.00"))


class Watched(io.BytesIO):
    """A stream that remembers the furthest byte read."""

    furthest = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return chunk


def test_rows_stream_without_reading_the_whole_file() -> None:
    data = b"date,description,amount\n" + b"2024-01-02,Coffee,-3.50\n" * 200_000
    options = auto(data)
    stream = Watched(data)
    first = next(csv_source.read(stream, options))
    assert isinstance(first, ImportRow) and first.line == 2
    assert stream.furthest <= csv_source.CHUNK < len(data)


def test_inspect_rewinds_the_stream_for_the_reader() -> None:
    stream = io.BytesIO(b"date,description,amount\n2024-01-02,Coffee,-3.50\n")
    shape = inspect(stream, "statement.csv", "csv")
    assert stream.tell() == 0
    assert shape.guess == ColumnMapping(date=0, description=[1], amount=2,
                                        date_format="%Y-%m-%d")
    assert total(rows(stream.getvalue(), shape.options(shape.guess, "x"))) == Decimal("-3.50")


def test_inspect_refuses_other_formats() -> None:
    with pytest.raises(InvalidInput, match=r"^bank\.ofx: only CSV and XLSX files have columns"):
        inspect(io.BytesIO(b"x"), "bank.ofx", "ofx")
