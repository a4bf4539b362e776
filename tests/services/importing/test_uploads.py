"""Uploads waiting to be imported (stored under a random token, limited, forgotten after a day)
and the imports running in the background."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from ourmoney.errors import InvalidInput, NotFound, OurMoneyError
from ourmoney.services.book import Book
from ourmoney.services.importing import jobs, uploads
from ourmoney.services.importing.rows import ImportSummary
from ourmoney.services.importing.uploads import UploadTooLarge


def test_an_upload_is_stored_under_a_token_with_its_name_and_format(tmp_path: Path) -> None:
    stored = uploads.save_upload(tmp_path, "C:\\Users\\ana\\bank\x07.csv", io.BytesIO(b"a;b\n"))
    assert (stored.name, stored.size, stored.detected) == ("bank.csv", 4, "csv")
    assert stored.path.parent == tmp_path / "uploads"
    assert oct(stored.path.stat().st_mode & 0o777) == "0o600"
    found = uploads.open_upload(tmp_path, stored.token)
    assert found == stored
    with found.open() as stream:
        assert stream.read() == b"a;b\n"
    uploads.remove_upload(found)
    assert list((tmp_path / "uploads").iterdir()) == []
    with pytest.raises(NotFound, match="That upload is no longer here"):
        uploads.open_upload(tmp_path, stored.token)


@pytest.mark.parametrize("token", ["", "../secret", "a" * 10, "x/../../y" * 3, "a" * 65])
def test_a_token_that_is_not_one_finds_nothing(tmp_path: Path, token: str) -> None:
    with pytest.raises(NotFound):
        uploads.open_upload(tmp_path, token)


def test_too_large_empty_and_unreadable_files_leave_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(UploadTooLarge) as too_big:
        uploads.save_upload(tmp_path, "big.csv", io.BytesIO(b"x" * 2049), limit=2048)
    assert too_big.value.status == 413
    assert uploads.too_large(3 * 1024 * 1024).message == (
        "The file is larger than 3 MB. Import it with the command line instead:"
        " ourmoney import FILE")
    with pytest.raises(InvalidInput, match=r"^The file is empty\.$"):
        uploads.save_upload(tmp_path, "empty.csv", io.BytesIO(b""))
    with pytest.raises(InvalidInput, match="not a bank statement"):
        uploads.save_upload(tmp_path, "noise.bin", io.BytesIO(bytes(range(256))))
    assert list((tmp_path / "uploads").iterdir()) == []
    assert uploads.save_upload(tmp_path, "ok.csv", io.BytesIO(b"x" * 2048), limit=2048).size \
        == 2048


def test_uploads_older_than_a_day_are_cleaned_away(tmp_path: Path) -> None:
    old = uploads.save_upload(tmp_path, "old.json", io.BytesIO(b"[]"))
    for path in (old.path, old.path.with_suffix(".json")):
        os.utime(path, (time.time() - 25 * 3600,) * 2)
    fresh = uploads.save_upload(tmp_path, "new.json", io.BytesIO(b"[]"))  # cleans on the way
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == sorted(
        [fresh.path.name, fresh.path.with_suffix(".json").name])
    assert uploads.clean_uploads(tmp_path, max_age=0) == 2
    assert uploads.clean_uploads(tmp_path / "nowhere") == 0


@pytest.mark.parametrize(("given", "chosen"), [(None, None), ("", None), ("auto", None),
                                                (" CSV ", "csv"), ("mt940", "mt940")])
def test_the_format_choice(given: str | None, chosen: str | None) -> None:
    assert uploads.format_choice(given) == chosen


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        uploads.format_choice("pdf")
    assert (refused.value.message, refused.value.field) == (
        "Format must be auto or one of json, csv, xlsx, ofx, qif, camt, mt940.", "format")


def _summary() -> ImportSummary:
    return ImportSummary(batch_id="b", format="json", source="x.json")


def test_a_background_job_finishes_and_keeps_its_result(book: Book) -> None:
    running = jobs.ImportJobs()
    job = running.start(book, "token", 10, lambda job: _summary(), background=True)
    assert job.finished.wait(5)
    assert (job.summary, job.failure, job.percent, job.refused) == (_summary(), None, 100,
                                                                    False)
    again = running.start(book, "token", 10, lambda job: _summary(), background=False)
    assert again is job  # a second confirm does not import twice


def test_a_failed_job_says_why_and_may_be_retried(book: Book) -> None:
    running = jobs.ImportJobs()

    def broken(job: jobs.ImportJob) -> ImportSummary:
        raise RuntimeError("bug")

    def refused(job: jobs.ImportJob) -> ImportSummary:
        raise OurMoneyError("The file is not a CSV.")

    job = running.start(book, "token", 10, broken, background=False)
    assert job.refused and job.failure is not None
    assert job.failure.message == "The import stopped unexpectedly; nothing was imported."
    retried = running.start(book, "token", 10, refused, background=False)
    assert retried is not job and retried.failure is not None
    assert retried.failure.message == "The file is not a CSV."
    assert running.get("token") is retried and running.get("other") is None


def test_progress_follows_the_file_being_read(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 1000)
    job = jobs.ImportJob("token", 1000)
    assert job.percent == 0
    with path.open("rb", buffering=0) as stream:  # the position is what the OS has handed out
        job.watch(stream)
        stream.read(250)
        assert job.percent == 25
        stream.read()
        assert job.percent == 99  # read, but not finished writing
    job.finished.set()
    assert job.percent == 100
