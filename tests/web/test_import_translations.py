"""The Import pages show the readers' and the column form's messages in Portuguese, values
filled in and escaped; the API keeps them in English."""

from __future__ import annotations

from flask.testing import FlaskClient

from ourmoney.services import household
from ourmoney.services.book import Book
from tests.web.api_support import counts
from tests.web.import_support import confirm, form_of, review_url
from tests.web.test_api_imports import send
from tests.web.test_pages import soup, texts, token

BAD_CSV = ("date,description,amount\n"
           "2025-02-30,Impossible,-1.00\n"
           "2024-01-05,Letters,<b>x</b>\n"
           "2024-01-06,Coffee,-2.50\n"
           "2024-01-07,Tea,-1.50\n")
NO_HEADER = "2024-01-06;Coffee;-2,50\n2024-01-07;Tea;-1,50\n"


def _portuguese(book: Book) -> None:
    household.save_preferences(book, language="pt")


def test_preview_problems_are_portuguese_and_hostile_values_stay_text(
        client: FlaskClient, book: Book) -> None:
    _portuguese(book)
    page = soup(client.get(review_url(client, "bad.csv", BAD_CSV.encode())))
    assert texts(page, "#problems li") == [
        "Linha 2: A data '2025-02-30' não existe no calendário.",
        "Linha 3: O campo valor '<b>x</b>' não é um número."]
    assert page.select("#problems li b") == []  # shown as text, not markup
    assert texts(page, "#preview-rows td.status")[:2] == [
        "erro A data '2025-02-30' não existe no calendário.",
        "erro O campo valor '<b>x</b>' não é um número."]
    assert counts(book)["transactions"] == 0


def test_the_refused_import_result_lists_problems_in_portuguese(client: FlaskClient,
                                                                book: Book) -> None:
    _portuguese(book)
    url = review_url(client, "bad.csv", BAD_CSV.encode())
    result = soup(confirm(client, url))
    assert texts(result, "#import-job h2") == ["Nada foi importado"]
    assert texts(result, "#problems li")[1] == (
        "Linha 3: O campo valor '<b>x</b>' não é um número.")
    assert counts(book)["transactions"] == 0


def test_a_mapping_error_and_the_guess_doubts_are_portuguese(client: FlaskClient,
                                                             book: Book) -> None:
    _portuguese(book)
    url = review_url(client, "plain.csv", NO_HEADER.encode())
    page = soup(client.get(url))
    assert texts(page, "#mapping-doubts li") == [
        "O ficheiro não tem linha de cabeçalho; verifique qual é cada coluna."]
    values = form_of(client, url) | {"date": ["abc"]}
    refused = client.post(f"{url}/confirm", data=values)
    assert refused.status_code == 400
    assert texts(soup(refused), "#preview-error") == [
        "Escolha uma coluna do ficheiro para a data."]
    values = form_of(client, url) | {"amount": [""], "debit": [""], "credit": [""]}
    part = client.post(f"{url}/preview", data=values,
                       headers={"HX-Request": "true", "X-CSRF-Token": token(client)})
    assert texts(soup(part), "#preview-error") == [
        "Escolha a coluna do valor, ou as colunas de débito e de crédito."]
    assert counts(book)["transactions"] == 0


def test_a_broken_statement_is_explained_in_portuguese(client: FlaskClient, book: Book) -> None:
    _portuguese(book)
    page = soup(client.get(review_url(client, "bank.ofx", b"OFXHEADER:100\n<OFX>\n")))
    assert texts(page, "#problems li") == [
        "Linha 2: O ficheiro está incompleto: termina antes de </OFX>."]
    page = soup(client.get(review_url(client, "book.xlsx", b"PK\x03\x04 broken")))
    assert texts(page, "#preview-error") == [
        "Isto não é um livro XLSX que o OurMoney consiga ler (um ficheiro .xls antigo?"
        " guarde-o como .xlsx)."]


def test_the_api_keeps_reader_problems_in_english(client: FlaskClient, book: Book) -> None:
    _portuguese(book)
    _, body = send(client, "bank.ofx", b"OFXHEADER:100\n<OFX>\n", dry_run="true")
    assert body["problems"] == [
        {"line": 2, "message": "The file is cut short: it ends before </OFX>."}]


def test_seed_json_problems_are_portuguese(client: FlaskClient, book: Book) -> None:
    _portuguese(book)
    seed = (b'[{"id": "1", "description": "Bread", "type": "outcome", "price": "abc",'
            b' "createdAt": "2025-01-20T14:03:11.123Z"},'
            b' {"id": "2", "description": "Leite", "type": "gift", "price": 1.5,'
            b' "createdAt": "2025-01-20T14:03:11.123Z"}, 7]')
    page = soup(client.get(review_url(client, "seed.json", seed)))
    assert texts(page, "#problems li") == [
        "Linha 1: Transação 1: price tem de ser um número, não 'abc'.",
        "Linha 2: Transação 2: type tem de ser income ou outcome, não 'gift'.",
        "Linha 3: Transação 3 não é um objeto JSON."]
    assert counts(book)["transactions"] == 0
