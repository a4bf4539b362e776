"""Other JSON exports: GoCardless/Nordigen PSD2 transactions, Charles Schwab, YNAB budgets.

All are streamed with ijson. PSD2 and Schwab rows are yielded as they are read. A YNAB
budget takes two passes, because its split parts come after the transactions they split:
the first reads the names (accounts, payees, categories) and the split parts, the second
the transactions. Only booked PSD2 transactions are imported (a pending one changes or
vanishes before it is booked). One YNAB transaction is one row: a split stays one row with
its parts in the notes, and a transfer is two rows, one in each account, like the file.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

import ijson

from ourmoney.errors import N_, Message, OurMoneyError
from ourmoney.services.importing.rows import ImportRow, RowProblem, exact_number, guard
from ourmoney.services.validation import day

PSD2 = frozenset({"transactions.booked.item", "booked.item"})
SCHWAB = frozenset({"BrokerageTransactions.item", "PostedTransactions.item"})
YNAB_NAMES = {"budget.accounts.item": "accounts", "budget.payees.item": "payees",
              "budget.categories.item": "categories"}
YNAB_PARTS = "budget.subtransactions.item"
YNAB_ROWS = "budget.transactions.item"
LISTS = frozenset({"transactions.booked", "booked", "BrokerageTransactions",
                   "PostedTransactions", "budget.transactions"})
YNAB_INCOME = frozenset({"Inflow: Ready to Assign", "Inflow: To be Budgeted", "To be Budgeted"})
YNAB_NO_CATEGORY = frozenset({"Uncategorized", "Split (Multiple Categories)..."})
SPOOL = 32 * 1024 * 1024
_DOLLARS = re.compile(r"^-?\d+(\.\d+)?$", re.ASCII)
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})")
Entry = ImportRow | RowProblem
Build = Callable[[int, dict[str, Any]], ImportRow]


@dataclass
class _Budget:
    """What a YNAB budget's transactions refer to: names by id, and the split parts."""

    names: dict[str, dict[str, str]] = field(default_factory=lambda: {
        "accounts": {}, "payees": {}, "categories": {}})
    parts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    seen: bool = False


def read(stream: IO[bytes]) -> Iterator[Entry]:
    """Read a JSON object exported by a bank or another app."""
    if _seekable(stream):
        start = stream.tell()
        yield from _read(stream, lambda: _rewound(stream, start))
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as copy:  # for YNAB's second pass
        yield from _read(_Recorded(stream, copy), lambda: _rewound(copy, 0))


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError):
        return False


def _rewound(stream: IO[bytes], start: int) -> IO[bytes]:
    stream.seek(start)
    return stream


class _Recorded:
    """Read a stream that cannot seek while keeping a copy of what was read."""

    def __init__(self, stream: IO[bytes], copy: IO[bytes]) -> None:
        self.stream, self.copy = stream, copy

    def read(self, size: int = -1) -> bytes:
        """Read from the stream, recording the bytes."""
        chunk = self.stream.read(size)
        self.copy.write(chunk)
        return chunk


def _read(stream: Any, again: Callable[[], IO[bytes]]) -> Iterator[Entry]:
    budget, index, known = _Budget(), 0, False
    wanted = PSD2 | SCHWAB | set(YNAB_NAMES) | {YNAB_PARTS}
    for prefix, item in _objects(stream, wanted, LISTS):
        if prefix in LISTS:
            known = True
            budget.seen = budget.seen or prefix == YNAB_ROWS[:-5]
        elif prefix in YNAB_NAMES:
            _name(budget, YNAB_NAMES[prefix], item)
        elif prefix == YNAB_PARTS:
            _part(budget, item)
        else:
            index += 1
            yield guard(N_("Transaction"), index, item, _psd2 if prefix in PSD2 else _schwab_trade
                         if prefix.startswith("Brokerage") else _schwab_posted)
    if budget.seen:
        yield from _ynab(again(), budget)
    elif not known:
        yield RowProblem(1, Message(N_("This JSON file is not an export OurMoney knows.")))


def _objects(stream: Any, wanted: Iterable[str],
             lists: Iterable[str] = ()) -> Iterator[tuple[str, Any]]:
    """Yield (prefix, value) for values at the wanted prefixes, and (prefix, None) per list."""
    wanted, lists, builder, current = set(wanted), set(lists), None, ""
    for raw, event, value in ijson.parse(stream, use_float=False):
        prefix = raw[5:] if raw.startswith("data.") else raw  # YNAB's API wraps it in "data"
        if builder is not None:
            builder.event(event, value)
            if prefix == current and event in ("end_map", "end_array"):
                yield current, builder.value
                builder = None
        elif prefix in wanted and event in ("start_map", "start_array"):
            builder, current = ijson.ObjectBuilder(), prefix
            builder.event(event, value)
        elif prefix in wanted and event not in ("end_map", "end_array", "map_key"):
            yield prefix, value
        elif prefix in lists and event == "start_array":
            yield prefix, None




def _psd2(index: int, given: dict[str, Any]) -> ImportRow:
    """A Berlin Group PSD2 transaction (GoCardless/Nordigen), camelCase or snake_case."""
    item = {_camel(key): value for key, value in given.items()}
    money = item.get("transactionAmount")
    if not isinstance(money, dict):
        raise OurMoneyError(N_("transactionAmount is missing."))
    amount = exact_number(money.get("amount"), "transactionAmount.amount")
    party = _text(item.get("creditorName" if amount < 0 else "debtorName")) or _text(
        item.get("debtorName" if amount < 0 else "creditorName"))
    remittance = [_text(item.get("remittanceInformationUnstructured")),
                  " ".join(_texts(item.get("remittanceInformationUnstructuredArray"))),
                  _text(item.get("remittanceInformationStructured")),
                  " ".join(_texts(item.get("remittanceInformationStructuredArray"))),
                  _text(item.get("additionalInformation"))]
    description = party or next((text for text in remittance if text), "")
    reference = _text(item.get("entryReference"))
    notes = [*remittance, f"Reference {reference}" if reference else ""]
    return ImportRow(line=index, occurred_on=_psd2_day(item), amount=amount,
                     description=description, notes=_notes(notes, description),
                     bank_id=_text(item.get("transactionId"))
                     or _text(item.get("internalTransactionId")) or None)


def _psd2_day(item: dict[str, Any]) -> date:
    for name in ("bookingDate", "bookingDateTime", "valueDate", "valueDateTime"):
        written = _text(item.get(name))
        if written:
            return day(written[:10], name)
    raise OurMoneyError(N_("bookingDate is missing."))


def _schwab_trade(index: int, item: dict[str, Any]) -> ImportRow:
    """A Schwab brokerage row; a share-only movement (no Amount) counts as zero."""
    quantity, price = _text(item.get("Quantity")), _text(item.get("Price"))
    notes = [_text(item.get("Action")), _text(item.get("Symbol")),
             f"Quantity {quantity}" + (f" at {price}" if price else "") if quantity else "",
             f"Fees {_text(item.get('Fees & Comm'))}" if _text(item.get("Fees & Comm")) else ""]
    description = _text(item.get("Description"))
    return ImportRow(line=index, occurred_on=_us_day(item.get("Date")),
                     amount=_dollars(item.get("Amount"), "Amount"),
                     description=description, notes=_notes(notes, description))


def _schwab_posted(index: int, item: dict[str, Any]) -> ImportRow:
    """A Schwab bank row with Withdrawal and Deposit columns."""
    amount = _dollars(item.get("Deposit"), "Deposit") - _dollars(item.get("Withdrawal"),
                                                                 "Withdrawal")
    check = _text(item.get("CheckNumber"))
    description = _text(item.get("Description"))
    notes = [_text(item.get("Type")), f"Check {check}" if check else ""]
    return ImportRow(line=index, occurred_on=_us_day(item.get("Date")), amount=amount,
                     description=description, notes=_notes(notes, description))


def _us_day(value: Any) -> date:
    """MM/DD/YYYY, possibly followed by " as of MM/DD/YYYY"."""
    found = _US_DATE.match(_text(value).strip())
    if not found:
        raise OurMoneyError(N_("Date %(text)r is not a date like 12/31/2025."),
                            text=_text(value)[:40])
    month, day_of_month, year = found.groups()
    return day(f"{year}-{int(month):02d}-{int(day_of_month):02d}", "Date")


def _dollars(value: Any, name: str) -> Decimal:
    """Read "-$1,234.56", "$5.00", "($5.00)" or "" (zero)."""
    written = _text(value).strip()
    negative = written.startswith("(") and written.endswith(")")
    plain = written.strip("()").replace("$", "").replace(",", "").replace(" ", "")
    if not plain:
        return Decimal(0)
    if not _DOLLARS.match(plain):
        raise OurMoneyError(N_("%(name)s %(text)r is not an amount."), name=name,
                            text=written[:40])
    return -Decimal(plain) if negative else Decimal(plain)


def _name(budget: _Budget, table: str, item: Any) -> None:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        budget.names[table][item["id"]] = _text(item.get("name"))


def _part(budget: _Budget, item: Any) -> None:
    if isinstance(item, dict) and not item.get("deleted") and isinstance(
            item.get("transaction_id"), str):
        budget.parts.setdefault(item["transaction_id"], []).append(item)


def _ynab(stream: IO[bytes], budget: _Budget) -> Iterator[Entry]:
    """Stream a YNAB budget's transactions, skipping deleted ones."""
    for index, (_prefix, item) in enumerate(_objects(stream, {YNAB_ROWS}), start=1):
        if not (isinstance(item, dict) and item.get("deleted") is True):
            yield guard(N_("Transaction"), index, item, lambda i, row: _ynab_row(i, row, budget))


def _ynab_row(index: int, item: dict[str, Any], budget: _Budget) -> ImportRow:
    """A YNAB transaction: amounts in milliunits, payee and category by id."""
    names = budget.names
    amount = exact_number(item.get("amount"), "amount").scaleb(-3)
    transfer = names["accounts"].get(_text(item.get("transfer_account_id")), "")
    payee = names["payees"].get(_text(item.get("payee_id")), "") or _text(
        item.get("import_payee_name")) or (f"Transfer : {transfer}" if transfer else "")
    memo = _text(item.get("memo"))
    parts = [_ynab_part(part, names) for part in budget.parts.get(_text(item.get("id")), [])]
    account = names["accounts"].get(_text(item.get("account_id")), "")
    notes = [memo, f"Split: {'; '.join(parts)}" if parts else "",
             f"Account {account}" if account else ""]
    description = payee or memo
    return ImportRow(line=index, occurred_on=day(_text(item.get("date")), "date"),
                     amount=amount, description=description, notes=_notes(notes, description),
                     category=None if transfer else _ynab_category(item, names),
                     bank_id=_text(item.get("id")) or None,
                     account=_text(item.get("account_id")) or None)


def _ynab_part(part: dict[str, Any], names: dict[str, dict[str, str]]) -> str:
    amount = exact_number(part.get("amount"), "subtransaction amount").scaleb(-3)
    transfer = names["accounts"].get(_text(part.get("transfer_account_id")), "")
    who = names["payees"].get(_text(part.get("payee_id")), "") or (
        f"Transfer : {transfer}" if transfer else "")
    category = _ynab_category(part, names)
    words = [_money_text(amount), who, category or "", _text(part.get("memo"))]
    return ", ".join(word for word in words if word)


def _ynab_category(item: dict[str, Any], names: dict[str, dict[str, str]]) -> str | None:
    name = names["categories"].get(_text(item.get("category_id")), "")
    if name in YNAB_INCOME:
        return "Income"
    return None if not name or name in YNAB_NO_CATEGORY else name


def _money_text(amount: Decimal) -> str:
    cents = amount.quantize(Decimal("0.01"))
    return f"{cents:f}" if cents == amount else f"{amount.normalize():f}"


def _camel(key: str) -> str:
    first, *rest = key.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)




def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return ""


def _texts(value: Any) -> list[str]:
    return [_text(item) for item in value if _text(item)] if isinstance(value, list) else []


def _notes(parts: Iterable[str], description: str) -> str:
    return "; ".join(dict.fromkeys(p for p in parts if p and p != description))
