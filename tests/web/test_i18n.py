"""Translations: the catalogs are complete and compiled, pages speak the reader's language,
the API speaks English."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from ourmoney import errors
from ourmoney.errors import OurMoneyError, Term
from ourmoney.services import household, ledger, members, validation
from ourmoney.services.book import Book

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES = ("pt",)
UPDATE_HINT = "see docs/translations.md: extract, update, translate, compile"


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


def _plain(html: str) -> str:
    """Return page text with the no-break spaces Babel puts in amounts made ordinary."""
    return html.replace("\u00a0", " ").replace("\u202f", " ")


# --- The catalogs ------------------------------------------------------------------------


def test_template_lists_every_message_in_the_sources() -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = {message if isinstance(message, str) else tuple(message)
             for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map,
                                                          keywords=keywords)}
    assert found == _ids(_catalog(POT)), f"messages.pot is out of date ({UPDATE_HINT})"


def test_every_error_default_message_is_in_the_template() -> None:
    ids = _ids(_catalog(POT))
    pending = [OurMoneyError]
    while pending:
        error = pending.pop()
        pending += error.__subclasses__()
        if error.__module__ == errors.__name__ and error.__doc__:
            assert error.__doc__.strip() in ids, f"wrap {error.__name__}'s __doc__ in N_"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = _catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    assert _ids(_catalog(POT)) <= _ids(catalog), f"run pybabel update ({UPDATE_HINT})"
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{message.id!r} is not translated into {language}"
        assert not message.fuzzy, f"{message.id!r} is fuzzy in {language}: check it"
    problems = [(message.id, [str(e) for e in found]) for message, found in catalog.check()]
    assert problems == [], "placeholders must match the English ones"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_po_file(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(folder / "messages.po", language))
    assert compiled.getvalue() == (folder / "messages.mo").read_bytes(), \
        f"messages.mo is stale: run pybabel compile -d translations ({UPDATE_HINT})"


# --- Errors: English text, translated where shown ------------------------------------------


def test_error_message_stays_english_and_translates_with_its_values() -> None:
    words = {"%(label)s is required.": "O campo «%(label)s» é obrigatório.",
             "Description": "Descrição"}

    def gettext(text: str) -> str:
        return words.get(text, text)

    error = OurMoneyError("%(label)s is required.", field="description",
                          label=Term("Description"))
    assert str(error) == error.message == "Description is required."
    assert error.translated(gettext) == "O campo «Descrição» é obrigatório."
    assert OurMoneyError("100% sure").translated(gettext) == "100% sure"
    assert errors.InvalidDate().message == "Date must be a real calendar date written YYYY-MM-DD."


# --- Pages and API -----------------------------------------------------------------------




def _add(book: Book, amount: str, description: str = "Pão") -> None:
    draft = validation.draft({"description": description, "amount": amount, "type": "expense",
                              "occurred_on": "2026-03-05"}, precision=2, today=date(2026, 3, 5))
    ledger.add_transaction(book, draft)


def _token(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def _new_form(client: FlaskClient, language: str, **values: str) -> tuple[int, str]:
    """Post the new-transaction form as a client in `language` would."""
    headers = {"Accept-Language": language}
    token = _token(client.get("/transactions/new", headers=headers).get_data(as_text=True))
    form = {"description": "Pão", "type": "expense", "amount": "2,50",
            "occurred_on": "2026-03-05", "csrf_token": token} | values
    response = client.post("/transactions", data=form, headers=headers)
    return response.status_code, response.get_data(as_text=True)


def test_list_page_speaks_portuguese_with_portuguese_amounts(client: FlaskClient,
                                                            book: Book) -> None:
    _add(book, "12.50")
    page = _plain(client.get("/", headers={"Accept-Language": "pt-PT,pt;q=0.9"})
                  .get_data(as_text=True))
    assert '<html lang="pt">' in page
    for word in ("Transações", "Categorias", "Membros", "Definições", "Receita", "Despesa",
                 "Saldo"):
        assert word in page
    assert "12,50 €" in page
    assert "05/03/2026" in page
    assert "Transactions" not in page


def test_list_page_speaks_english_otherwise(client: FlaskClient, book: Book) -> None:
    _add(book, "12.50")
    page = client.get("/", headers={"Accept-Language": "fr,en;q=0.5"}).get_data(as_text=True)
    assert "Transactions" in page and "€12.50" in page
    assert "Transações" not in page


def test_settings_language_overrides_the_browser(client: FlaskClient,
                                                 book: Book) -> None:
    household.save_preferences(book, language="en")
    page = client.get("/", headers={"Accept-Language": "pt"}).get_data(as_text=True)
    assert "Transactions" in page and "Transações" not in page

    headers = {"Accept-Language": "en"}
    token = _token(client.get("/settings", headers=headers).get_data(as_text=True))
    response = client.post("/settings", data={"language": "pt", "currency": "EUR",
                                               "csrf_token": token},
                            headers=headers, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert household.preferences(book).language == "pt"
    assert "Definições guardadas." in page and "Transações" in page


def test_form_error_is_shown_in_portuguese(client: FlaskClient) -> None:
    status, page = _new_form(client, "pt", amount="abc")
    assert status == 400
    assert "O valor tem de ser um número, como 12,34, ou uma soma, como 12,50+3." in page
    assert "Amount must be" not in page


def test_form_errors_with_values_are_translated_and_escaped(client: FlaskClient) -> None:
    status, page = _new_form(client, "pt", description="")
    assert status == 400 and "O campo «Descrição» é obrigatório." in page

    status, page = _new_form(client, "pt", member="<b>Zé</b> 100%")
    assert status == 400
    assert "Não há nenhum membro chamado &lt;b&gt;Zé&lt;/b&gt; 100%." in page
    assert "<b>Zé</b>" not in page

    status, page = _new_form(client, "pt", amount="1,234")
    assert status == 400 and "O valor pode ter no máximo 2 casas decimais." in page

    status, page = _new_form(client, "en", amount="1.234")
    assert status == 400 and "Amount must have at most 2 decimals." in page


def test_flashed_messages_are_translated(client: FlaskClient, book: Book) -> None:
    members.add_member(book, "Ana")
    headers = {"Accept-Language": "pt"}
    token = _token(client.get("/members", headers=headers).get_data(as_text=True))
    page = client.post("/members", data={"name": "Ana", "csrf_token": token}, headers=headers,
                        follow_redirects=True).get_data(as_text=True)
    assert "Já existe um membro chamado Ana." in page

    status, page = _new_form(client, "pt")
    assert status == 303
    assert "Transação guardada." in client.get("/", headers=headers).get_data(as_text=True)


def test_error_page_is_translated(client: FlaskClient) -> None:
    response = client.get("/transactions/missing/edit", headers={"Accept-Language": "pt"})
    assert response.status_code == 404
    assert "Essa transação não existe." in response.get_data(as_text=True)
    response = client.get("/no/such/page", headers={"Accept-Language": "pt"})
    assert response.status_code == 404
    assert "Não há nada neste endereço." in response.get_data(as_text=True)
    client.get("/members", headers={"Accept-Language": "pt"})  # a session, so a client
    response = client.post("/members", data={"name": "Rui"}, headers={"Accept-Language": "pt"})
    assert response.status_code == 403
    assert "O formulário expirou; recarregue a página" in response.get_data(as_text=True)


def test_api_errors_stay_english(client: FlaskClient, book: Book) -> None:
    household.save_preferences(book, language="pt")
    response = client.post("/api/v1/transactions", headers={"Accept-Language": "pt"},
                            json={"description": "Pão", "amount": "abc", "type": "expense"})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Amount must be a number such as 12.34 or a sum such as 12.50+3.",
        "field": "amount"}
    response = client.get("/api/v1/transactions/missing", headers={"Accept-Language": "pt"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "That transaction does not exist."
