"""Every reader's problems are English text that keeps a catalog template and its values, so
pages can show them in the reader's language while the API and the CLI keep the English."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ourmoney.errors import Message
from ourmoney.services.importing.rows import RowProblem
from tests.services.importing.statement_files import problems_of
from tests.services.importing.table_files import auto, problems

ROOT = Path(__file__).resolve().parents[3]
CATALOG = ROOT / "translations" / "pt" / "LC_MESSAGES"
BAD_CSV = (b"date,description,amount\n"
           b"2025-02-30,Impossible,-1.00\n"
           b"2024-01-05,<b>Letters</b>,<script>x</script>\n"
           b"2024-01-06,Short row\n"
           b"2024-01-07,Coffee,-2.50\n"
           b"2024-01-08,Tea,-1.50\n")
BAD_FILES = [
    ("ofx", b"OFXHEADER:100\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST>"
            b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250230<TRNAMT>abc<FITID>1</STMTTRN>"
            b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"),
    ("qif", b"!Type:Bank\nD31/31/2025\nTabc\nPShop\n^\n"),
    ("camt", b"<?xml version='1.0'?><Other/>"),
    ("mt940", b":20:X\n:25:Y\n:61:ZZZ\n"),
    ("xlsx", b"PK\x03\x04 not really a workbook"),
]


def _portuguese() -> gettext.GNUTranslations:
    with (CATALOG / "messages.mo").open("rb") as compiled:
        return gettext.GNUTranslations(compiled)


def _templates() -> set[str]:
    with (ROOT / "translations" / "messages.pot").open("rb") as file:
        return {str(message.id) for message in read_po(file) if message.id}


def _checked(found: list[RowProblem]) -> list[str]:
    """Assert each problem is a Message whose template is in the catalog; return them in pt."""
    templates, pt = _templates(), _portuguese()
    assert found
    for problem in found:
        assert isinstance(problem.message, Message), problem
        assert problem.message.template in templates or "%(m0)s" in problem.message.template
    return [problem.message.translated(pt.gettext) for problem in found]


def test_csv_problems_keep_english_text_and_translate_with_their_values() -> None:
    found = problems(BAD_CSV, auto(BAD_CSV))
    assert [(p.line, str(p.message)) for p in found] == [
        (2, "Date '2025-02-30' is not in the calendar."),
        (3, "The amount '<script>x</script>' is not a number."),
        (4, "The row has 2 fields; the amount should be in field 3.")]
    assert _checked(found) == [
        "A data '2025-02-30' não existe no calendário.",
        "O campo valor '<script>x</script>' não é um número.",
        "A linha tem 2 campos; o campo valor devia estar no campo 3."]


@pytest.mark.parametrize(("file_format", "data"), BAD_FILES)
def test_every_reader_problem_is_translatable(file_format: str, data: bytes) -> None:
    translated = _checked(problems_of(file_format, data))
    assert all(text and "%(" not in text for text in translated)


def test_joined_problems_translate_each_part() -> None:
    found = problems_of("qif", b"!Type:Bank\nD31/31/2025\nTabc\nPShop\n^\n")
    assert str(found[0].message).startswith("Date '31/31/2025' is not a valid date")
    assert _checked(found)[0].startswith("A data '31/31/2025' não é uma data válida")
    assert _checked(found)[0].endswith("O valor 'abc' não é um número.")


def test_a_broken_translation_falls_back_to_english() -> None:
    message = Message("The %(what)s is missing.", what="amount")

    def broken(text: str) -> str:
        return "Falta %(nope)s."

    assert message.translated(broken) == "The amount is missing."
    assert message == "The amount is missing."
