"""Household preferences kept on this device: currency, language and who "me" is."""

from __future__ import annotations

import locale as system_locale
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.numbers import get_territory_currencies, list_currencies

from ourmoney.errors import Conflict, InvalidInput
from ourmoney.money import precision_of
from ourmoney.services import members
from ourmoney.services.book import Book, login_name

LANGUAGES = {"auto": "Automatic", "en": "English", "pt": "Português"}


@dataclass(frozen=True)
class Preferences:
    """What this device shows and assumes."""

    currency: str
    language: str
    me: str | None

    @property
    def precision(self) -> int:
        """Return the decimals of the household currency."""
        return precision_of(self.currency)


def preferences(book: Book) -> Preferences:
    """Return the saved preferences, with defaults for those never set."""
    saved = dict(book.store.rows("SELECT key, value FROM setting"))
    return Preferences(currency=saved.get("currency") or default_currency(),
                       language=saved.get("language", "auto"), me=saved.get("me"))


def default_currency() -> str:
    """Guess the household currency from the system locale; euro when it says nothing."""
    name = system_locale.getlocale()[0] or ""
    try:
        territory = Locale.parse(name).territory if name else None
    except (ValueError, UnknownLocaleError):
        territory = None
    found = get_territory_currencies(territory) if territory else []
    return found[0] if found else "EUR"


def save_preferences(book: Book, *, currency: object = None, language: object = None,
                     me: object = None) -> Preferences:
    """Change any of the preferences after checking them."""
    updates: dict[str, str] = {}
    if currency is not None:
        updates["currency"] = _currency(book, currency)
    if language is not None:
        if language not in LANGUAGES:
            raise InvalidInput("Language must be one of: " + ", ".join(LANGUAGES) + ".",
                               field="language")
        updates["language"] = str(language)
    if me is not None:
        updates["me"] = members.get_member(book, str(me)).id
    with book.write() as cursor:
        cursor.executemany("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key)"
                           " DO UPDATE SET value = excluded.value", list(updates.items()))
    return preferences(book)


def ensure_me(book: Book) -> str:
    """Make sure "me" names a member, creating the first one from the login name."""
    current = preferences(book).me
    if current and members.resolve(book, current):
        return current
    everyone = members.list_members(book)
    if everyone:
        chosen = everyone[0].id
    else:
        with book.write() as cursor:
            chosen = members.insert(book, cursor, login_name()).id
    save_preferences(book, me=chosen)
    return chosen


def _currency(book: Book, value: object) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in list_currencies():
        raise InvalidInput("Currency must be an ISO 4217 code such as EUR or USD.",
                           field="currency")
    current = preferences(book).currency
    has_data = book.store.value("SELECT 1 FROM transactions LIMIT 1")
    if has_data and precision_of(code) != precision_of(current):
        raise Conflict(f"{code} has a different number of decimals than {current}; it cannot"
                       " replace it once transactions are recorded.", field="currency")
    return code
