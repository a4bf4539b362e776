"""The Import page's columns step for CSV and XLSX: the guessed mapping, the live preview,
nonsense mappings, bank profiles, real-world and own-export files, and Portuguese."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from ourmoney.services import household
from ourmoney.services.book import Book
from tests.support.fixtures import require
from tests.web.api_support import add, counts
from tests.web.import_support import BANK_CSV, confirm, form_of, review_url, upload
from tests.web.test_pages import soup, texts, token

SAME_ID = "same id already in the ledger"
SAME_FINGERPRINT = "same date, amount and description already imported"



def selected(page: BeautifulSoup, name: str) -> list[str]:
    """Return the value chosen in each select called `name` of the mapping form."""
    chosen = [select.select_one("option[selected]")
              for select in page.select(f"#mapping select[name={name}]")]
    return [str(option["value"]) if option else "" for option in chosen]


def preview_rows(page: BeautifulSoup) -> list[list[str]]:
    """Return the preview table's cells, row by row, without the line number."""
    return [[" ".join(td.get_text().split()) for td in row.select("td")[1:]]
            for row in page.select("#preview-rows tbody tr")]


def htmx_preview(client: FlaskClient, url: str, **changes: Any) -> BeautifulSoup:
    """Change mapping fields as the live preview does and return the re-rendered preview."""
    values = form_of(client, url) | {name: value if isinstance(value, list) else [value]
                                     for name, value in changes.items()}
    response = client.post(f"{url.split('?')[0]}/preview", data=values,
                           headers={"HX-Request": "true", "X-CSRF-Token": token(client)})
    assert response.status_code == 200
    return soup(response)


def test_a_bank_csv_shows_the_guessed_columns_the_sample_and_the_preview(
        client: FlaskClient, book: Book) -> None:
    before = counts(book)
    page = soup(client.get(review_url(client, "bank.csv", BANK_CSV.encode())))
    assert texts(page, "#import-format option[selected]") == ["CSV (detected)"]
    assert texts(page, "#mapping-source") == [
        "OurMoney guessed which column is which: check the preview below and change what"
        " is wrong."]
    assert texts(page, "#map-date option")[1:] == ["1. Date", "2. Payee", "3. Memo", "4. Amount"]
    assert (selected(page, "date"), selected(page, "description"), selected(page, "amount"),
            selected(page, "notes"), selected(page, "decimal"), selected(page, "date_format")) \
        == (["0"], ["1", "", ""], ["3"], ["2", ""], [","], ["%d.%m.%Y"])
    assert texts(page, ".sample-rows tbody tr:first-child td") == ["03.02.2025", "Bakery",
                                                                   "bread", "-2,40"]
    assert preview_rows(page) == [
        ["Feb 3, 2025", "Bakery", "−€2.40", "automatic", "new"],
        ["Feb 4, 2025", "Employer", "+€1,500.00", "automatic", "new"],
        ["Feb 5, 2025", "Cinema", "−€9.00", "automatic", "new"]]
    assert counts(book) == before


def test_changing_a_column_re_renders_only_the_preview(client: FlaskClient,
                                                       book: Book) -> None:
    url = review_url(client, "bank.csv", BANK_CSV.encode())
    before = counts(book)
    part = htmx_preview(client, url, description=["1", "2", ""], invert="on")
    assert part.select("html body > h1") == [] and part.select("#mapping") == []
    assert preview_rows(part) == [
        ["Feb 3, 2025", "Bakery - bread", "+€2.40", "automatic", "new"],
        ["Feb 4, 2025", "Employer - salary", "−€1,500.00", "automatic", "new"],
        ["Feb 5, 2025", "Cinema", "+€9.00", "automatic", "new"]]
    wrong = htmx_preview(client, url, amount="1")
    assert texts(wrong, "#preview-counts li") == ["0 new", "0 duplicates", "3 errors"]
    assert texts(wrong, "#preview-rows td.status")[0].startswith("error ")
    assert counts(book) == before


def test_without_script_the_update_button_shows_the_whole_page(client: FlaskClient) -> None:
    url = review_url(client, "bank.csv", BANK_CSV.encode())
    values = form_of(client, url) | {"invert": ["on"]}
    page = soup(client.post(f"{url}/preview", data=values))
    assert page.select_one("#mapping input[name=invert][checked]") is not None
    assert texts(page, "#preview-counts li")[0] == "3 new"
    assert preview_rows(page)[1][2] == "−€1,500.00"


@pytest.mark.parametrize(("changes", "message"), [
    ({"date": "9"}, "The file has 4 columns, so there is no column 10."),
    ({"date": "abc"}, "Choose a column of the file for the date."),
    ({"date": ""}, "Choose the date column."),
    ({"debit": "2"}, "Choose either one amount column or debit and credit columns, not both."),
    ({"amount": ""}, "Choose the amount column, or the debit and credit columns."),
    ({"direction": "2"}, "Say which words of the direction column mean money out (for example"
                         " Af, D or Debit)."),
    ({"decimal": ";"}, "The decimal mark must be a point or a comma."),
    ({"date_format": "%Q"}, "The date format '%Q' is not one OurMoney can read (for example"
                            " YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY:MM:DD, YYYYMMDD,"
                            " DD.MM.YYYY)."),
    ({"kept": "{broken"}, "The form was changed in a way OurMoney cannot read; reload the page."),
    ({"kept": '{"fee": 99}'}, "The file has 4 columns, so there is no column 100."),
])
def test_a_nonsense_mapping_is_explained_and_imports_nothing(
        client: FlaskClient, book: Book, changes: dict[str, str], message: str) -> None:
    url = review_url(client, "bank.csv", BANK_CSV.encode())
    before = counts(book)
    part = htmx_preview(client, url, **changes)
    assert texts(part, "#preview-error") == [message]
    assert part.select("#preview-rows") == []
    values = form_of(client, url) | {name: [value] for name, value in changes.items()}
    refused = client.post(f"{url}/confirm", data=values)
    assert refused.status_code == 400
    assert texts(soup(refused), "#preview-error") == [message]
    assert counts(book) == before


def test_a_saved_bank_profile_is_used_for_the_next_file_of_that_shape(
        client: FlaskClient, book: Book) -> None:
    url = review_url(client, "january.csv", BANK_CSV.encode())
    result = soup(confirm(client, url, description=["1", "2", ""], notes=["", ""],
                          profile="  My   Bank "))
    assert texts(result, "#result-counts li")[0] == "3 added (total +€1,488.60)"
    later = BANK_CSV.replace("02.2025", "03.2025").encode()
    page = soup(client.get(review_url(client, "february.csv", later)))
    assert texts(page, "#mapping-source") == ["Using the saved bank profile “My Bank”."]
    assert (selected(page, "description"), selected(page, "notes")) == (["1", "2", ""],
                                                                         ["", ""])
    assert [row[1] for row in preview_rows(page)] == ["Bakery - bread", "Employer - salary",
                                                      "Cinema"]


def test_a_profile_name_that_is_too_long_is_refused(client: FlaskClient, book: Book) -> None:
    url = review_url(client, "bank.csv", BANK_CSV.encode())
    values = form_of(client, url) | {"profile": ["x" * 61]}
    refused = client.post(f"{url}/confirm", data=values)
    assert refused.status_code == 400
    assert texts(soup(refused), "#preview-error") == [
        "A bank profile name has at most 60 characters."]
    assert counts(book)["transactions"] == 0


def test_the_real_world_csv_imports_and_then_is_all_duplicates(client: FlaskClient,
                                                               book: Book) -> None:
    data = (require() / "csv" / "actual_payee_memo.csv").read_bytes()
    result = soup(confirm(client, review_url(client, "actual_payee_memo.csv", data)))
    assert texts(result, "#result-counts li")[0] == "4 added (total −€100.00)"
    page = soup(client.get(review_url(client, "actual_payee_memo.csv", data)))
    assert texts(page, "#preview-counts li") == ["0 new", "4 duplicates", "0 errors"]
    assert texts(page, "#preview-rows td.status") == [f"duplicate {SAME_FINGERPRINT}"] * 4
    assert counts(book)["transactions"] == 4


def test_binary_garbage_named_csv_is_a_clear_error(client: FlaskClient, book: Book) -> None:
    page = soup(client.get(review_url(client, "garbage.csv", bytes(range(256)) * 8)))
    assert texts(page, "#preview-error") == [
        "This file is not a text table (CSV): it holds binary data."]
    assert page.select("#preview-rows") == []
    assert counts(book)["transactions"] == 0


def test_the_import_steps_speak_portuguese(client: FlaskClient, book: Book) -> None:
    household.save_preferences(book, language="pt")
    page = soup(client.get("/import"))
    assert texts(page, "nav a[aria-current=page]") == ["Importar"]
    assert texts(page, "#recent-imports p") == ["Ainda não há importações."]
    refused = soup(upload(client, "empty.csv", b""))
    assert texts(refused, "#upload-error") == ["O ficheiro está vazio."]
    url = review_url(client, "bank.csv", BANK_CSV.encode())
    review = soup(client.get(url))
    assert texts(review, "#preview-counts li") == ["3 novas", "0 duplicadas", "0 erros"]
    assert [row[2] for row in preview_rows(review)] == ["−2,40 €", "+1 500,00 €", "−9,00 €"]
    result = soup(confirm(client, url))
    assert texts(result, "#import-job h2") == ["Importação concluída"]
    assert texts(result, "#result-counts li")[0] == "3 adicionadas (total +1 488,60 €)"
    again = soup(client.get(review_url(client, "bank.csv", BANK_CSV.encode())))
    assert texts(again, "#preview-rows td.status")[0] == (
        "duplicada a mesma data, valor e descrição já foram importados")


@pytest.mark.parametrize("ext", ["xlsx", "csv", "json"])
def test_our_own_export_comes_back_as_duplicates_by_id(client: FlaskClient, book: Book,
                                                       ext: str) -> None:
    add(client, description="=cmd()", amount="3.40", occurred_on="2025-03-02", category="Food")
    add(client, description="Salary", type="income", amount="1000", occurred_on="2025-03-01")
    exported = client.get(f"/export.{ext}").get_data()
    page = soup(client.get(review_url(client, f"ourmoney.{ext}", exported)))
    assert texts(page, "#import-format option[selected]") == [f"{ext.upper()} (detected)"]
    assert texts(page, "#preview-counts li") == ["0 new", "2 duplicates", "0 errors"]
    assert texts(page, "#preview-rows td.description") == ["=cmd()", "Salary"]
    assert texts(page, "#preview-rows td.status") == [f"duplicate {SAME_ID}"] * 2
