"""The shared table logic: cells read as dates and amounts, the mapping, the shape."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ourmoney.errors import InvalidInput
from ourmoney.services.importing.table import ColumnMapping
from ourmoney.services.importing.table_cells import (
    CellError,
    decimal_votes,
    formats_of,
    parse_amount,
    parse_date,
)
from tests.services.importing.table_files import shape_of


def cell_time(*parts: int) -> datetime:
    """A spreadsheet date-time cell: naive, spreadsheets have no time zones."""
    return datetime(*parts)  # noqa: DTZ001



@pytest.mark.parametrize(("text", "decimal", "amount"), [
    ("-12.50", ".", "-12.50"), ("12,50", ",", "12.50"), ("1.234,56", ",", "1234.56"),
    ("1,234.56", ".", "1234.56"), ("1 234,56", ",", "1234.56"), ("1'234.50", ".", "1234.50"),
    ("-$7,971.39", ".", "-7971.39"), ("$-7.00", ".", "-7.00"), ("(12.30)", ".", "-12.30"),
    ("12.30-", ".", "-12.30"), ("+30,99", ",", "30.99"), ("EUR -5,00", ",", "-5.00"),
    ("-5,00 €", ",", "-5.00"), ("12,00 zł", ",", "12.00"), ("−4.20", ".", "-4.20"),
    ("د.ا.\u200f4.750", ".", "4.750"), ("-.46", ".", "-0.46"), ("2500", ",", "2500"),
    (" 7 ", ".", "7"),
])
def test_amounts_as_banks_write_them(text: str, decimal: str, amount: str) -> None:
    assert parse_amount(text, decimal) == Decimal(amount)


@pytest.mark.parametrize(("text", "decimal", "message"), [
    ("NaN", ".", "The amount 'NaN' is not a number."),
    ("1e309", ".", "The amount '1e309' is not a number."),
    ("inf", ".", "The amount 'inf' is not a number."),
    ("abc", ".", "The amount 'abc' is not a number."),
    ("12abc", ".", "The amount '12abc' is not a number."),
    ("--5", ".", "The amount '--5' is not a number."),
    ("(-5)", ".", "The amount '(-5)' is not a number."),
    ("1.2.3", ".", "The amount '1.2.3' is not a number written with '.' for decimals."),
    ("5.99", ",", "The amount '5.99' is not a number written with ',' for decimals."),
    ("1,23,4.00", ".", "The amount '1,23,4.00' is not a number written with '.' for"
                       " decimals."),
    ("9999999999999.00", ".", "The amount '9999999999999.00' is too large."),
    ("", ".", "The amount is missing."),
])
def test_what_is_not_an_amount(text: str, decimal: str, message: str) -> None:
    with pytest.raises(CellError) as raised:
        parse_amount(text, decimal)
    assert raised.value.message == message


@pytest.mark.parametrize(("value", "amount"), [
    (12, Decimal(12)), (-3.1, Decimal("-3.1")), (0.1 + 0.2, Decimal("0.30000000000000004")),
    (Decimal("4.20"), Decimal("4.20")),
])
def test_number_cells_are_exact_decimals(value: Any, amount: Decimal) -> None:
    assert parse_amount(value, ",") == amount


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_number_cells_that_are_not_amounts(value: Any) -> None:
    with pytest.raises(CellError):
        parse_amount(value, ".")


def test_decimal_votes_count_only_values_that_tell() -> None:
    votes = decimal_votes(["1.234,56", "1,280.8", "4,884", "0.000", "12,5", "2500", "93.210"])
    assert votes == {",": 2, ".": 2}


@pytest.mark.parametrize(("text", "formats"), [
    ("2024-01-31", ["%Y-%m-%d"]), ("2024-01-31T10:00:00Z", ["%Y-%m-%d"]),
    ("2021-09-06 6:11:59", ["%Y-%m-%d"]), ("28.06.2013 00:00:30:989", ["%d.%m.%Y"]),
    ("03.04.18", ["%d.%m.%y"]), ("20200213", ["%Y%m%d"]), ("2012:03:01", ["%Y:%m:%d"]),
    ("06/12/2021", ["%d/%m/%Y", "%m/%d/%Y"]), ("13/12/2021", ["%d/%m/%Y"]),
    ("12/13/2021", ["%m/%d/%Y"]), ("04 Nov 2009", ["%d %b %Y"]),
    ("4 November 2009", ["%d %B %Y"]), ("Nov 4, 2009", ["%b %d, %Y"]),
    ("12/31/2021 03:24 PM", ["%m/%d/%Y"]), ("2025-02-30", []), ("12345678", []),
    ("1800-01-01", []), ("2013-07-03-08.21.36.47192", []), ("Total", []),
])
def test_date_formats_that_read_a_value(text: str, formats: list[str]) -> None:
    assert formats_of(text) == formats


@pytest.mark.parametrize(("value", "date_format", "expected"), [
    ("2025-02-30", "%Y-%m-%d", "Date '2025-02-30' is not in the calendar."),
    ("30.02.2025", "%d.%m.%Y", "Date '30.02.2025' is not in the calendar."),
    ("2025-02-03", "%d.%m.%Y", "Date '2025-02-03' is not written DD.MM.YYYY."),
    ("1850-01-01", "%Y-%m-%d", "Date '1850-01-01' is not in the calendar."),
    ("", "%Y-%m-%d", "The date is missing."),
    ("06/12/2021", None, "Date '06/12/2021' could be read more than one way; choose its"
                         " format."),
    ("soon", None, "'soon' is not a date."),
    (cell_time(1850, 1, 1), None, "Date '1850-01-01' is not in the calendar."),
])
def test_what_is_not_a_date(value: Any, date_format: str | None, expected: str) -> None:
    with pytest.raises(CellError) as raised:
        parse_date(value, date_format)
    assert raised.value.message == expected


def test_dates_read_with_the_column_format() -> None:
    assert [parse_date("06/12/2021", "%d/%m/%Y"), parse_date("06/12/2021", "%m/%d/%Y"),
            parse_date("2024-03-01", None), parse_date(cell_time(2024, 3, 1, 13, 5), None),
            parse_date(date(2024, 3, 2), "%d.%m.%Y")] == [
        date(2021, 12, 6), date(2021, 6, 12), date(2024, 3, 1), date(2024, 3, 1),
        date(2024, 3, 2)]


FULL = ColumnMapping(date=0, description=[1, 2], amount=3, direction=4, outflow_words=("af",),
                     notes=[5], category=6, bank_id=7, date_format="%d-%m-%Y", decimal=",",
                     invert=True, fee=8, only_column=9, only_values=("20",))


def test_a_mapping_round_trips_through_json() -> None:
    data = json.loads(json.dumps(FULL.to_dict()))
    assert data["outflow_words"] == ["af"]
    assert ColumnMapping.from_dict(data) == FULL


def test_a_mapping_from_a_form_accepts_digit_strings_and_folds_words() -> None:
    given = {"date": "0", "description": ["2", "2", 1], "debit": 3, "credit": "4",
             "direction": None, "outflow_words": None}
    assert ColumnMapping.from_dict(given) == ColumnMapping(date=0, description=[2, 1], debit=3,
                                                           credit=4)
    assert ColumnMapping.from_dict({"date": 0, "description": [], "amount": 1, "direction": 2,
                                    "outflow_words": [" Af ", "DEBIT"]}).outflow_words == (
        "af", "debit")


@pytest.mark.parametrize(("data", "message"), [
    ([], "The column mapping must be an object."),
    ({"description": [1], "amount": 2}, "Choose the date column."),
    ({"date": 0, "description": [1]}, "Choose the amount column, or the debit and credit"
                                      " columns."),
    ({"date": -1, "amount": 2}, "The date column must be a column number from 0 to 999."),
    ({"date": True, "amount": 2}, "The date column must be a column number from 0 to 999."),
    ({"date": 0, "amount": 1000}, "The amount column must be a column number from 0 to 999."),
    ({"date": 0, "amount": 1, "debit": 2}, "Choose either one amount column or debit and"
                                           " credit columns, not both."),
    ({"date": 0, "debit": 1, "direction": 2, "outflow_words": ["d"]},
     "A direction column needs an amount column."),
    ({"date": 0, "amount": 1, "direction": 2}, "Say which words of the direction column mean"
                                               " money out (for example Af, D or Debit)."),
    ({"date": 0, "amount": 1, "only_column": 2}, "Say which values of the filter column mark"
                                                 " transactions."),
    ({"date": 0, "amount": 1, "description": 3}, "The description columns must be a list of"
                                                  " column numbers."),
    ({"date": 0, "amount": 1, "outflow_words": "d"}, "outflow_words must be a list of short"
                                                     " words."),
    ({"date": 0, "amount": 1, "decimal": ";"}, "The decimal mark must be \".\" or \",\"."),
    ({"date": 0, "amount": 1, "invert": "yes"}, "invert must be true or false."),
    ({"date": 0, "amount": 1, "date_format": "%H:%M"},
     "The date format '%H:%M' is not one OurMoney can read (for example YYYY-MM-DD,"
     " YYYY/MM/DD, YYYY.MM.DD, YYYY:MM:DD, YYYYMMDD, DD.MM.YYYY)."),
    ({"date": 0, "amount": 1, "date_format": "%d.%d.%Y"},
     "The date format '%d.%d.%Y' is not one OurMoney can read (for example YYYY-MM-DD,"
     " YYYY/MM/DD, YYYY.MM.DD, YYYY:MM:DD, YYYYMMDD, DD.MM.YYYY)."),
    ({"date": 0, "amount": 1, "payee": 2}, "The column mapping has an unknown field: payee."),
])
def test_a_bad_mapping_is_refused_with_a_clear_message(data: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        ColumnMapping.from_dict(data)
    assert raised.value.message == message


def test_any_date_format_made_of_day_month_and_year_is_accepted() -> None:
    mapping = ColumnMapping.from_dict({"date": 0, "amount": 1, "date_format": "%y/%d/%m"})
    assert mapping.date_format == "%y/%d/%m"


def test_the_shape_serialises_for_the_import_page() -> None:
    shape = shape_of(b"Title of the export\n\nDate;Payee;Amount\n01.02.2024;Cafe;-3,50\n"
                     b"15.02.2024;Shop;-10,00\n")
    data = json.loads(json.dumps(shape.to_dict()))
    assert {key: data[key] for key in ("encoding", "delimiter", "header_row", "data_row",
                                       "columns", "sample", "confidence", "date_formats",
                                       "doubts", "file_format")} == {
        "encoding": "utf-8", "delimiter": ";", "header_row": 3, "data_row": 4,
        "columns": ["Date", "Payee", "Amount"],
        "sample": [["01.02.2024", "Cafe", "-3,50"], ["15.02.2024", "Shop", "-10,00"]],
        "confidence": "high", "date_formats": ["%d.%m.%Y"], "doubts": [], "file_format": "csv"}
    assert data["guess"] == ColumnMapping(date=0, description=[1], amount=2,
                                          date_format="%d.%m.%Y", decimal=",").to_dict()


def test_the_signature_is_the_same_for_files_of_the_same_shape() -> None:
    first = shape_of(b"Date;Payee;Amount\n01.02.2024;Cafe;-3,50\n")
    second = shape_of(b"x;y\n\ndate ; PAYEE;amount\n15.03.2024;Shop;-10,00\n16.03.2024;A;1\n")
    other = shape_of(b"Date;Payee;Amount;Balance\n01.02.2024;Cafe;-3,50;10,00\n")
    spilling = shape_of(b"Date;Payee;Amount\n01.02.2024;Cafe;-3,50;spilt text;more\n")
    assert first.signature == second.signature == spilling.signature != other.signature
    headerless = shape_of(b"01.02.2024;Cafe;-3,50\n")
    assert shape_of(b"15.03.2024;Other;12,00\n").signature == headerless.signature
    assert headerless.signature != first.signature
