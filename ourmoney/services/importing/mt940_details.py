"""What an MT940 transaction says in its :86: (or :NS:) lines: a payee and the rest as notes.

Banks write :86: four ways: German subfields ("166?00GUTSCHRIFT?20purpose?32name", any
separator after the three-digit code), Dutch-style tags ("/NAME/payee/REMI/purpose"),
non-standard :NS: lines ("15name", "01purpose") and free text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

SUBFIELD_WIDTH = 27
_SUBFIELDS = re.compile(r"^\s*(\d{3})([^\w\s])\d{2}")
_TAGGED = re.compile(r"^/[A-Z]{2,8}/")
_TAGS = ("TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID", "ORDP", "BENM", "ID",
         "ADDR", "ISDT", "PREF", "RTRN", "CNTP", "PURP", "ULTC", "ULTD", "ULTB", "SVCL",
         "USTD", "STRD", "CDTRREF", "CDTRREFTP", "CD", "ISSR", "EXCH", "CHGS", "OCMT",
         "BUSP", "FEE", "ADDR1", "ADDR2")
_TAG = re.compile(r"/(" + "|".join(sorted(_TAGS, key=len, reverse=True)) + r")/")
_PURPOSE = tuple(f"{n}" for n in (*range(20, 30), *range(60, 64)))
_SEPA_PURPOSE = re.compile(r"SVWZ\+(.*?)(?=\b(?:EREF|KREF|MREF|CRED|DEBT|ABWA|ABWE|IBAN|BIC"
                           r"|COAM|OAMT|PURP)\+|$)")


class Lines(Protocol):
    """A field's tag and its lines."""

    tag: str
    lines: list[str]


def describe(details: Sequence[Lines], supplement: str) -> tuple[str, str]:
    """Return (description, notes) from a transaction's :86:/:NS: fields and :61: supplement."""
    name, texts = "", []
    for detail in details:
        found_name, found_texts = (_ns(detail.lines) if detail.tag == "NS"
                                   else _details(detail.lines))
        name = name or found_name
        texts += found_texts
    texts = [*texts, supplement]
    description = name or next((text for text in texts if text), "")
    notes = [text for text in dict.fromkeys(texts) if text and text != description]
    return description, "; ".join(notes)


def _details(lines: list[str]) -> tuple[str, list[str]]:
    joined = "".join(lines)
    if _SUBFIELDS.match(joined):
        return _subfields(joined)
    if _TAGGED.match(joined.strip()):
        return _tagged(joined.strip())
    return _free(lines)


def _subfields(joined: str) -> tuple[str, list[str]]:
    """German-style "?20" subfields: ?00 booking text, ?20-29/?60-63 purpose, ?32-33 name."""
    found = _SUBFIELDS.match(joined)
    assert found is not None
    parts = re.split(re.escape(found.group(2)) + r"(\d{2})", joined[found.end(2) - 1:])
    fields: dict[str, list[str]] = {}
    for code, content in zip(parts[1::2], parts[2::2], strict=True):
        fields.setdefault(code, []).append(content)
    purpose = joined_cut([c for code in _PURPOSE for c in fields.get(code, [])])
    sepa = _SEPA_PURPOSE.search(purpose)
    name = joined_cut(fields.get("32", []) + fields.get("33", []))
    booking = _clean(" ".join(fields.get("00", [])))
    texts = [_clean(sepa.group(1)), _clean(purpose.replace(sepa.group(0), " ")), booking] \
        if sepa else [purpose, booking]
    return name, texts


def _tagged(joined: str) -> tuple[str, list[str]]:
    """Dutch-style "/TAG/value" details: /NAME/ is the payee, /REMI/ the purpose."""
    parts = _TAG.split(joined)
    values: dict[str, str] = {}
    for tag, value in zip(parts[1::2], parts[2::2], strict=True):
        values.setdefault(tag, _clean(value.strip("/")))
    purpose = values.get("REMI", "") or values.get("USTD", "")
    texts = [purpose, values.get("TRTP", ""), values.get("ADDR", "")]
    texts += [f"{tag} {values[tag]}" for tag in ("EREF", "MARF", "IBAN") if values.get(tag)]
    return values.get("NAME", ""), texts


def _ns(lines: list[str]) -> tuple[str, list[str]]:
    """Non-standard :NS: lines "NNtext": 01-14 purpose, 15-16 name, 17 booking text."""
    fields: dict[str, list[str]] = {}
    for line in lines:
        if len(line) >= 2 and line[:2].isdigit():
            fields.setdefault(line[:2], []).append(line[2:])
    purpose = " ".join(_clean(t) for code in range(1, 15) for t in fields.get(f"{code:02d}", []))
    name = joined_cut(fields.get("15", []) + fields.get("16", []))
    return name, [_clean(purpose), _clean(" ".join(fields.get("17", [])))]


def _free(lines: list[str]) -> tuple[str, list[str]]:
    """Free text: the first line describes, the others are notes."""
    kept = [_clean(line) for line in lines if line.strip()]
    return "", [kept[0] if kept else "", " ".join(kept[1:])]


def joined_cut(parts: Sequence[str], width: int = SUBFIELD_WIDTH) -> str:
    """Join fixed-width pieces: no space after a full piece (a word was cut there)."""
    text = ""
    for index, part in enumerate(parts):
        if index and len(parts[index - 1]) >= width:
            text += part
        else:
            text += (" " if text else "") + part.strip()
    return _clean(text)


def _clean(text: str) -> str:
    return " ".join(text.split())
