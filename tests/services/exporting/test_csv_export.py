"""CSV export: UTF-8, ISO dates, signed decimal-point amounts, formulas made inert, filters."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from ourmoney.services import categories, exporting, household, ledger, members
from ourmoney.services.book import Book
from ourmoney.services.exporting.csv_export import inert
from ourmoney.services.models import TransactionFilter
from tests.services.exporting.conftest import Household
from tests.support.books import draft

HEADER = "date,description,type,amount,currency,category,member,notes,id,created_at"


def export_csv(book: Book, selection: TransactionFilter | None = None) -> tuple[int, str]:
    out = io.BytesIO()
    written = exporting.export(book, selection or TransactionFilter(), "csv", out)
    return written, out.getvalue().decode("utf-8")


def test_the_csv_holds_every_live_transaction_exactly(household: Household) -> None:
    written, text = export_csv(household.book)
    rows = list(csv.reader(io.StringIO(text)))
    assert (written, text.splitlines()[0]) == (5, HEADER)
    expected = {
        "Market": ["2024-05-03", "Market", "expense", "-12.50", "EUR", "Food", "Ana", ""],
        "Pay": ["2024-05-01", "Pay", "income", "2500.00", "EUR", "Salary", "Bo", ""],
        "=SUM(A1:A9)": ["2024-04-30", "'=SUM(A1:A9)", "expense", "-3.99", "EUR", "", "",
                        "'+1 line\nsecond line"],
        '-5 refund, "quoted"': ["2024-04-02", "'-5 refund, \"quoted\"", "income", "5.00", "EUR",
                                "'@risk", "", ""],
        "Café ☕": ["2024-04-02", "Café ☕", "expense", "-0.01", "EUR", "", "Ana", ""]}
    assert [row[:8] for row in rows[1:]] == [expected[t.description]
                                             for t in household.transactions]
    assert [row[8:] for row in rows[1:]] == [[t.id, t.created_at] for t in household.transactions]
    assert text.endswith("\r\n") and not text.startswith("\ufeff")


@pytest.mark.parametrize(("given", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(1)", "'@SUM(1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("plain", "plain"), ("a=b", "a=b"),
    ("", ""), (None, "")])
def test_inert_prefixes_only_formula_starts(given: str | None, expected: str) -> None:
    assert inert(given) == expected


def test_text_starting_with_tab_or_cr_is_inert_in_the_file(household: Household) -> None:
    book = household.book
    book.store.db.execute_sql("UPDATE transactions SET description = '\tcmd', notes = '\rx'"
                              " WHERE description = 'Market'")
    row = list(csv.reader(io.StringIO(export_csv(book)[1])))[1]
    assert (row[1], row[3], row[7]) == ("'\tcmd", "-12.50", "'\rx")


def test_the_csv_follows_the_filter(household: Household) -> None:
    book = household.book
    food = categories.find_by_name(book, "Food")
    ana = members.resolve(book, "Ana")
    assert food and ana
    cases = {TransactionFilter(type="income"): ["Pay", "'-5 refund, \"quoted\""],
             TransactionFilter(category_id=food.id): ["Market"],
             TransactionFilter(member_id=ana.id): ["Market", "Café ☕"],
             TransactionFilter(date_from=date(2024, 4, 30), date_to=date(2024, 5, 1)):
                 ["Pay", "'=SUM(A1:A9)"],
             TransactionFilter(type="expense", member_id=ana.id, date_to=date(2024, 4, 30)):
                 ["Café ☕"]}
    for selection, descriptions in cases.items():
        written, text = export_csv(book, selection)
        found = [row[1] for row in list(csv.reader(io.StringIO(text)))[1:]]
        assert (written, sorted(found)) == (len(descriptions), sorted(descriptions)), selection


def test_an_empty_export_is_just_the_header(book: Book) -> None:
    assert export_csv(book) == (0, HEADER + "\r\n")


def test_amounts_follow_the_currency_decimals(book: Book) -> None:
    household.save_preferences(book, currency="JPY")
    ledger.add_transaction(book, draft("Ramen", "1200"))
    assert list(csv.reader(io.StringIO(export_csv(book)[1])))[1][3:5] == ["-1200", "JPY"]
