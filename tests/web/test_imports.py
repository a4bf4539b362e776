"""The Import page, step by step: upload, detected format, dry-run preview, confirm, progress,
result, undo, recent imports; and every way an upload can be wrong (nothing changes then).
The columns step of CSV and XLSX files is in test_import_columns.py."""

from __future__ import annotations

import io
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage

from ourmoney.services.book import Book
from tests.web.api_support import counts
from tests.web.import_support import (
    SEED,
    confirm,
    form_of,
    multipart,
    review_url,
    seed_json,
    upload,
    waiting_uploads,
)
from tests.web.test_pages import post, soup, texts, token

SAME_ID = "same id already in the ledger"


def test_the_import_page_offers_an_upload_and_is_in_the_menu(client: FlaskClient) -> None:
    page = soup(client.get("/import"))
    assert texts(page, "nav a[aria-current=page]") == ["Import"]
    form = page.select_one("#upload-form")
    assert form is not None and form["enctype"] == "multipart/form-data"
    assert form["data-max-bytes"] == str(50 * 1024 * 1024)
    assert form.select_one("input[name=csrf_token]") is not None
    assert [o["value"] for o in form.select("select[name=format] option")] == [
        "auto", "json", "csv", "xlsx", "ofx", "qif", "camt", "mt940"]
    assert texts(page, "#recent-imports p") == ["No imports yet."]


def test_an_upload_shows_the_detected_format_and_a_dry_run_that_writes_nothing(
        app: Flask, client: FlaskClient, book: Book) -> None:
    before = counts(book)
    url = review_url(client, "seed.json", seed_json())
    page = soup(client.get(url))
    assert texts(page, "#upload-name") == ["seed.json"]
    assert texts(page, "#import-format option[selected]") == ["JSON (detected)"]
    assert texts(page, "#preview-counts li") == ["3 new", "0 duplicates", "0 errors"]
    rows = page.select("#preview-rows tbody tr")
    assert [[" ".join(td.get_text().split()) for td in row.select("td")] for row in rows] == [
        ["1", "Jan 20, 2025", "Coffee", "−€2.50", "Food", "new"],
        ["2", "Jan 21, 2025", "Salary", "+€1,000.00", "Work", "new"],
        ["3", "Jan 22, 2025", "Rent", "−€700.50", "Home", "new"]]
    assert page.select("#mapping") == []  # JSON needs no columns
    assert counts(book) == before
    assert len(waiting_uploads(app)) == 2  # the file and what it is called


def test_confirm_imports_shows_the_result_and_lists_the_batch(app: Flask, client: FlaskClient,
                                                                book: Book) -> None:
    url = review_url(client, "seed.json", seed_json())
    result = soup(confirm(client, url))
    assert texts(result, "#import-job h2") == ["Import finished"]
    assert texts(result, "#result-counts li") == ["3 added (total +€297.00)",
                                                  "0 duplicates skipped", "0 errors"]
    assert result.select_one("#undo-import") is not None
    listed = soup(client.get("/"))
    assert texts(listed, "li.txn .txn-description") == ["Rent", "Salary", "Coffee"]
    assert waiting_uploads(app) == []  # imported, so forgotten
    recent = soup(client.get("/import"))
    assert texts(recent, ".batch-source") == ["seed.json"]
    assert texts(recent, ".batch-counts") == ["3 added"]
    assert counts(book)["transactions"] == 3


def test_confirming_twice_imports_once(client: FlaskClient, book: Book) -> None:
    url = review_url(client, "seed.json", seed_json())
    values = form_of(client, url)
    first = client.post(f"{url}/confirm", data=values)
    second = client.post(f"{url}/confirm", data=values)
    assert first.headers["Location"] == second.headers["Location"] == f"{url}/result"
    assert counts(book)["transactions"] == 3
    assert len(soup(client.get("/import")).select(".batch")) == 1


def test_the_same_file_twice_is_all_duplicates_with_the_reason(client: FlaskClient,
                                                                book: Book) -> None:
    confirm(client, review_url(client, "seed.json", seed_json()))
    before = counts(book)
    url = review_url(client, "seed.json", seed_json())
    page = soup(client.get(url))
    assert texts(page, "#preview-counts li") == ["0 new", "3 duplicates", "0 errors"]
    assert texts(page, "#preview-rows td.status") == [f"duplicate {SAME_ID}"] * 3
    result = soup(confirm(client, url))
    assert texts(result, "#result-counts li") == ["0 added", "3 duplicates skipped", "0 errors"]
    assert texts(result, "#result-reasons li") == [f"3 · {SAME_ID}"]
    assert result.select("#undo-import") == []
    assert counts(book) == before


def test_undo_from_the_result_removes_the_rows_and_marks_the_batch(client: FlaskClient,
                                                                   book: Book) -> None:
    result = soup(confirm(client, review_url(client, "seed.json", seed_json())))
    undo = result.select_one(".result-undo")
    assert undo is not None
    response = post(client, str(undo["action"]))
    assert (response.status_code, response.headers["Location"]) == (303, "/import")
    page = soup(client.get("/import"))
    assert texts(page, ".flash:not([hidden])") == ["Import undone: 3 transactions removed."]
    assert texts(page, ".batch .undone-badge") == ["undone"]
    assert page.select(".batch-undo") == []
    assert soup(client.get("/")).select("li.txn") == []
    again = post(client, str(undo["action"]))
    assert texts(soup(client.get(again.headers["Location"])), ".flash-error:not([hidden])") == [
        "That import was already undone."]


def test_recent_imports_each_have_an_undo(client: FlaskClient) -> None:
    confirm(client, review_url(client, "first.json", seed_json(SEED[:1])))
    confirm(client, review_url(client, "second.json", seed_json(SEED[1:])))
    page = soup(client.get("/import"))
    assert texts(page, ".batch-source") == ["second.json", "first.json"]
    forms = page.select(".batch-undo")
    assert len(forms) == 2
    post(client, str(forms[1]["action"]))
    assert texts(soup(client.get("/")), "li.txn .txn-description") == ["Rent", "Salary"]


def test_invalid_rows_are_listed_and_nothing_is_imported_unless_skipped(
        client: FlaskClient, book: Book) -> None:
    rows = [*SEED[:2], {**SEED[2], "price": "lots"}]
    url = review_url(client, "bad.json", seed_json(rows))
    page = soup(client.get(url))
    assert texts(page, "#preview-counts li") == ["2 new", "0 duplicates", "1 error"]
    assert texts(page, "#problems li") == [
        "Line 3: Transaction 3: price must be a number, not 'lots'."]
    before = counts(book)
    refused = soup(confirm(client, url))
    assert texts(refused, "#import-job h2") == ["Nothing was imported"]
    assert texts(refused, "#result-counts li")[0] == "0 added"
    assert counts(book) == before
    back = refused.select_one("#import-job a[href^='/import/']")
    assert back is not None and back["href"] == url.split("?")[0]
    done = soup(confirm(client, url, skip_invalid="on"))
    assert texts(done, "#result-counts li") == ["2 added (total +€997.50)",
                                                "0 duplicates skipped", "1 error"]
    assert counts(book)["transactions"] == 2


def test_a_big_file_runs_in_the_background_with_a_progress_bar(app: Flask, client: FlaskClient,
                                                               book: Book) -> None:
    app.config["IMPORT_BACKGROUND_BYTES"] = 0
    url = review_url(client, "seed.json", seed_json())
    first = soup(confirm(client, url))
    job = first.select_one("#import-job")
    assert job is not None
    progress_url = f"{url.split('?')[0]}/progress"
    deadline = time.monotonic() + 10
    while job.get("hx-get") and time.monotonic() < deadline:
        assert job["hx-get"] == progress_url and job["hx-trigger"] == "every 1s"
        assert job.select_one("progress[max='100']") is not None
        time.sleep(0.05)
        job = soup(client.get(progress_url)).select_one("#import-job")
        assert job is not None
    assert texts(job, "h2") == ["Import finished"]
    assert texts(job, "#result-counts li")[0] == "3 added (total +€297.00)"
    assert counts(book)["transactions"] == 3


def test_the_format_can_be_overridden(client: FlaskClient, book: Book) -> None:
    url = review_url(client, "seed.json", seed_json(), format="qif")
    assert url.endswith("?format=qif")
    page = soup(client.get(url))
    assert texts(page, "#import-format option[selected]") == ["QIF"]
    assert texts(page, "#preview-counts li")[2] == "1 error"
    again = soup(client.get(url.replace("format=qif", "format=json")))
    assert texts(again, "#preview-counts li")[0] == "3 new"


# --- Bad uploads: a clear message, nothing stored, nothing imported -----------------------


@pytest.mark.parametrize(("name", "data", "form", "status", "message"), [
    ("", b"", {}, 400, "Choose a file to import."),
    ("empty.csv", b"", {}, 400, "The file is empty."),
    ("garbage.bin", bytes(range(256)) * 8, {}, 400,
     "This file is not a bank statement OurMoney can read."),
    ("seed.json", seed_json(), {"format": "pdf"}, 400,
     "Format must be auto or one of json, csv, xlsx, ofx, qif, camt, mt940."),
])
def test_a_bad_upload_says_why_and_stores_nothing(app: Flask, client: FlaskClient, book: Book,
                                                  name: str, data: bytes, form: dict[str, str],
                                                  status: int, message: str) -> None:
    before = counts(book)
    response = upload(client, name, data, **form)
    assert response.status_code == status
    assert texts(soup(response), "#upload-error") == [message]
    assert waiting_uploads(app) == []
    assert counts(book) == before


@pytest.mark.parametrize("extra", [1, 70 * 1024])
def test_a_file_over_the_limit_is_refused_with_the_limit_and_the_way_out(
        app: Flask, client: FlaskClient, book: Book, extra: int) -> None:
    app.config["UPLOAD_LIMIT"] = 1024 * 1024
    before = counts(book)
    response = upload(client, "big.csv", b"x" * (1024 * 1024 + extra))
    assert response.status_code == 413
    assert texts(soup(response), "#upload-error") == [
        "The file is larger than 1 MB. Import it with the command line instead:"
        " ourmoney import FILE"]
    assert waiting_uploads(app) == []
    assert counts(book) == before


def test_a_file_at_the_limit_is_taken(app: Flask, client: FlaskClient) -> None:
    app.config["UPLOAD_LIMIT"] = 1024 * 1024
    response = upload(client, "seed.json", seed_json().ljust(1024 * 1024))
    assert response.status_code == 303


def test_an_upload_without_the_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    token(client)  # the browser now holds a session
    response = multipart(client, "/import",
                         {"file": FileStorage(io.BytesIO(seed_json()), "seed.json")})
    assert response.status_code == 403
    assert waiting_uploads(app) == []


def test_confirm_and_undo_need_the_csrf_token(client: FlaskClient, book: Book) -> None:
    url = review_url(client, "seed.json", seed_json())
    values = form_of(client, url)
    del values["csrf_token"]
    assert client.post(f"{url}/confirm", data=values).status_code == 403
    assert counts(book)["transactions"] == 0
    result = soup(confirm(client, url))
    undo = result.select_one(".result-undo")
    assert undo is not None
    assert client.post(str(undo["action"])).status_code == 403
    assert counts(book)["transactions"] == 3


def test_an_unknown_upload_or_result_is_a_clear_404(client: FlaskClient) -> None:
    for path in ("/import/no-such-upload-token-here", "/import/../../secret.key",
                 "/import/AAAAAAAAAAAAAAAAAAAAAAAA/result"):
        response = client.get(path)
        assert response.status_code == 404
    page = soup(client.get("/import/AAAAAAAAAAAAAAAAAAAAAAAA"))
    assert texts(page, "article.notice p")[0] == (
        "That upload is no longer here; upload the file again.")

