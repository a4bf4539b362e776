"""Split OFX bytes (1.x SGML or 2.x XML) into tags and text, streamed, with line numbers.

Tags are ASCII, so the file is cut into tokens as bytes and only the text values are
decoded (see `decode`): that copes with headers whose CHARSET lies, with bodies on one
line, with unclosed SGML leaf tags and with a raw "<" or "&" inside a value.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

CHUNK = 64 * 1024
MAX_PENDING = 1024 * 1024  # an unfinished "<..." longer than this is text, not a tag
_TOKEN = re.compile(
    rb"<!\[CDATA\[(?P<cdata>.*?)\]\]>|<!--.*?-->|<[?!][^<>]*>"
    rb"|<(?P<end>/?)(?P<name>[A-Za-z][A-Za-z0-9._-]*)\s*(?P<empty>/?)>"
    rb"|(?P<text>[^<]+)|<", re.DOTALL)
_UNFINISHED = ((b"<![CDATA[", b"]]>"), (b"<!--", b"-->"))
_CHARSET = re.compile(rb"^\s*CHARSET\s*:\s*([\w-]+)", re.IGNORECASE | re.MULTILINE)
_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([\w.-]+)", re.IGNORECASE)
_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos|nbsp);")
_LATIN = {"latin_1", "iso8859-1", "ascii"}  # banks that say so usually mean Windows-1252


class Token(NamedTuple):
    """A start tag, an end tag, or a piece of text (CDATA text is literal: no entities)."""

    kind: str
    name: str
    text: bytes
    line: int
    literal: bool = False


def tokens(chunks: Iterable[bytes]) -> Iterator[Token]:
    """Yield the tokens of a stream of byte chunks, holding back at most one unfinished tag."""
    pending, line = b"", 1
    source = iter(chunks)
    finished = False
    while not finished:
        chunk = next(source, b"")
        finished = not chunk
        pending += chunk
        cut = len(pending) if finished else _safe_end(pending)
        for match in _TOKEN.finditer(pending, 0, cut):
            yield from _token(match, line)
            line += match.group().count(b"\n")
        pending = pending[cut:]


def _safe_end(pending: bytes) -> int:
    """Where the complete tokens end: before the last "<" or an unterminated CDATA/comment."""
    cut = pending.rfind(b"<")
    for opener, closer in _UNFINISHED:
        start = pending.rfind(opener)
        if start != -1 and pending.find(closer, start) == -1:
            cut = start if cut == -1 else min(cut, start)
    if cut == -1 or len(pending) - cut > MAX_PENDING:
        return len(pending)
    return cut


def _token(match: re.Match[bytes], line: int) -> Iterator[Token]:
    if match.group("cdata") is not None:
        yield Token("text", "", match.group("cdata"), line, literal=True)
    elif match.group("name") is not None:
        name = match.group("name").decode("ascii").upper()
        yield Token("end" if match.group("end") else "start", name, b"", line)
        if match.group("empty") and not match.group("end"):
            yield Token("end", name, b"", line)
    elif match.group("text") is not None or match.group() == b"<":
        yield Token("text", "", match.group(), line)


def fallback_codec(head: bytes) -> str:
    """The 8-bit code page a value is read in when it is not UTF-8 (from the header)."""
    found = _XML_ENCODING.search(head) or _CHARSET.search(head)
    name = found.group(1).decode("ascii") if found else "1252"
    if name.isdigit():
        name = "cp" + name
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return "cp1252"
    if codec in _LATIN or codec.startswith("utf"):
        return "cp1252"
    return codec


def decode(raw: bytes, codec: str, literal: bool = False) -> str:
    """Decode one value: UTF-8 when it is valid (whatever the header says), else `codec`."""
    raw = raw.replace(b"\x00", b"")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode(codec, errors="replace")
    if literal:
        return text
    for _ in range(2):  # some banks escape twice: "&amp;lt;" means "<"
        text = _ENTITY.sub(lambda match: html.unescape(match.group()), text)
    return text
