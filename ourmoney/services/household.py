"""Household preferences kept on this device: currency, language and who "me" is."""

from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import list_currencies

from ourmoney.errors import N_, Conflict, InvalidInput
from ourmoney.money import default_currency, precision_of
from ourmoney.services import members
from ourmoney.services.book import Book, login_name

LANGUAGES = {"auto": N_("Automatic"), "en": N_("English"), "pt": N_("Português")}


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


def save_preferences(book: Book, *, currency: object = None, language: object = None,
                     me: object = None) -> Preferences:
    """Change any of the preferences after checking them."""
    updates: dict[str, str] = {}
    if currency is not None:
        updates["currency"] = _currency(book, currency)
    if language is not None:
        if not isinstance(language, str) or language not in LANGUAGES:
            raise InvalidInput(N_("Language must be one of: %(choices)s."), field="language",
                               choices=", ".join(LANGUAGES))
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
    everyone = members.list_members(book, counts=False)
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
        raise InvalidInput(N_("Currency must be an ISO 4217 code such as EUR or USD."),
                           field="currency")
    current = preferences(book).currency
    has_data = book.store.value("SELECT 1 FROM transactions LIMIT 1")
    if has_data and precision_of(code) != precision_of(current):
        raise Conflict(N_("%(code)s has a different number of decimals than %(current)s; it"
                          " cannot replace it once transactions are recorded."),
                       field="currency", code=code, current=current)
    return code
