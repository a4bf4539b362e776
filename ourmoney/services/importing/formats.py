"""Which reader handles a file: detection from the name and the first bytes, and the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ourmoney.errors import N_, InvalidInput
from ourmoney.services.importing.rows import CategoryRow, ImportRow, MemberRow, RowProblem

FORMATS = ("json", "csv", "xlsx", "ofx", "qif", "camt", "mt940")
_EXTENSIONS = {".json": "json", ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx",
               ".ofx": "ofx", ".qfx": "ofx", ".qbo": "ofx", ".qif": "qif", ".xml": "camt",
               ".camt": "camt", ".sta": "mt940", ".mt940": "mt940", ".940": "mt940"}


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may need besides the bytes: a saved column mapping, the file's name."""

    source: str = ""
    mapping: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Entry = ImportRow | CategoryRow | MemberRow | RowProblem
Reader = Callable[[IO[bytes], ReadOptions], Iterator[Entry]]
READERS: dict[str, Reader] = {}


def register(name: str) -> Callable[[Reader], Reader]:
    """Register a reader for a format name."""
    def wrap(reader: Reader) -> Reader:
        READERS[name] = reader
        return reader
    return wrap


def detect(name: str, head: bytes) -> str:
    """Guess the format from the first bytes, falling back to the file name's extension."""
    text = head.lstrip(b"\xef\xbb\xbf\x00\r\n\t ").lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if text.startswith((b"{1:", b"{2:", b"{4:")):  # an MT940 wrapped in SWIFT blocks
        return "mt940"
    if text[:1] in (b"{", b"["):
        return "json"
    if b"<ofx" in text or text.startswith(b"ofxheader") or b"<?ofx" in text:
        return "ofx"
    if b"urn:iso:std:iso:20022" in text or b"<bktocstmr" in text:
        return "camt"
    if _after_comments(text).startswith((b"!type", b"!account", b"!option")):
        return "qif"
    if b":20:" in text[:400] and (b":25:" in text or b":60f:" in text or b":60m:" in text):
        return "mt940"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if b"\x00" in head[:1024]:
        raise InvalidInput(N_("This file is not a bank statement OurMoney can read."),
                           field="file")
    return "csv"


def _after_comments(text: bytes) -> bytes:
    """The text after any leading "#" comment lines (some Quicken exports start with them)."""
    while text.startswith(b"#"):
        text = text.partition(b"\n")[2].lstrip(b"\r\n\t ")
    return text


def reader_for(file_format: str) -> Reader:
    """Return the reader of a format, or a clear error when there is none."""
    from ourmoney.services.importing import sources  # noqa: F401 - registers the readers

    if file_format not in READERS:
        raise InvalidInput(N_("OurMoney cannot read %(format)s files yet."), field="format",
                           format=file_format)
    return READERS[file_format]
