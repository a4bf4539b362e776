"""CSV from any bank: encoding and delimiter found here, the table and columns in `table`.

The file is decoded incrementally and fed line by line to the csv module, so a file of any
size streams in flat memory, quoted fields may span lines, and every problem carries the
file's physical line number. The delimiter is chosen by scoring how consistently each
candidate splits the first lines (csv.Sniffer looks at one sample as a whole and is thrown
by preambles and by delimiters inside quoted text). The encoding: a BOM, else UTF-8 when the
bytes are valid UTF-8, else charset-normalizer among the legacy code pages banks use, with
Windows-1252 preferred to the code pages that decode the same bytes the same way.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO, Any

import charset_normalizer

from ourmoney.errors import N_, InvalidInput, Message
from ourmoney.services.importing.formats import ReadOptions, register
from ourmoney.services.importing.rows import ImportRow, RowProblem
from ourmoney.services.importing.table import (
    MAP_FIRST,
    ColumnMapping,
    TableShape,
    build_shape,
    read_rows,
)
from ourmoney.services.importing.table_cells import count_down
from ourmoney.services.importing.table_guess import Record, trimmed

SAMPLE = 64 * 1024
CHUNK = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
LEGACY = ["cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
          "cp1258", "gb18030", "big5", "euc_jp", "shift_jis", "euc_kr", "koi8_r"]
WESTERN = frozenset("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ"
                    "€£§©®°µ·«»–—‘’“”„•…™½¼¾×ŠšŽž\u00a0")
NOT_TEXT = N_("This file is not a text table (CSV): it holds binary data.")
_BREAK = re.compile(r"\r\n|\r|\n")
MAX_LINE = 16 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class Unreadable(Exception):
    """The CSV cannot be read on from this line (a broken quote, an endless field)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


@register("csv")
def read(stream: IO[bytes], options: ReadOptions) -> Iterator[ImportRow | RowProblem]:
    """Read a bank CSV with the mapping and layout in `options` (found by inspect if absent)."""
    try:
        mapping, extra = _setup(stream, options)
    except InvalidInput as error:
        yield RowProblem(0, error.message)
        return
    try:
        encoding = codecs.lookup(str(extra["encoding"])).name
    except LookupError:
        yield RowProblem(0, Message(N_("OurMoney cannot read text encoded as %(encoding)r."),
                                    encoding=extra["encoding"]))
        return
    rows = _checked(records(lines(stream, encoding), str(extra["delimiter"])), encoding)
    try:
        yield from read_rows(rows, mapping, data_row=TableShape.first_data_row(extra),
                             header_row=extra.get("header_row"))
    except Unreadable as error:
        yield RowProblem(error.line, error.message)


def _setup(stream: IO[bytes], options: ReadOptions) -> tuple[ColumnMapping, dict[str, Any]]:
    """Return the mapping and layout, inspecting the file for whatever the options lack."""
    extra = dict(options.extra)
    mapping = ColumnMapping.from_dict(options.mapping) if options.mapping else None
    if mapping and extra.get("encoding") and extra.get("delimiter"):
        return mapping, extra
    if not _seekable(stream):
        raise InvalidInput(MAP_FIRST)
    shape = inspect_csv(stream)
    for name, value in shape.extra().items():
        if not extra.get(name):
            extra[name] = value
    if mapping is None:
        if shape.guess is None or shape.confidence != "high":
            raise InvalidInput(MAP_FIRST)
        mapping = shape.guess
    return mapping, extra


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def inspect_csv(stream: IO[bytes]) -> TableShape:
    """Find the encoding, delimiter, table and guessed mapping; rewind a seekable stream."""
    start = stream.tell() if _seekable(stream) else None
    try:
        head = stream.read(SAMPLE)
        if not head:
            raise InvalidInput(N_("The file is empty."), field="file")
        encoding = detect_encoding(head, stream)
        text = _decoded(head, encoding, final=len(head) < SAMPLE)
        delimiter = sniff(text)
        sample = list(records(_split(text), delimiter, lenient=True))
        if len(head) == SAMPLE and len(sample) > 1:
            sample.pop()  # the last record may be cut short by the sample's end
    finally:
        if start is not None:
            stream.seek(start)

    def more_dates(column: int, formats: list[str]) -> Counter[str]:
        return _count_dates(stream, start, encoding, delimiter, column, formats)

    return build_shape(sample, encoding=encoding, delimiter=delimiter, file_format="csv",
                       more_dates=more_dates if start is not None else None)


def _count_dates(stream: IO[bytes], start: int | None, encoding: str, delimiter: str,
                 column: int, formats: list[str]) -> Counter[str]:
    """Count date formats down the whole column, until one of `formats` is ahead."""
    stream.seek(start or 0)
    try:
        return count_down(_column(stream, encoding, delimiter, column), formats)
    finally:
        stream.seek(start or 0)


def _column(stream: IO[bytes], encoding: str, delimiter: str, column: int) -> Iterator[str]:
    """Yield one column's values down the file (as far as it can be read)."""
    try:
        for _, cells in records(lines(stream, encoding), delimiter, lenient=True):
            if column < len(cells):
                yield str(cells[column])
    except Unreadable:
        return


def detect_encoding(head: bytes, stream: IO[bytes]) -> str:
    """Return the file's text encoding from its BOM, UTF-8 validity or its legacy bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise InvalidInput(NOT_TEXT, field="file")
    window = head if not head.isascii() else _first_non_ascii(stream)
    if not window:
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(window, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _western(window):
        return "cp1252"
    best = charset_normalizer.from_bytes(window, cp_isolation=LEGACY).best()
    if best is None:
        return "cp1252" if _decodes(window, "cp1252") else "latin-1"
    return "cp1252" if "cp1252" in best.could_be_from_charset else str(best.encoding)


def _western(data: bytes) -> bool:
    """Return True when Windows-1252 reads the bytes as ordinary Western European text.

    charset-normalizer needs more text than a short statement has to tell Windows-1252 from
    its Central European and Baltic neighbours; those decode to letters outside this set.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(c in WESTERN for c in text if ord(c) > 127)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _first_non_ascii(stream: IO[bytes]) -> bytes:
    """Return the bytes from the first non-ASCII one on (the head was all ASCII)."""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return b""
        if not chunk.isascii():
            first = next(i for i, byte in enumerate(chunk) if byte > 127)
            return (chunk[first:] + stream.read(SAMPLE))[:SAMPLE]


def _decoded(head: bytes, encoding: str, *, final: bool) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=final)
    if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
        raise InvalidInput(NOT_TEXT, field="file")
    return text


def sniff(text: str) -> str:
    """Return the delimiter that splits the most lines into the same number of fields."""
    return max(DELIMITERS, key=lambda delimiter: _consistency(text, delimiter))


def _consistency(text: str, delimiter: str) -> tuple[int, int]:
    widths: Counter[int] = Counter()
    try:
        for _, cells in records(_split(text), delimiter, lenient=True):
            width = len(trimmed(cells))
            if width >= 2:
                widths[width] += 1
    except Unreadable:
        pass
    return max(((count, width) for width, count in widths.items()), default=(0, 0))


def lines(stream: IO[bytes], encoding: str) -> Iterator[str]:
    """Decode the stream chunk by chunk and yield its lines with their endings."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    rest = ""
    while True:
        chunk = stream.read(CHUNK)
        text = rest + decoder.decode(chunk, final=not chunk)
        if not chunk:
            yield from _split(text)
            return
        # A "\r\n" may be split across two chunks: keep a final "\r" for the next one.
        complete = len(text) - 1 if text.endswith("\r") else len(text)
        start = 0
        for found in _BREAK.finditer(text, 0, complete):
            yield text[start:found.end()]
            start = found.end()
        rest = text[start:]
        if len(rest) > MAX_LINE:
            raise Unreadable(0, Message(N_("A line is longer than 16 MB; this is not a bank"
                                              " statement.")))


def _split(text: str) -> Iterator[str]:
    start = 0
    for found in _BREAK.finditer(text):
        yield text[start:found.end()]
        start = found.end()
    if start < len(text):
        yield text[start:]


def records(source: Iterable[str], delimiter: str, *, lenient: bool = False
            ) -> Iterator[Record]:
    """Yield (first line number, fields) for each CSV record."""
    reader = csv.reader(source, delimiter=delimiter, quotechar='"', strict=False)
    line = 1
    try:
        for row in reader:
            yield line, row
            line = reader.line_num + 1
    except csv.Error as error:
        if not lenient:
            raise Unreadable(line, Message(N_("The CSV cannot be read from here on (%(error)s)."),
                                            error=str(error))) from None


def _checked(rows: Iterator[Record], encoding: str) -> Iterator[Record | RowProblem]:
    """Report lines whose bytes are not valid in the file's encoding instead of guessing."""
    for line, cells in rows:
        if any("\ufffd" in str(cell) for cell in cells):
            yield RowProblem(line, Message(N_("This line is not valid %(encoding)s text."),
                                           encoding=encoding))
        else:
            yield line, cells
