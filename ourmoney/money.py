"""Exact money: parse what people type, store integer minor units, format per locale."""

from __future__ import annotations

import locale as system_locale
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.core import parse_locale
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_decimal_symbol,
    get_territory_currencies,
)

from ourmoney.errors import N_, InvalidAmount

# Larger amounts are typos, and keep every SUM of a ledger inside SQLite's 64-bit integers.
MAX_AMOUNT = Decimal("999999999999.99")
_TERM = re.compile(r"\s*([+-]?)\s*([0-9][0-9.,' \u00a0\u202f]*)\s*")
# Space-like grouping must make thousands groups: "1 234,56" is one amount, "12 5" a typo.
_SPACED = re.compile(r"[0-9]{1,3}(?:[' \u00a0\u202f][0-9]{3})+(?:[.,][0-9]*)?|[^' \u00a0\u202f]*")


def precision_of(currency: str) -> int:
    """Return how many decimals the currency's minor unit has."""
    return int(get_currency_precision(currency))


def to_minor(amount: Decimal, precision: int = 2) -> int:
    """Convert an exact amount to integer minor units."""
    return int(amount.scaleb(precision).to_integral_value(ROUND_HALF_EVEN))


def from_minor(minor: int, precision: int = 2) -> Decimal:
    """Convert integer minor units back to an exact amount."""
    return Decimal(minor).scaleb(-precision).quantize(Decimal(1).scaleb(-precision))


def to_text(minor: int, precision: int = 2) -> str:
    """Return the wire form of an amount: a plain decimal string such as "-12.34"."""
    if precision == 0:
        return str(minor)
    # Integer arithmetic, not Decimal: exports call this once per row.
    whole, part = divmod(abs(minor), 10 ** precision)
    return f"{'-' if minor < 0 else ''}{whole}.{part:0{precision}d}"


def parse_amount(text: object, *, precision: int = 2, decimal_symbol: str = ".") -> Decimal:
    """Parse a typed amount such as "12.50", "12,50" or "12.50+3" into a positive Decimal."""
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        raise InvalidAmount(N_("Amount must be written as text such as \"12.34\"."), field="amount")
    raw = str(text).strip()
    if not raw:
        raise InvalidAmount(N_("Amount is required."), field="amount")
    if len(raw) > 100:
        raise InvalidAmount(N_("Amount is too long."), field="amount")
    total = sum((_term(sign, digits, precision, decimal_symbol) for sign, digits in _terms(raw)),
                Decimal(0))
    return check_amount(total, precision)


def check_amount(amount: Decimal, precision: int = 2) -> Decimal:
    """Return the amount if it is positive, finite, sane and has at most `precision` decimals."""
    if not amount.is_finite():
        raise InvalidAmount(N_("Amount must be a finite number."), field="amount")
    if amount <= 0:
        raise InvalidAmount(N_(
            "Amount must be greater than zero; choose Expense or Income for the direction."),
            field="amount")
    if amount > MAX_AMOUNT:
        raise InvalidAmount(N_("Amount is too large."), field="amount")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > precision:
        raise _too_many_decimals(precision)
    return amount.quantize(Decimal(1).scaleb(-precision))


def _too_many_decimals(precision: int) -> InvalidAmount:
    if precision == 0:
        return InvalidAmount(N_("Amount must be a whole number in this currency."), field="amount")
    return InvalidAmount(N_("Amount must have at most %(n)s decimals."), field="amount",
                         n=precision)


def _terms(raw: str) -> list[tuple[str, str]]:
    """Split "12.50+3-1" into signed terms, refusing anything else (never eval)."""
    terms: list[tuple[str, str]] = []
    position = 0
    while position < len(raw):
        match = _TERM.match(raw, position)
        if not match or match.end() == position or (terms and not match.group(1)):
            raise InvalidAmount(
                N_("Amount must be a number such as 12.34 or a sum such as 12.50+3."),
                field="amount")
        terms.append((match.group(1), match.group(2)))
        position = match.end()
    return terms


def _term(sign: str, digits: str, precision: int, decimal_symbol: str) -> Decimal:
    try:
        value = Decimal(_normalise(digits, decimal_symbol))
    except InvalidOperation:
        raise InvalidAmount(N_("Amount must be a number such as 12.34."),
                            field="amount") from None
    if -value.as_tuple().exponent > precision:  # type: ignore[operator]
        raise _too_many_decimals(precision)
    return -value if sign == "-" else value


def _normalise(digits: str, decimal_symbol: str) -> str:
    """Turn "1.234,56", "1,234.56", "12,50" into "1234.56"-style text."""
    if not _SPACED.fullmatch(digits.strip()):
        raise InvalidOperation
    text = re.sub(r"[' \u00a0\u202f]", "", digits)
    marks = [c for c in text if c in ".,"]
    if not marks:
        return text
    if len(set(marks)) == 2:
        decimal = text[max(text.rfind("."), text.rfind(","))]
    elif len(marks) > 1:
        decimal = ""  # "1.234.567": the repeated mark can only be grouping
    else:
        decimal = _single_mark(text, marks[0], decimal_symbol)
    # With no decimal mark every mark is grouping ("1,234" in English, "1.234" in Portuguese).
    grouping = ("," if decimal == "." else ".") if decimal else marks[0]
    if decimal and text.count(decimal) > 1:
        raise InvalidOperation
    whole, _, fraction = text.partition(decimal) if decimal else (text, "", "")
    if grouping in whole and not re.fullmatch(r"\d{1,3}(" + re.escape(grouping) + r"\d{3})+",
                                             whole):
        raise InvalidOperation
    return whole.replace(grouping, "") + ("." + fraction if decimal else "")


def _single_mark(text: str, mark: str, decimal_symbol: str) -> str:
    """Decide whether a lone "." or "," is the decimal mark: three digits after it mean grouping."""
    after = len(text) - text.index(mark) - 1
    if after == 3 and mark != decimal_symbol:
        return ""
    return mark


def decimal_symbol_for(locale: str) -> str:
    """Return the decimal mark people type in this locale."""
    return str(get_decimal_symbol(locale))


def format_money(minor: int, currency: str, locale: str) -> str:
    """Format minor units for display, for example "€ 12,34" or "$12.34"."""
    amount = from_minor(minor, precision_of(currency))
    return str(format_currency(amount, currency, locale=locale))


def default_currency() -> str:
    """Guess the household currency from the system locale; euro when it says nothing."""
    name = system_locale.getlocale()[0] or ""
    try:  # the name's own territory: the binary carries the data of the app's languages only
        territory = parse_locale(name)[1] if name else None
    except ValueError:
        territory = None
    found = get_territory_currencies(territory) if territory else []
    return found[0] if found else "EUR"
