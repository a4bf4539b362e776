"""CAMT.052/.053/.054 (ISO 20022 bank-to-customer XML of any version), streamed entry by entry.

defusedxml's iterparse refuses DTDs and entities (billion laughs, XXE), expat decodes the
encoding the prolog declares, and every finished entry is read and cleared, so memory stays
flat. One entry (Ntry) is one transaction, a batch included: the entry is what moves the
balance; the batch's details (TxDtls) go to the description and notes.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from ourmoney.errors import N_, Message
from ourmoney.services.importing.formats import ReadOptions, register
from ourmoney.services.importing.rows import ImportRow, RowProblem
from ourmoney.services.validation import FIRST_DAY, LAST_DAY

MESSAGES = frozenset({"BkToCstmrStmt", "BkToCstmrAcctRpt", "BkToCstmrDbtCdtNtfctn"})
STATEMENTS = frozenset({"Stmt", "Rpt", "Ntfctn"})
PLACEHOLDERS = frozenset({"", "NONREF", "NOTPROVIDED", "NOT PROVIDED", "NONE"})
_AMOUNT = re.compile(r"^\d{1,18}(\.\d{1,10})?$", re.ASCII)
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})", re.ASCII)
Paths = dict[str, str]


class _NotCamt(Exception):
    """The XML is readable but is not a CAMT bank statement."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


class _Builder(TreeBuilder):
    """A tree builder that notes the line each entry starts on (expat knows it only then)."""

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None
        self.entry_lines: deque[int] = deque()

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        """Build the element, remembering the line of an entry."""
        if tag.rpartition("}")[2] == "Ntry" and self.expat is not None:
            self.entry_lines.append(self.expat.CurrentLineNumber)
        return super().start(tag, attrs)


@dataclass
class _Walk:
    """Where the parser is: the element path, the namespace, the statement's account."""

    builder: _Builder
    path: list[str] = field(default_factory=list)
    names: Paths = field(default_factory=dict)
    account: str | None = None
    statements: int = 0
    rooted: bool = False
    statement: Element | None = None


@register("camt")
def read(stream: IO[bytes], options: ReadOptions) -> Iterator[ImportRow | RowProblem]:
    """Read every entry of every statement, report or notification in a CAMT file."""
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    walk = _Walk(builder)
    try:
        for event, element in iterparse(stream, events=("start", "end"), parser=parser):
            if event == "start":
                _opened(walk, element)
            else:
                yield from _closed(walk, element)
    except _NotCamt as error:
        yield RowProblem(0, error.message)
    except DefusedXmlException:
        yield RowProblem(0, Message(N_("This XML file declares a DTD or entities, which OurMoney"
                                       " refuses for safety.")))
    except ParseError as error:
        yield _broken(walk, error)
    else:
        if not walk.statements:
            yield RowProblem(0, Message(N_("This CAMT file holds no statement, report or"
                                           " notification (Stmt, Rpt or Ntfctn).")))


def _broken(walk: _Walk, error: ParseError) -> RowProblem:
    line = error.position[0] if error.position else 0
    if not walk.rooted:
        return RowProblem(0, Message(N_("This is not a CAMT file: it is not XML (%(error)s)."),
                                     error=str(error)))
    return RowProblem(line, Message(N_("The CAMT file is not valid XML or is cut short"
                                       " (%(error)s)."), error=str(error)))


def _opened(walk: _Walk, element: Element) -> None:
    namespace, _, name = element.tag.rpartition("}")
    walk.path.append(name)
    depth = len(walk.path)
    if depth == 1:
        if name != "Document":
            raise _NotCamt(Message(N_("This is not a CAMT file: its root element is <%(name)s>,"
                                      " not <Document>."), name=name))
        walk.names = {"": namespace[1:]} if namespace else {}
        walk.rooted = True
    elif depth == 2 and name not in MESSAGES:
        raise _NotCamt(Message(N_("This is not a CAMT bank statement: it holds <%(name)s>, not"
                                  " BkToCstmrStmt, BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn."),
                               name=name))
    elif depth == 3 and name in STATEMENTS:
        walk.statements += 1
        walk.account, walk.statement = None, element


def _closed(walk: _Walk, element: Element) -> Iterator[ImportRow | RowProblem]:
    name = walk.path.pop()
    if name == "Ntry":
        line = walk.builder.entry_lines.popleft() if walk.builder.entry_lines else 0
        if len(walk.path) == 3 and walk.statement is not None:
            yield _entry(line, element, walk.names, walk.account)
            walk.statement.remove(element)  # read entries leave nothing behind
    elif name == "Acct" and len(walk.path) == 3:
        walk.account = _text(element, "Id/IBAN", walk.names) or _text(
            element, "Id/Othr/Id", walk.names) or None
    elif name in STATEMENTS and len(walk.path) == 2:
        element.clear()


def _entry(line: int, entry: Element, names: Paths,
           account: str | None) -> ImportRow | RowProblem:
    """Turn one <Ntry> into a row, or say what is wrong with it."""
    amount_text = _text(entry, "Amt", names)
    if not amount_text:
        return RowProblem(line, Message(N_("Line %(line)d: the entry has no amount."), line=line))
    if not _AMOUNT.match(amount_text):
        return RowProblem(line, Message(N_("Line %(line)d: the amount %(text)r is not a number."),
                                        line=line, text=amount_text[:40]))
    direction = _text(entry, "CdtDbtInd", names)
    if direction not in ("CRDT", "DBIT"):
        return RowProblem(line, Message(N_("Line %(line)d: the entry is neither a credit nor a"
                                           " debit (CdtDbtInd %(text)r)."), line=line,
                                        text=direction[:20]))
    day = _booked_on(entry, names)
    if isinstance(day, str):
        return RowProblem(line, Message(N_("Line %(line)d: %(problem)s"), line=line, problem=day))
    amount = Decimal(amount_text) * (1 if direction == "CRDT" else -1)
    description, notes = _wording(entry, names, direction)
    reference = _reference(entry, names)
    return ImportRow(line=line, occurred_on=day, amount=amount, description=description,
                     notes=notes, account=account,
                     bank_id=f"{reference}/{day.isoformat()}/{amount:f}" if reference else None)


def _booked_on(entry: Element, names: Paths) -> date | str:
    """Return the booking date (else the value date) as the bank wrote it, or what is wrong."""
    for path in ("BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm"):
        written = _text(entry, path, names)
        if written:
            return _day(written)
    return Message(N_("the entry has no booking or value date."))


def _day(written: str) -> date | str:
    # The date as written, in the bank's own time zone: "2017-04-01+02:00" is 1 April.
    found = _DAY.match(written)
    try:
        parsed = date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        parsed = None
    if parsed is None or not FIRST_DAY <= parsed <= LAST_DAY:
        return Message(N_("the date %(text)r is not a real date."), text=written[:40])
    return parsed


def _reference(entry: Element, names: Paths) -> str:
    """Return the bank's own reference of the entry, skipping placeholders like NONREF."""
    details = entry.findall("NtryDtls/TxDtls", names)
    candidates = [_text(entry, "AcctSvcrRef", names), _text(entry, "NtryRef", names)]
    if len(details) == 1:
        candidates.append(_text(details[0], "Refs/AcctSvcrRef", names))
    return next((ref for ref in candidates if ref.upper() not in PLACEHOLDERS), "")


def _wording(entry: Element, names: Paths, direction: str) -> tuple[str, str]:
    """Return (description, notes): the counterparty first, remittance and the rest as notes."""
    details = entry.findall("NtryDtls/TxDtls", names)
    side = "Cdtr" if direction == "DBIT" else "Dbtr"
    parties = _unique(_party(detail, names, side) for detail in details)
    texts = _unique(text for detail in details for text in _remittance(detail, names))
    entry_info = _text(entry, "AddtlNtryInf", names)
    if len(parties) == 1:
        description = parties[0]
    elif len(details) > 1:
        description = entry_info or f"Batch of {len(details)} payments"
    else:
        description = next(iter(texts), "") or entry_info
    extras = [*texts, entry_info, *_marks(entry, details, names)]
    if len(parties) > 1:
        extras.insert(0, ", ".join(parties))
    return description, "; ".join(_unique(x for x in extras if x and x != description))


def _party(detail: Element, names: Paths, side: str) -> str:
    for path in (f"RltdPties/{side}/Nm", f"RltdPties/{side}/Pty/Nm",
                 f"RltdPties/Ultmt{side}/Nm", f"RltdPties/Ultmt{side}/Pty/Nm"):
        name = _text(detail, path, names)
        if name:
            return name
    return ""


def _remittance(detail: Element, names: Paths) -> list[str]:
    """Return the free remittance text, structured references and additional information."""
    found = [_joined(_texts(detail, "RmtInf/Ustrd", names), 140)]
    found += [f"Reference {ref}" for ref in _texts(detail, "RmtInf/Strd/CdtrRefInf/Ref", names)]
    found += _texts(detail, "RmtInf/Strd/AddtlRmtInf", names)
    found += _texts(detail, "AddtlTxInf", names)
    return [text for text in found if text]


def _marks(entry: Element, details: list[Element], names: Paths) -> list[str]:
    marks = [f"Cheque {number}" for detail in details
             for number in _texts(detail, "Refs/ChqNb", names)]
    if _text(entry, "RvslInd", names).lower() in ("true", "1"):
        marks.append("Reversal")
    if (_text(entry, "Sts", names) or _text(entry, "Sts/Cd", names)) == "PDNG":
        marks.append("Pending")
    return marks


def _joined(parts: list[str], width: int) -> str:
    """Join wrapped lines: no space after a line filled to the width (a word was cut there)."""
    text = ""
    for index, part in enumerate(parts):
        cut = index > 0 and len(parts[index - 1]) >= width
        text += part if cut or not text else " " + part
    return text


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def _text(element: Element, path: str, names: Paths) -> str:
    found = element.find(path, names)
    return " ".join((found.text or "").split()) if found is not None else ""


def _texts(element: Element, path: str, names: Paths) -> list[str]:
    return [" ".join((found.text or "").split()) for found in element.iterfind(path, names)]
