"""JSON exports of banks and other apps: GoCardless/Nordigen PSD2, Charles Schwab and YNAB."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ourmoney.services.book import Book
from ourmoney.services.importing import json_banks
from ourmoney.services.importing.rows import ImportRow, RowProblem
from tests.services.importing.statement_files import (
    check_fixture,
    import_file,
    read_all,
    rows_of,
)
from tests.support.books import ledger_at
from tests.support.fixtures import FOLDER, Expectation, of_folder, require

JSON = FOLDER / "json"
# SOURCES.md gives Schwab's two lists separately (brokerage 2077.91, posted -903.77);
# the file as a whole sums to their total.
WHOLE_FILE_TOTALS = {"schwab_brokerage_and_bank.json": Decimal("1174.14")}


def fixture(name: str) -> Path:
    require()
    return JSON / name


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


def psd2(*booked: dict[str, Any], pending: list[Any] | None = None) -> bytes:
    return as_json({"transactions": {"booked": list(booked), "pending": pending or []}})


def booked(amount: Any = "-5.00", **given: Any) -> dict[str, Any]:
    return {"transactionId": "T1", "bookingDate": "2025-03-01",
            "transactionAmount": {"amount": amount, "currency": "EUR"}, **given}


@pytest.mark.parametrize("expected", of_folder("json"), ids=lambda e: e.name)
def test_every_json_fixture_imports_its_count_and_sum_once(tmp_path: Path,
                                                           expected: Expectation) -> None:
    require()
    with ledger_at(tmp_path / "ledger.sqlite3", currency="EUR") as book:
        check_fixture(book, "json", expected, WHOLE_FILE_TOTALS.get(expected.name))


def test_psd2_camel_case_rows() -> None:
    rows = rows_of("json", fixture("gocardless_psd2_camelcase.json"))
    assert [(r.occurred_on, r.amount, r.description, r.notes, r.bank_id) for r in rows][:2] == [
        (date(2025, 3, 28), Decimal("-10.5000"), "Anonymous Creditor 1", "Anonymous Info 1",
         "tx_0000Anonymized1"),
        (date(2025, 3, 31), Decimal("-140.74"), "Anonymous Info 2",
         "Reference Anonymous Reference 2", "tx_0000Anonymized2")]


def test_psd2_snake_case_and_remittance_arrays() -> None:
    [snake] = rows_of("json", fixture("gocardless_psd2_snake_case.json"))
    assert (snake.occurred_on, snake.amount, snake.description, snake.bank_id) == (
        date(2026, 1, 12), Decimal("-5.81"), "ANONYMIZED MERCHANT", "ANONYMIZED_ID_1")
    [array] = rows_of("json", fixture("gocardless_psd2_remittance_array.json"))
    assert (array.description, array.notes) == ("CB****2222 Food Restaurant",
                                                "Reference 202500400015")


def test_psd2_payee_is_the_debtor_of_money_in() -> None:
    rows = rows_of("json", psd2(booked("7.00", debtorName="Payer", creditorName="Me"),
                                booked("-2", transactionId="T2", debtorName="Me",
                                       creditorName="Shop")))
    assert [(r.description, r.amount) for r in rows] == [("Payer", Decimal("7.00")),
                                                         ("Shop", Decimal("-2"))]


def test_psd2_pending_transactions_are_not_imported() -> None:
    source = psd2(booked(), pending=[booked("-9.99", transactionId="P1")])
    assert [r.bank_id for r in rows_of("json", source)] == ["T1"]


def test_psd2_dates_fall_back_to_the_booking_time_and_value_date() -> None:
    timed = booked(bookingDateTime="2025-04-05T14:19:47.407Z")
    del timed["bookingDate"]
    valued = booked(transactionId="T2", valueDate="2025-04-07")
    del valued["bookingDate"]
    assert [r.occurred_on for r in rows_of("json", psd2(timed, valued))] == [
        date(2025, 4, 5), date(2025, 4, 7)]


@pytest.mark.parametrize(("item", "message"), [
    (booked("abc"), "Transaction 1: transactionAmount.amount must be a number, not 'abc'."),
    (booked("NaN"), "Transaction 1: transactionAmount.amount must be a finite number, not 'NaN'."),
    (booked(None), "Transaction 1: transactionAmount.amount must be a number."),
    ({"transactionId": "T1", "bookingDate": "2025-03-01"},
     "Transaction 1: transactionAmount is missing."),
    ({**booked(), "bookingDate": "2025-02-30"},
     "Transaction 1: 2025-02-30 is not a date in the calendar."),
    ({**booked(), "bookingDate": None}, "Transaction 1: bookingDate is missing."),
    ("a string", "Transaction 1 is not a JSON object.")])
def test_a_bad_psd2_transaction_is_a_problem(item: Any, message: str) -> None:
    assert read_all("json", psd2(item, booked(transactionId="T2")))[0] == RowProblem(1, message)


def test_schwab_rows_keep_action_symbol_and_quantity_in_notes() -> None:
    rows = rows_of("json", fixture("schwab_brokerage_and_bank.json"))
    assert [(r.occurred_on, r.amount, r.description, r.notes) for r in rows[:2]] == [
        (date(2025, 12, 30), Decimal("-134.77"), "SCHWAB ONE CHECK 000303", "Funds Paid"),
        (date(2025, 12, 29), Decimal("-879.97"), "CITI AUTOPAY PAYMENT", "Auto S1 Debit")]
    assert (rows[4].amount, rows[4].notes) == (Decimal(0), "Journal; SNSXX; Quantity 103.26")
    assert (rows[43].amount, rows[43].notes) == (Decimal("-870.80"), "CHECK; Check 101")
    assert (rows[41].amount, rows[41].description) == (Decimal("399.00"), "Incoming Wire")


def test_schwab_share_only_rows_are_ignored_as_zero(book: Book) -> None:
    summary = import_file(book, "json", fixture("schwab_brokerage_and_bank.json"))
    assert (summary.added, summary.ignored) == (47, 6)


@pytest.mark.parametrize(("written", "amount"), [
    ("-$134.77", "-134.77"), ("$5,727.13", "5727.13"), ("($12.00)", "-12.00"), ("", "0"),
    ("$0.05", "0.05")])
def test_schwab_dollar_amounts(written: str, amount: str) -> None:
    source = as_json({"BrokerageTransactions": [{"Date": "01/02/2024 as of 12/29/2023",
                                                 "Description": "X", "Amount": written}]})
    [row] = rows_of("json", source)
    assert (row.amount, row.occurred_on) == (Decimal(amount), date(2024, 1, 2))


@pytest.mark.parametrize(("item", "message"), [
    ({"Date": "13/45/2024", "Amount": "$1"}, "Transaction 1: 2024-13-45 is not a date in the"
                                              " calendar."),
    ({"Date": "2024-01-02", "Amount": "$1"}, "Transaction 1: Date '2024-01-02' is not a date"
                                              " like 12/31/2025."),
    ({"Date": "01/02/2024", "Amount": "abc"}, "Transaction 1: Amount 'abc' is not an amount."),
    ({"Date": "01/02/2024", "Deposit": "$1e5"}, "Transaction 1: Deposit '$1e5' is not an"
                                                 " amount.")])
def test_a_bad_schwab_row_is_a_problem(item: dict[str, Any], message: str) -> None:
    key = "PostedTransactions" if "Deposit" in item else "BrokerageTransactions"
    assert read_all("json", as_json({key: [item]})) == [RowProblem(1, message)]


def test_ynab_rows_in_milliunits_with_payees_categories_and_splits() -> None:
    rows = rows_of("json", fixture("ynab5_demo_budget_actual.json"))
    assert [(r.amount, r.description, r.category) for r in rows] == [
        (Decimal("-200.000"), "Transfer : Saving", None),
        (Decimal("-100.000"), "Store", "Groceries"),
        (Decimal("0.000"), "Starting Balance", "Income"),
        (Decimal("0.000"), "Starting Balance", "Income"),
        (Decimal("200.000"), "Transfer : Checking", None),
        (Decimal("1000.000"), "Salary", "Income"),
        (Decimal("-100.000"), "Store", "Income"),
        (Decimal("50.000"), "Transfer : Checking", None),
        (Decimal("2000.000"), "Work", "Income")]
    assert rows[6].notes == ("Test transaction; Split: -50.00, Store, Income, split part a;"
                             " -50.00, Transfer : Saving, split part b; Account Checking")
    assert (rows[0].bank_id, rows[0].account) == ("357b5aea-60c2-49d4-bbd6-1bcd1c84f975",
                                                  "bc1d862f-bab0-41c3-bd1e-6cee8c688e32")


def ynab(*transactions: dict[str, Any], parts: list[Any] | None = None,
         wrap: bool = False) -> bytes:
    budget = {"accounts": [{"id": "A", "name": "Wallet"}], "payees": [{"id": "P", "name": "Shop"}],
              "categories": [{"id": "C", "name": "Food"}], "transactions": list(transactions),
              "subtransactions": parts or []}
    return as_json({"data": {"budget": budget}} if wrap else {"budget": budget})


def ynab_item(number: int = 1, **given: Any) -> dict[str, Any]:
    return {"id": f"Y{number}", "date": "2024-03-01", "amount": -4500, "account_id": "A",
            "payee_id": "P", "category_id": "C", "memo": None, "deleted": False, **given}


def test_ynab_deleted_rows_and_parts_are_skipped_and_api_wrapping_reads() -> None:
    source = ynab(ynab_item(1), ynab_item(2, deleted=True), ynab_item(3, amount=1234),
                  parts=[{"transaction_id": "Y1", "amount": -4500, "deleted": True}], wrap=True)
    rows = rows_of("json", source)
    assert [(r.line, r.amount, r.description, r.notes, r.category) for r in rows] == [
        (1, Decimal("-4.500"), "Shop", "Account Wallet", "Food"),
        (3, Decimal("1.234"), "Shop", "Account Wallet", "Food")]


@pytest.mark.parametrize(("item", "message"), [
    (ynab_item(amount="lots"), "Transaction 1: amount must be a number, not 'lots'."),
    (ynab_item(date="2024-02-30"), "Transaction 1: 2024-02-30 is not a date in the calendar.")])
def test_a_bad_ynab_row_is_a_problem(item: dict[str, Any], message: str) -> None:
    assert read_all("json", ynab(item, ynab_item(2)))[0] == RowProblem(1, message)


class OnlyRead:
    """A stream with nothing but read(), like the CLI's progress-counting wrapper."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self.inner.read(size)


@pytest.mark.parametrize("wrap", [lambda data: io.BufferedReader(io.BytesIO(data)), OnlyRead],
                         ids=["buffered", "read-only"])
def test_a_ynab_budget_reads_from_a_stream_that_cannot_seek(wrap: Any) -> None:
    source = ynab(ynab_item(1), parts=[{"transaction_id": "Y1", "amount": -4500,
                                        "payee_id": "P", "memo": "all"}])
    found = list(json_banks.read(wrap(source)))
    assert [(r.amount, r.notes) for r in found if isinstance(r, ImportRow)] == [
        (Decimal("-4.500"), "Split: -4.50, Shop, all; Account Wallet")]


@pytest.mark.parametrize("source", [b'{"hello": "world"}', b'{"transactions": []}', b"{}"],
                         ids=["other", "bare-list", "empty-object"])
def test_an_unknown_object_is_one_clear_problem(source: bytes) -> None:
    assert read_all("json", source) == [RowProblem(1, "This JSON file is not an export"
                                                      " OurMoney knows.")]


def test_an_export_with_no_transactions_is_empty_not_an_error() -> None:
    assert read_all("json", psd2()) == []
    assert read_all("json", as_json({"BrokerageTransactions": []})) == []


def test_a_truncated_bank_export_is_a_problem_and_imports_nothing(book: Book) -> None:
    whole = fixture("gocardless_psd2_camelcase.json").read_bytes()
    summary = import_file(book, "json", whole[:len(whole) // 2])
    assert (summary.added, summary.errors) == (0, 1)
    assert summary.problems[0].message.startswith("The JSON is not valid or is cut short")
