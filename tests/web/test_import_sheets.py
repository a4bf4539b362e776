"""The Import page for a workbook with several sheets: choose the sheet, preview it, import it,
save it in the bank profile; a sheet the workbook lacks is a clear error and imports nothing."""

from __future__ import annotations

from flask.testing import FlaskClient

from ourmoney.services.book import Book
from ourmoney.services.importing.profiles import list_profiles
from tests.services.importing.test_xlsx_sheets import THREE, workbook
from tests.web.api_support import counts
from tests.web.import_support import confirm, form_of, review_url
from tests.web.test_pages import soup, texts


def test_the_sheet_choice_defaults_to_the_first_table_and_changes_the_preview(
        client: FlaskClient, book: Book) -> None:
    url = review_url(client, "book.xlsx", THREE)
    page = soup(client.get(url))
    assert texts(page, "#import-sheet option") == ["Summary", "Giro", "Savings"]
    assert texts(page, "#import-sheet option[selected]") == ["Giro"]
    assert texts(page, "#preview-rows td.description") == ["Bakery", "Salary"]
    savings = soup(client.get(f"{url}?format=xlsx&sheet=Savings"))
    assert texts(savings, "#import-sheet option[selected]") == ["Savings"]
    assert texts(savings, "#preview-rows td.description") == ["Interest", "Transfer out",
                                                              "<b>Bonus</b>"]
    assert savings.select("#preview-rows td.description b") == []
    hidden = savings.select_one("#import-form input[name=sheet]")
    assert hidden is not None and hidden["value"] == "Savings"
    assert counts(book)["transactions"] == 0


def test_the_chosen_sheet_is_imported_and_saved_in_the_profile(client: FlaskClient,
                                                               book: Book) -> None:
    url = review_url(client, "book.xlsx", THREE)
    result = soup(confirm(client, f"{url}?format=xlsx&sheet=Savings", profile="Savings <b>"))
    assert texts(result, "#result-counts li")[0] == "3 added (total −€95.75)"
    assert [(p.name, p.sheet) for p in list_profiles(book)] == [("Savings <b>", "Savings")]
    again = soup(client.get(review_url(client, "april.xlsx", THREE)))
    assert texts(again, "#import-sheet option[selected]") == ["Savings"]
    assert texts(again, "#mapping-source") == ["Using the saved bank profile “Savings <b>”."]
    assert texts(again, "#preview-counts li") == ["0 new", "3 duplicates", "0 errors"]


def test_an_unknown_sheet_is_a_clear_error_and_imports_nothing(client: FlaskClient,
                                                               book: Book) -> None:
    url = review_url(client, "book.xlsx", THREE)
    page = soup(client.get(f"{url}?sheet=Nope"))
    assert texts(page, "#preview-error") == [
        "The workbook has no sheet called Nope; its sheets are Summary, Giro, Savings."]
    values = form_of(client, url) | {"sheet": ["<img src=x>"]}
    refused = client.post(f"{url}/confirm", data=values)
    assert refused.status_code == 400
    assert texts(soup(refused), "#preview-error") == [
        "The workbook has no sheet called <img src=x>; its sheets are Summary, Giro, Savings."]
    assert soup(refused).select("#preview-error img") == []
    assert counts(book)["transactions"] == 0


def test_a_one_sheet_workbook_shows_no_sheet_choice(client: FlaskClient) -> None:
    data = workbook({"Export": [["Date", "Description", "Amount"], ["2025-01-02", "Tea", -2]]})
    page = soup(client.get(review_url(client, "one.xlsx", data)))
    assert page.select("#import-sheet") == []
    assert page.select("#import-form input[name=sheet]") == []
