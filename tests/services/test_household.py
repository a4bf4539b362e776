"""ourmoney.services.household: currency, language and who "me" is."""

from __future__ import annotations

import locale
from decimal import Decimal
from pathlib import Path

import babel.localedata
import pytest

from ourmoney.errors import Conflict, InvalidInput, NotFound
from ourmoney.services import household, ledger, members
from ourmoney.services.book import Book, open_book
from ourmoney.services.household import Preferences
from tests.support.books import draft, ledger_at


@pytest.mark.parametrize(("system", "currency"), [
    (("pt_PT", "UTF-8"), "EUR"), (("en_US", "UTF-8"), "USD"), (("ja_JP", "UTF-8"), "JPY"),
    (("en_GB", "UTF-8"), "GBP"), ((None, None), "EUR"), (("C", "UTF-8"), "EUR"),
    (("en", "UTF-8"), "EUR"), (("xx_garbage", None), "EUR"),
])
def test_default_currency_follows_the_system_locale(
        monkeypatch: pytest.MonkeyPatch, system: tuple[str | None, str | None],
        currency: str) -> None:
    monkeypatch.setattr(locale, "getlocale", lambda *_: system)
    assert household.default_currency() == currency


def test_default_currency_needs_no_locale_data(monkeypatch: pytest.MonkeyPatch) -> None:
    # The binary carries Babel's data for the app's own languages only (ourmoney.spec).
    monkeypatch.setattr(locale, "getlocale", lambda *_: ("de_CH", "UTF-8"))
    monkeypatch.setattr(babel.localedata, "load", lambda *_: pytest.fail("read locale data"))
    monkeypatch.setattr(babel.localedata, "exists", lambda *_: False)
    assert household.default_currency() == "CHF"


def test_preferences_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locale, "getlocale", lambda *_: ("pt_PT", "UTF-8"))
    book = open_book(tmp_path / "fresh.sqlite3")
    try:
        prefs = household.preferences(book)
        assert prefs == Preferences(currency="EUR", language="auto", me=None)
        assert prefs.precision == 2
    finally:
        book.close()


def test_currency_is_pinned_when_the_ledger_is_created(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locale, "getlocale", lambda *_: ("en_US", "UTF-8"))
    book = open_book(tmp_path / "fresh.sqlite3")
    ledger.add_transaction(book, draft(amount="12.50"))
    book.close()
    monkeypatch.setattr(locale, "getlocale", lambda *_: ("ja_JP", "UTF-8"))
    book = open_book(tmp_path / "fresh.sqlite3")
    try:
        assert household.preferences(book).currency == "USD"
        assert ledger.get_transaction(book, only_transaction_id(book)).amount == Decimal("12.50")
    finally:
        book.close()


def only_transaction_id(book: Book) -> str:
    return str(book.store.value("SELECT id FROM transactions"))


def test_save_and_read_back(book: Book) -> None:
    ana = members.add_member(book, "Ana")
    saved = household.save_preferences(book, currency=" usd ", language="pt", me=ana.id)
    assert saved == Preferences(currency="USD", language="pt", me=ana.id)
    assert household.preferences(book) == saved
    assert household.save_preferences(book) == saved  # nothing given: nothing changes


@pytest.mark.parametrize("currency", ["", "euro", "XYZ", 978, None, "EU"])
def test_currency_must_be_iso_4217(book: Book, currency: object) -> None:
    if currency is None:
        assert household.save_preferences(book, currency=currency).currency == "EUR"
        return
    with pytest.raises(InvalidInput) as error:
        household.save_preferences(book, currency=currency)
    assert error.value.message == "Currency must be an ISO 4217 code such as EUR or USD."
    assert household.preferences(book).currency == "EUR"


def test_currency_precision_is_fixed_once_there_is_data(tmp_path: Path) -> None:
    with ledger_at(tmp_path / "l.sqlite3") as book:
        assert household.save_preferences(book, currency="JPY").precision == 0
        assert household.save_preferences(book, currency="EUR").precision == 2
        txn = ledger.add_transaction(book, draft(amount="12.50"))
        ledger.delete_transaction(book, txn.id)  # a tombstone still holds minor units
        assert household.save_preferences(book, currency="USD").currency == "USD"
        for code, places in (("JPY", "decimals"), ("KWD", "decimals")):
            with pytest.raises(Conflict) as error:
                household.save_preferences(book, currency=code)
            assert error.value.message == (
                f"{code} has a different number of {places} than USD; it cannot replace it"
                " once transactions are recorded.")
        assert household.preferences(book).currency == "USD"


@pytest.mark.parametrize("language", ["fr", "EN", "", ["en"], 1])
def test_language_must_be_offered(book: Book, language: object) -> None:
    with pytest.raises(InvalidInput) as error:
        household.save_preferences(book, language=language)
    assert error.value.message == "Language must be one of: auto, en, pt."
    assert error.value.field == "language"
    assert household.preferences(book).language == "auto"


def test_me_must_be_a_member(book: Book) -> None:
    with pytest.raises(NotFound):
        household.save_preferences(book, me="nobody")


def test_ensure_me_creates_one_member_once(book: Book,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(household, "login_name", lambda: "Dana")
    first = household.ensure_me(book)
    assert household.ensure_me(book) == first
    assert [(m.id, m.name) for m in members.list_members(book)] == [(first, "Dana")]
    assert household.preferences(book).me == first


def test_ensure_me_picks_an_existing_member(book: Book) -> None:
    bo = members.add_member(book, "Bo")
    members.add_member(book, "Zoe")
    assert household.ensure_me(book) == bo.id
    assert len(members.list_members(book)) == 2
