"""Bank profiles: a mapping saved once is found again for the next file of the same shape."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from ourmoney.errors import InvalidInput, NotFound
from ourmoney.services.book import Book
from ourmoney.services.importing.profiles import (
    delete_profile,
    find_profile,
    get_profile,
    list_profiles,
    options_for,
    save_profile,
)
from ourmoney.services.importing.table import MAP_FIRST, ColumnMapping
from tests.services.importing.table_files import import_with, rows, shape_of

# Two statements of one bank with no header row: the person maps the first one.
MARCH = (b"AT12;Some shop;01.03.2024;01.03.2024;-12,50;EUR\n"
         b"AT12;Salary;03.03.2024;03.03.2024;+1.500,00;EUR\n")
APRIL = (b"AT12;Bakery;05.04.2024;06.04.2024;-3,20;EUR\n"
         b"AT12;Rent;07.04.2024;07.04.2024;-800,00;EUR\n"
         b"AT12;Refund;08.04.2024;08.04.2024;+20,00;EUR\n")
EASYBANK = ColumnMapping(date=2, description=[1], amount=4, date_format="%d.%m.%Y",
                         decimal=",")
HEADED = b"Date,Payee,Amount\n2024-05-01,Shop,12.00\n2024-05-02,Card refund,-2.00\n"


def test_a_profile_is_saved_found_listed_replaced_and_deleted(book: Book) -> None:
    shape = shape_of(MARCH).signature
    save_profile(book, "easybank giro", shape, EASYBANK)
    assert get_profile(book, "easybank giro") == EASYBANK
    assert find_profile(book, shape) == ("easybank giro", EASYBANK)
    assert find_profile(book, shape_of(HEADED).signature) is None
    inverted = ColumnMapping(**{**EASYBANK.__dict__, "invert": True})
    save_profile(book, "easybank giro", shape, inverted)
    save_profile(book, "another bank", "other-shape", EASYBANK)
    assert [(p.name, p.columns) for p in list_profiles(book)] == [
        ("another bank", [("Date", "3."), ("Description", "2."), ("Amount", "5.")]),
        ("easybank giro", [("Date", "3."), ("Description", "2."), ("Amount", "5.")])]
    assert get_profile(book, "easybank giro") == inverted
    delete_profile(book, "another bank")
    assert [p.name for p in list_profiles(book)] == ["easybank giro"]


def test_a_missing_profile_is_not_found(book: Book) -> None:
    with pytest.raises(NotFound) as raised:
        get_profile(book, "Nope")
    assert raised.value.message == "There is no bank profile called Nope."
    with pytest.raises(NotFound):
        delete_profile(book, "Nope")


@pytest.mark.parametrize(("name", "message"), [
    ("", "Name is required."), ("x" * 61, "Name must be at most 60 characters."),
    ("tab\x07", "Name contains control characters."),
])
def test_a_profile_needs_a_sensible_name(book: Book, name: str, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        save_profile(book, name, "shape", EASYBANK)
    assert raised.value.message == message


def test_a_file_nobody_mapped_is_refused_until_someone_does(book: Book) -> None:
    with pytest.raises(InvalidInput) as raised:
        options_for(book, io.BytesIO(MARCH), "march.csv", "csv", None)
    assert raised.value.message == MAP_FIRST == (
        "Map the columns of this file once in the Import page, or name a --profile.")


def test_after_mapping_once_the_next_file_of_the_shape_is_mapped_automatically(
        book: Book) -> None:
    shape = shape_of(MARCH)
    assert shape.confidence == "low" and shape.guess == EASYBANK  # the preview pre-fills it
    save_profile(book, "easybank giro", shape.signature, EASYBANK)
    stream = io.BytesIO(APRIL)
    options = options_for(book, stream, "april.csv", "csv", None)
    assert stream.tell() == 0
    assert (options.mapping, options.extra["delimiter"]) == (EASYBANK.to_dict(), ";")
    summary = import_with(book, APRIL, options)
    assert (summary.added, summary.errors, summary.sum_added) == (3, 0, Decimal("-783.20"))


def test_a_saved_profile_beats_the_guess(book: Book) -> None:
    card = ColumnMapping(date=0, description=[1], amount=2, date_format="%Y-%m-%d",
                         invert=True)
    save_profile(book, "credit card", shape_of(HEADED).signature, card)
    options = options_for(book, io.BytesIO(HEADED), "card.csv", "csv", None)
    assert [r.amount for r in rows(HEADED, options)] == [Decimal("-12.00"), Decimal("2.00")]


def test_a_named_profile_applies_to_any_file_with_enough_columns(book: Book,
                                                                 tmp_path: Path) -> None:
    save_profile(book, "easybank giro", "another-shape", EASYBANK)
    path = tmp_path / "april.csv"
    path.write_bytes(APRIL)
    options = options_for(book, path, "april.csv", "csv", "easybank giro")
    assert options.mapping == EASYBANK.to_dict()
    with pytest.raises(InvalidInput) as raised:
        options_for(book, io.BytesIO(HEADED), "short.csv", "csv", "easybank giro")
    assert raised.value.message == ("The bank profile easybank giro reads 5 columns, but this"
                                    " file has 3.")
    with pytest.raises(NotFound):
        options_for(book, path, "april.csv", "csv", "Nope")


def test_a_sure_guess_needs_no_profile(book: Book) -> None:
    options = options_for(book, io.BytesIO(HEADED), "card.csv", "csv", None)
    assert options.mapping == ColumnMapping(date=0, description=[1], amount=2,
                                            date_format="%Y-%m-%d").to_dict()
    assert options.extra == {"encoding": "utf-8", "delimiter": ",", "header_row": 1,
                             "data_row": 2, "sheet": None}
