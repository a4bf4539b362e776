"""Languages and formats: Flask-Babel with English and Portuguese, amounts formatted by Babel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Flask, request
from flask_babel import Babel, format_date, get_locale

from ourmoney.money import decimal_symbol_for
from ourmoney.resources import resource_dir
from ourmoney.services import household
from ourmoney.web import context

SUPPORTED = ("en", "pt")


def init_app(app: Flask) -> None:
    """Attach Babel and the template helpers."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(resource_dir("translations"))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["day"] = day
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "en")


def select_locale() -> str:
    """Use the language chosen in Settings, else the browser's preference, else English."""
    chosen = household.preferences(context.book()).language
    if chosen in SUPPORTED:
        return chosen
    return request.accept_languages.best_match(SUPPORTED) or "en"


def money(amount: Decimal, currency: str) -> str:
    """Format an amount in the household currency for the current language."""
    from babel.numbers import format_currency

    return str(format_currency(amount, currency, locale=str(get_locale() or "en")))


def day(value: date) -> str:
    """Format a date for the current language."""
    return str(format_date(value, "medium"))


def decimal_symbol() -> str:
    """Return the decimal mark people type in the current language."""
    return decimal_symbol_for(str(get_locale() or "en"))
