"""ourmoney.money: parsing what people type, minor units and locale formatting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ourmoney.errors import InvalidAmount
from ourmoney.money import (
    MAX_AMOUNT,
    check_amount,
    decimal_symbol_for,
    format_money,
    from_minor,
    parse_amount,
    precision_of,
    to_minor,
    to_text,
)

NOT_A_NUMBER = "Amount must be a number such as 12.34 or a sum such as 12.50+3."
BAD_DIGITS = "Amount must be a number such as 12.34."
NOT_TEXT = 'Amount must be written as text such as "12.34".'
NOT_POSITIVE = "Amount must be greater than zero; choose Expense or Income for the direction."
TWO_DECIMALS = "Amount must have at most 2 decimals."
TOO_LARGE = "Amount is too large."


@pytest.mark.parametrize("symbol", [".", ","])
@pytest.mark.parametrize(("typed", "expected"), [
    ("12.50", "12.50"),
    ("12,50", "12.50"),
    ("12,5", "12.50"),
    ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"),
    ("1,234,567.5", "1234567.50"),
    ("1.234.567", "1234567.00"),
    ("12.50+3", "15.50"),
    ("10-2.5", "7.50"),
    ("5 + 3", "8.00"),
    ("12,50+1,25", "13.75"),
    (" 7 ", "7.00"),
    ("1 234,56", "1234.56"),
    ("1\u00a0234,56", "1234.56"),
    ("1\u202f234,56", "1234.56"),
    ("1'234.50", "1234.50"),
    ("100 000", "100000.00"),
    ("1 000 000,00", "1000000.00"),
    ("1 234 567.89", "1234567.89"),
    ("0012.5", "12.50"),
    ("999999999999.99", "999999999999.99"),
    (Decimal("12.5"), "12.50"),
    (Decimal("0.01"), "0.01"),
    (12, "12.00"),
])
def test_parse_amount_reads_what_people_type(typed: Any, expected: str, symbol: str) -> None:
    parsed = parse_amount(typed, decimal_symbol=symbol)
    assert parsed == Decimal(expected)
    assert str(parsed) == expected  # always quantized to the currency's decimals


@pytest.mark.parametrize(("typed", "symbol", "expected"), [
    ("1,234", ".", "1234.00"),  # three digits after a lone non-decimal mark: grouping
    ("1,234,567", ".", "1234567.00"),
    ("1.234", ",", "1234.00"),
    ("1,234", ",", None),  # "," is the decimal mark here, so three decimals
    ("1.234", ".", None),
    ("12.345", ",", "12345.00"),
])
def test_a_lone_mark_is_read_by_the_locale(typed: str, symbol: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(InvalidAmount) as error:
            parse_amount(typed, decimal_symbol=symbol)
        assert error.value.message == TWO_DECIMALS
    else:
        assert parse_amount(typed, decimal_symbol=symbol) == Decimal(expected)


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Amount is required."),
    ("   ", "Amount is required."),
    ("1" * 101, "Amount is too long."),
    ("abc", NOT_A_NUMBER),
    ("NaN", NOT_A_NUMBER),
    ("inf", NOT_A_NUMBER),
    ("Infinity", NOT_A_NUMBER),
    ("1e309", NOT_A_NUMBER),
    ("1e5", NOT_A_NUMBER),
    (".5", NOT_A_NUMBER),
    ("12.345", TWO_DECIMALS),
    ("-5", NOT_POSITIVE),
    ("0", NOT_POSITIVE),
    ("0.00", NOT_POSITIVE),
    ("5-10", NOT_POSITIVE),
    ("5-5", NOT_POSITIVE),
    ("12..5", BAD_DIGITS),
    ("1,2,3", BAD_DIGITS),
    ("1.2.3", BAD_DIGITS),
    ("12 5", BAD_DIGITS),  # a space typed for the decimal mark is not grouping
    ("12.50 3", BAD_DIGITS),
    ("1 2 3", BAD_DIGITS),
    ("1234 567", BAD_DIGITS),
    ("12.50+", NOT_A_NUMBER),
    ("+", NOT_A_NUMBER),
    ("12.50*3", NOT_A_NUMBER),
    ("(1+2)", NOT_A_NUMBER),
    ("999999999999.999", TWO_DECIMALS),
    ("1000000000000", TOO_LARGE),
    ("999999999999.99+0.01", TOO_LARGE),
    ("__import__('os')", NOT_A_NUMBER),
    ("__import__('os').system('true')", NOT_A_NUMBER),
    (Decimal("NaN"), NOT_A_NUMBER),
    (Decimal("Infinity"), NOT_A_NUMBER),
    (Decimal("1E+5"), NOT_A_NUMBER),
    (Decimal("12.345"), TWO_DECIMALS),
    (Decimal("-1"), NOT_POSITIVE),
    (0, NOT_POSITIVE),
    (-3, NOT_POSITIVE),
    (10**20, TOO_LARGE),
    (12.5, NOT_TEXT),
    (0.1, NOT_TEXT),
    (float("nan"), NOT_TEXT),
    (True, NOT_TEXT),
    (False, NOT_TEXT),
    (None, NOT_TEXT),
    (["12"], NOT_TEXT),
    ({"amount": "12"}, NOT_TEXT),
    (b"12", NOT_TEXT),
])
def test_parse_amount_refuses_with_a_clear_message(typed: Any, message: str) -> None:
    with pytest.raises(InvalidAmount) as error:
        parse_amount(typed)
    assert error.value.message == message
    assert error.value.field == "amount"


def test_parse_amount_never_evaluates_its_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_: object) -> None:
        raise AssertionError("eval must never run")

    monkeypatch.setattr("builtins.eval", forbidden)
    monkeypatch.setattr("builtins.exec", forbidden)
    with pytest.raises(InvalidAmount):
        parse_amount("__import__('os')")
    assert parse_amount("1+2") == Decimal("3.00")


@pytest.mark.parametrize("symbol", [".", ","])
def test_whole_number_currency(symbol: str) -> None:
    assert parse_amount("1200", precision=0, decimal_symbol=symbol) == Decimal("1200")
    assert str(parse_amount("12+3", precision=0, decimal_symbol=symbol)) == "15"
    grouped = "1,234" if symbol == "." else "1.234"
    assert parse_amount(grouped, precision=0, decimal_symbol=symbol) == Decimal("1234")
    for typed in ("12.5", "12,5", "1.5+1.5"):
        with pytest.raises(InvalidAmount) as error:
            parse_amount(typed, precision=0, decimal_symbol=symbol)
        assert error.value.message == "Amount must be a whole number in this currency."


@pytest.mark.parametrize("symbol", [".", ","])
def test_three_decimal_currency(symbol: str) -> None:
    assert str(parse_amount("12.345", precision=3, decimal_symbol=".")) == "12.345"
    assert str(parse_amount("12,345", precision=3, decimal_symbol=",")) == "12.345"
    assert str(parse_amount("1.5", precision=3, decimal_symbol=symbol)) == "1.500"
    assert str(parse_amount("1.234,567", precision=3, decimal_symbol=symbol)) == "1234.567"
    with pytest.raises(InvalidAmount) as error:
        parse_amount("1.2345", precision=3, decimal_symbol=".")
    assert error.value.message == "Amount must have at most 3 decimals."
    with pytest.raises(InvalidAmount) as error:
        parse_amount("999999999999.999", precision=3, decimal_symbol=".")
    assert error.value.message == TOO_LARGE


def test_check_amount_quantizes_and_guards() -> None:
    assert str(check_amount(Decimal("12.500"))) == "12.50"
    assert str(check_amount(Decimal("7"), 3)) == "7.000"
    assert check_amount(MAX_AMOUNT) == MAX_AMOUNT
    with pytest.raises(InvalidAmount) as error:
        check_amount(Decimal("sNaN"))
    assert error.value.message == "Amount must be a finite number."
    with pytest.raises(InvalidAmount) as error:
        check_amount(Decimal("-Infinity"))
    assert error.value.message == "Amount must be a finite number."


@pytest.mark.parametrize(("amount", "precision", "minor"), [
    (Decimal("12.34"), 2, 1234),
    (Decimal("0.01"), 2, 1),
    (Decimal("999999999999.99"), 2, 99999999999999),
    (Decimal("1234"), 0, 1234),
    (Decimal("1.234"), 3, 1234),
    (Decimal("0.005"), 2, 0),  # half-even: to the even neighbour
    (Decimal("0.015"), 2, 2),
    (Decimal("0.025"), 2, 2),
    (Decimal("0.0251"), 2, 3),
    (Decimal("2.5"), 0, 2),
    (Decimal("3.5"), 0, 4),
    (Decimal("1.0005"), 3, 1000),
    (Decimal("1.0015"), 3, 1002),
])
def test_to_minor_rounds_half_even_once(amount: Decimal, precision: int, minor: int) -> None:
    assert to_minor(amount, precision) == minor


@pytest.mark.parametrize(("minor", "precision", "text"), [
    (1234, 2, "12.34"), (5, 2, "0.05"), (100, 2, "1.00"), (-5, 2, "-0.05"),
    (1234, 0, "1234"), (1234, 3, "1.234"), (5, 3, "0.005"),
])
def test_from_minor_is_exact(minor: int, precision: int, text: str) -> None:
    assert str(from_minor(minor, precision)) == text
    assert to_text(minor, precision) == text
    assert to_minor(from_minor(minor, precision), precision) == minor


def test_currency_facts_come_from_babel() -> None:
    assert [precision_of(c) for c in ("EUR", "USD", "JPY", "BHD", "KWD")] == [2, 2, 0, 3, 3]
    assert decimal_symbol_for("en") == "."
    assert decimal_symbol_for("pt") == ","


@pytest.mark.parametrize(("minor", "currency", "locale", "shown"), [
    (123456, "EUR", "en", "€1,234.56"),
    (123456, "USD", "en", "$1,234.56"),
    (123456, "JPY", "en", "¥123,456"),
    (5, "EUR", "en", "€0.05"),
    (1234567, "BHD", "en", "BHD1,234.567"),
    (123456, "EUR", "pt", "€\u00a01.234,56"),
    (123456, "USD", "pt", "US$\u00a01.234,56"),
    (123456, "JPY", "pt", "JP¥\u00a0123.456"),
    (5, "EUR", "pt", "€\u00a00,05"),
    (123456, "EUR", "pt_PT", "1\u00a0234,56\u00a0€"),
])
def test_format_money(minor: int, currency: str, locale: str, shown: str) -> None:
    assert format_money(minor, currency, locale) == shown


def test_formatted_money_parses_back() -> None:
    for locale in ("en", "pt", "pt_PT"):
        shown = format_money(123456, "EUR", locale)
        digits = "".join(c for c in shown if c.isdigit() or c in ".,\u00a0")
        parsed = parse_amount(digits.strip("\u00a0"), decimal_symbol=decimal_symbol_for(locale))
        assert parsed == Decimal("1234.56")


amounts = st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2,
                      allow_nan=False, allow_infinity=False)


@given(amounts)
def test_parse_and_minor_units_round_trip(amount: Decimal) -> None:
    assert parse_amount(str(amount)) == amount
    assert parse_amount(str(amount).replace(".", ","), decimal_symbol=",") == amount
    assert from_minor(to_minor(amount)) == amount
    assert str(from_minor(to_minor(amount))) == str(amount.quantize(Decimal("0.01")))
