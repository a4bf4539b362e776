"""Read this device's change log in pages, as the protocol's NDJSON lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ourmoney.services.book import Book
from ourmoney.sync.protocol import MAX_PAGE, change_line, page_trailer


@dataclass(frozen=True)
class LogPage:
    """Encoded change lines after a seq, the seq to continue from, and whether more follow."""

    lines: list[str]
    next: int
    more: bool

    def ndjson(self) -> Iterator[str]:
        """Yield the page as NDJSON text, a line at a time, ending with its trailer."""
        for line in self.lines:
            yield line + "\n"
        yield page_trailer(self.next, self.more) + "\n"


def changes_since(book: Book, since: int, limit: int, *, skip_origin: str = "") -> LogPage:
    """Return up to `limit` changes logged after seq `since`, leaving out one device's own.

    The left-out changes are skipped in SQL (a device that holds nothing but a peer's own
    changes does not read them all to send none); a page that ends the log ends at its
    newest seq, read first so that a change logged meanwhile is never jumped over.
    """
    limit = max(1, min(limit, MAX_PAGE))
    newest = last_seq(book)
    rows = book.store.rows(
        "SELECT seq, hlc, origin, entity, row_id, fields FROM change"
        " WHERE seq > ? AND seq <= ? AND origin != ? ORDER BY seq LIMIT ?",
        (since, newest, skip_origin, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    lines = [change_line(hlc, origin, entity, row_id, fields)
             for _seq, hlc, origin, entity, row_id, fields in rows]
    return LogPage(lines, rows[-1][0] if more else max(since, newest, 0), more)


def last_seq(book: Book) -> int:
    """Return the seq of the newest change in this device's log."""
    return int(book.store.value("SELECT coalesce(max(seq), 0) FROM change") or 0)
