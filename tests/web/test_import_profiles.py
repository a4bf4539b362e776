"""The Bank profiles page and API: list what each profile reads, rename, delete (after a
confirmation); hostile names stay text, a taken name or a missing profile changes nothing."""

from __future__ import annotations

from flask.testing import FlaskClient

from ourmoney.services import household
from ourmoney.services.book import Book
from ourmoney.services.importing.profiles import get_profile, list_profiles, save_profile
from ourmoney.services.importing.table import ColumnMapping
from tests.web.api_support import API
from tests.web.import_support import BANK_CSV, confirm, review_url
from tests.web.test_pages import post, soup, texts, token

HOSTILE = "<img src=x onerror=alert(1)> =HYPERLINK(\"http://x\")"
MAPPING = ColumnMapping(date=0, description=[1, 2], amount=3, decimal=",")


def _names(book: Book) -> list[str]:
    return [profile.name for profile in list_profiles(book)]


def test_the_import_page_links_to_the_profiles_page_which_lists_them(client: FlaskClient,
                                                                      book: Book) -> None:
    link = soup(client.get("/import")).select_one("#profiles-link")
    assert link is not None and link["href"] == "/import/profiles"
    assert texts(soup(client.get("/import/profiles")), "#no-profiles")[0].startswith(
        "No bank profiles yet.")
    confirm(client, review_url(client, "bank.csv", BANK_CSV.encode()), profile="My Bank")
    page = soup(client.get("/import/profiles"))
    assert texts(page, "nav a[aria-current=page]") == ["Import"]
    assert texts(page, ".profile-name") == ["My Bank"]
    assert [[" ".join(d.get_text().split()) for d in item.select("dt, dd")]
            for item in page.select(".profile-columns")] == [
        ["Date", "1. Date", "Description", "2. Payee", "Amount", "4. Amount",
         "Notes", "3. Memo"]]
    assert texts(page, ".profile-what small")[0].startswith("Saved ")


def test_rename_and_delete_and_the_profile_still_applies(client: FlaskClient,
                                                         book: Book) -> None:
    save_profile(book, "Old", "header:4:abc", MAPPING, ["Date", "Payee", "Memo", "Amount"])
    response = post(client, "/import/profiles/rename", name="Old", new_name=f"  {HOSTILE} ")
    assert response.status_code == 303
    assert _names(book) == [HOSTILE]
    assert get_profile(book, HOSTILE) == MAPPING
    page = soup(client.get("/import/profiles"))
    assert texts(page, ".profile-name") == [HOSTILE]
    assert page.select(".profile-name img") == []
    assert texts(page, ".flash") == [f"Bank profile renamed to {HOSTILE}."]
    confirm_button = page.select_one(".profile-delete button")
    assert confirm_button is not None and confirm_button.get_text() == f"Delete {HOSTILE}"
    assert post(client, "/import/profiles/delete", name=HOSTILE).status_code == 303
    assert _names(book) == []
    assert texts(soup(client.get("/import/profiles")), ".flash") == [
        f"Bank profile {HOSTILE} deleted."]


def test_renaming_to_a_taken_name_or_nothing_is_refused_and_changes_nothing(
        client: FlaskClient, book: Book) -> None:
    save_profile(book, "Giro", "header:4:abc", MAPPING)
    save_profile(book, "Savings", "header:4:def", MAPPING)
    taken = post(client, "/import/profiles/rename", name="Giro", new_name=" Savings ")
    assert taken.status_code == 409
    page = soup(taken)
    assert texts(page, "#profiles-error") == ["There is already a bank profile called Savings."]
    assert page.select_one("#profile-1 details.profile-rename[open]") is not None
    empty = post(client, "/import/profiles/rename", name="Giro", new_name="   ")
    assert (empty.status_code, texts(soup(empty), "#profiles-error")) == (
        400, ["Name is required."])
    too_long = post(client, "/import/profiles/rename", name="Giro", new_name="x" * 61)
    assert too_long.status_code == 400
    gone = post(client, "/import/profiles/delete", name="Nope")
    assert (gone.status_code, texts(soup(gone), "#profiles-error")) == (
        404, ["There is no bank profile called Nope."])
    assert _names(book) == ["Giro", "Savings"]
    assert post(client, "/import/profiles/delete", name="Giro",
                csrf_token="forged").status_code == 403
    assert _names(book) == ["Giro", "Savings"]


def test_the_profiles_page_speaks_portuguese(client: FlaskClient, book: Book) -> None:
    household.save_preferences(book, language="pt")
    save_profile(book, "Giro", "header:4:abc", MAPPING)
    save_profile(book, "Savings", "header:4:def", MAPPING)
    page = soup(post(client, "/import/profiles/rename", name="Giro", new_name="Savings"))
    assert texts(page, "h1") == ["Perfis bancários"]
    assert texts(page, "#profiles-error") == ["Já existe um perfil bancário chamado Savings."]
    assert texts(page, "#profile-1 .profile-columns dt") == ["Data", "Descrição", "Valor"]


def test_the_api_lists_renames_and_deletes_profiles(client: FlaskClient, book: Book) -> None:
    save_profile(book, "a/b <x>", "header:4:abc", MAPPING, ["Date", "Payee", "Memo", "Amount"])
    save_profile(book, "Other", "header:4:def", MAPPING)
    listed = client.get(f"{API}/import-profiles").get_json()["items"]
    assert [p["name"] for p in listed] == ["a/b <x>", "Other"]
    assert listed[0]["columns"] == [{"role": "Date", "columns": "1. Date"},
                                    {"role": "Description", "columns": "2. Payee, 3. Memo"},
                                    {"role": "Amount", "columns": "4. Amount"}]
    assert listed[0]["sheet"] is None
    headers = {"X-CSRF-Token": token(client)}
    renamed = client.patch(f"{API}/import-profiles/a/b <x>", json={"name": "=SUM(A1)"},
                           headers=headers)
    assert (renamed.status_code, renamed.get_json()["name"]) == (200, "=SUM(A1)")
    taken = client.patch(f"{API}/import-profiles/Other", json={"name": "=SUM(A1)"},
                         headers=headers)
    assert (taken.status_code, taken.get_json()) == (
        409, {"error": "There is already a bank profile called =SUM(A1).", "field": "name"})
    wrong = client.patch(f"{API}/import-profiles/Other", json={"name": 5}, headers=headers)
    assert (wrong.status_code, wrong.get_json()["error"]) == (400, "Name must be text.")
    assert client.delete(f"{API}/import-profiles/Nope", headers=headers).status_code == 404
    assert client.delete(f"{API}/import-profiles/Other", headers=headers).status_code == 204
    assert _names(book) == ["=SUM(A1)"]
