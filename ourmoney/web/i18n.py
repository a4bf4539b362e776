"""Languages and formats: Flask-Babel with English and Portuguese, amounts formatted by Babel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Flask, request
from flask_babel import Babel, get_locale, gettext

from ourmoney.errors import Message, OurMoneyError
from ourmoney.money import decimal_symbol_for
from ourmoney.resources import resource_dir
from ourmoney.services import household
from ourmoney.web import context

SUPPORTED = ("en", "pt")
# The Portuguese catalog is European Portuguese, so amounts and dates follow Portugal
# ("12,50 €", "05/03/2026"); Babel's plain "pt" would format them the Brazilian way.
FORMAT_LOCALES = {"pt": "pt_PT"}


def init_app(app: Flask) -> None:
    """Attach Babel and the template helpers."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(resource_dir("translations"))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "en")


def select_locale() -> str:
    """Use the language chosen in Settings, else the browser's preference, else English."""
    chosen = household.preferences(context.book()).language
    if chosen in SUPPORTED:
        return chosen
    return request.accept_languages.best_match(SUPPORTED) or "en"


def translated(message: object) -> str:
    """Return a message for a page in the current language: an error's, with its values, or text.

    Use this, not `_(message)`, for messages made at run time: Jinja's `_()` marks its result
    safe and %-formats it, so a value someone typed (a name with "<" or "%") would break out.
    Text not in the catalog (already translated, say) comes back unchanged.
    """
    if isinstance(message, OurMoneyError | Message):
        return message.translated(gettext)
    return str(gettext(str(message))) if message else ""


def money(amount: Decimal, currency: str) -> str:
    """Format an amount in the household currency for the current language."""
    from babel.numbers import format_currency

    return str(format_currency(amount, currency, locale=format_locale()))


def day(value: date) -> str:
    """Format a date for the current language."""
    from babel.dates import format_date

    return str(format_date(value, "medium", locale=format_locale()))


def decimal_symbol() -> str:
    """Return the decimal mark people type in the current language."""
    return decimal_symbol_for(format_locale())


def format_locale() -> str:
    """Return the locale whose conventions format numbers and dates in the current language."""
    language = str(get_locale() or "en")
    return FORMAT_LOCALES.get(language, language)
