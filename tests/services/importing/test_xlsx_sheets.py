"""Workbooks with several sheets: the first sheet with a table by default, the sheet a person
names (the page, the API's mapping, `--sheet`), the sheet a bank profile was saved for; an
unknown sheet is a clear error and reads nothing."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from ourmoney.errors import InvalidInput
from ourmoney.services.book import Book
from ourmoney.services.importing import profiles, xlsx_source
from ourmoney.services.importing.formats import ReadOptions
from ourmoney.services.importing.rows import RowProblem
from ourmoney.services.importing.table import inspect
from tests.services.importing.table_files import import_with, problems, rows, stored
from tests.test_cli_files import ourmoney

HEADER = ["Date", "Description", "Amount"]
GIRO = [["2025-03-01", "Bakery", -2.5], ["2025-03-02", "Salary", 1500]]
SAVINGS = [["2025-03-05", "Interest", 1.25], ["2025-03-06", "Transfer out", -100],
           ["2025-03-07", "<b>Bonus</b>", 3]]


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """Build a workbook with one sheet per entry, in order."""
    book = Workbook()
    book.remove(book.worksheets[0])
    for title, lines in sheets.items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


THREE = workbook({"Summary": [["Account summary"], ["Owner", "Ana"]],
                  "Giro": [HEADER, *GIRO], "Savings": [HEADER, *SAVINGS]})


def test_the_first_sheet_with_a_table_is_the_default_and_every_sheet_is_listed() -> None:
    found = inspect(io.BytesIO(THREE), "book.xlsx", "xlsx")
    assert (found.sheet, found.sheets) == ("Giro", ["Summary", "Giro", "Savings"])
    assert found.sample == [["2025-03-01", "Bakery", "-2.5"], ["2025-03-02", "Salary", "1500"]]
    assert [r.description for r in rows(THREE, found.options(found.guess, "b.xlsx"),
                                        "xlsx")] == ["Bakery", "Salary"]


def test_a_named_sheet_is_inspected_and_read() -> None:
    found = inspect(io.BytesIO(THREE), "book.xlsx", "xlsx", "Savings")
    assert found.sheet == "Savings" and found.guess is not None
    read = rows(THREE, found.options(found.guess, "b.xlsx"), "xlsx")
    assert [(r.description, r.amount) for r in read] == [
        ("Interest", Decimal("1.25")), ("Transfer out", Decimal("-100")),
        ("<b>Bonus</b>", Decimal("3"))]


@pytest.mark.parametrize(("sheet", "message"), [
    ("Nope", "The workbook has no sheet called Nope; its sheets are Summary, Giro, Savings."),
    ("<script>x</script>", "The workbook has no sheet called <script>x</script>; its sheets"
                           " are Summary, Giro, Savings."),
    ("Summary", "OurMoney found no rows with a date and an amount on the sheet Summary."),
])
def test_an_unknown_or_empty_sheet_is_a_clear_error(sheet: str, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        inspect(io.BytesIO(THREE), "book.xlsx", "xlsx", sheet)
    assert (raised.value.message, raised.value.field) == (message, "sheet")


def test_reading_an_unknown_sheet_reads_nothing(book: Book) -> None:
    found = inspect(io.BytesIO(THREE), "book.xlsx", "xlsx")
    options = ReadOptions("b.xlsx", found.guess.to_dict() if found.guess else None,
                          {**found.extra(), "sheet": "=cmd|' /C calc'!A0"})
    assert problems(THREE, options, "xlsx") == [RowProblem(
        0, "The workbook has no sheet called =cmd|' /C calc'!A0; its sheets are Summary,"
           " Giro, Savings.")]
    summary = import_with(book, THREE, options, file_format="xlsx")
    assert (summary.added, summary.errors) == (0, 1)
    assert stored(book) == []


def test_a_csv_has_no_sheets() -> None:
    with pytest.raises(InvalidInput, match=r"^Only XLSX workbooks have sheets; b\.csv is a CSV"
                                           r" file\.$"):
        inspect(io.BytesIO(b"Date,Description,Amount\n2025-01-01,x,1\n"), "b.csv", "csv",
                "Giro")


def test_a_profile_remembers_its_sheet_and_is_used_for_the_next_workbook(book: Book) -> None:
    found = inspect(io.BytesIO(THREE), "book.xlsx", "xlsx", "Savings")
    assert found.guess is not None
    profiles.save_profile(book, "My savings", found.signature,
                          replace(found.guess, sheet="Savings"),
                          found.columns)
    options = profiles.options_for(book, io.BytesIO(THREE), "april.xlsx", "xlsx", None)
    assert options.extra["sheet"] == "Savings"  # same header on Giro: the profile's sheet wins
    options = profiles.options_for(book, io.BytesIO(THREE), "april.xlsx", "xlsx", "My savings")
    assert [r.description for r in rows(THREE, options, "xlsx")][:1] == ["Interest"]
    named = profiles.options_for(book, io.BytesIO(THREE), "april.xlsx", "xlsx", "My savings",
                                 "Giro")
    assert named.extra["sheet"] == "Giro"  # a sheet named now beats the profile's
    assert profiles.list_profiles(book)[0].sheet == "Savings"
    other = workbook({"Export": [HEADER, *GIRO]})  # the profile's sheet is not in this one
    options = profiles.options_for(book, io.BytesIO(other), "may.xlsx", "xlsx", "My savings")
    assert options.extra["sheet"] == "Export"
    with pytest.raises(InvalidInput, match="no sheet called Savings"):
        profiles.options_for(book, io.BytesIO(other), "may.xlsx", "xlsx", None, "Savings")


def test_the_workbook_stream_is_rewound_after_each_sheet() -> None:
    stream = io.BytesIO(THREE)
    stream.seek(0)
    assert xlsx_source.inspect_xlsx(stream, "Savings").sheet == "Savings"
    assert stream.tell() == 0


def test_the_cli_reads_the_sheet_it_is_told(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(THREE)
    refused = ourmoney(tmp_path / "data", "import", str(path), "--sheet", "Nope")
    assert refused.exit_code != 0
    assert "The workbook has no sheet called Nope; its sheets are Summary, Giro, Savings." \
        in refused.output
    done = ourmoney(tmp_path / "data", "import", str(path), "--sheet", "Savings")
    assert done.exit_code == 0, done.output
    assert done.output.strip().splitlines()[-1].startswith("imported 3, duplicates 0, errors 0")
    again = ourmoney(tmp_path / "data", "import", str(path))
    assert again.output.strip().splitlines()[-1].startswith("imported 2, duplicates 0")
    ofx = tmp_path / "bank.ofx"
    ofx.write_bytes(b"OFXHEADER:100\n<OFX></OFX>\n")
    wrong = ourmoney(tmp_path / "data", "import", str(ofx), "--sheet", "Giro")
    assert wrong.exit_code != 0 and "--sheet applies to XLSX workbooks only." in wrong.output
