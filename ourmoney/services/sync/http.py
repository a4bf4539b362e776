"""Reach a paired device over HTTP: pull and push change pages (standard library only)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from http.client import HTTPResponse, IncompleteRead

from ourmoney import __version__
from ourmoney.services.device_http import NotOurMoney, PeerUnreachable, refusal
from ourmoney.services.sync import turns
from ourmoney.services.sync.values import check_changes
from ourmoney.sync import protocol
from ourmoney.sync.protocol import Page, PushResult, parse_page, push_body

TIMEOUT = 60.0  # a sleeping hosted hub can take long to answer the first time
MAX_ANSWER = 64 * 1024
READ_BLOCK = 256 * 1024
MAX_PAGE_BYTES = protocol.MAX_PAGE * (protocol.MAX_LINE + 1) + protocol.MAX_LINE


class HttpPeer:
    """A paired device at a base URL, called with the token it gave us."""

    def __init__(self, url: str, token: str, timeout: float = TIMEOUT) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.token = token
        self.timeout = timeout
        self._last_seq = 0
        self._ahead: _Ahead | None = None

    def last_seq(self) -> int:
        """Return the newest seq of the peer's log, as its last page said."""
        return self._last_seq

    def pull(self, since: int, limit: int) -> Page:
        """Fetch a page of the peer's changes after `since`, and start fetching the next one.

        The caller applies a page before asking for the next, so asking from `since` means
        it holds the peer's log up to `since`: the next page, fetched meanwhile, says so.
        The next page is downloaded in a helper thread, which also reads and checks it while
        this thread is inside SQLite (see turns). Pages come back with their values checked.
        """
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.asks == (since, limit):
            page, self._last_seq = ahead.result()
        else:
            page, self._last_seq = self._fetch(since, limit, since)
        turns.take_turn()
        if page.more:
            self._ahead = _Ahead(self._fetch_in_turn, (page.next, limit), since)
        return page

    def _fetch(self, since: int, limit: int, held: int) -> tuple[Page, int]:
        body, last = self._download(since, limit, held)
        return read_page(body), last

    def _fetch_in_turn(self, since: int, limit: int, held: int) -> tuple[Page, int]:
        """Ask for a page now; read the answer when the applying thread gives its turn.

        Reading the answer runs Python for every block received, so it waits for the turn too;
        meanwhile the peer writes the page ahead into the connection.
        """
        body, last = self._download(since, limit, held, before_body=turns.wait_for_turn)
        return read_page(body), last

    def _download(self, since: int, limit: int, held: int,
                  before_body: Callable[[], object] = lambda: None) -> tuple[bytes, int]:
        """Read one page's NDJSON; `held` is how far this device holds the peer's log now."""
        query = urllib.parse.urlencode({"since": since, "limit": limit})
        headers = {protocol.PULLED_HEADER: str(held)}
        with self._open("GET", f"sync/v1/changes?{query}", headers=headers) as answer:
            last = _number(answer.headers.get(protocol.LAST_SEQ_HEADER))
            before_body()
            try:
                return _body(answer), last
            except (OSError, ValueError) as error:
                raise PeerUnreachable(url=self.url, reason=str(error)) from None

    def push(self, lines: Sequence[str], pulled: int) -> PushResult:
        """Send change lines; the peer answers what it accepted."""
        body = "".join(line + "\n" for line in push_body(lines)).encode()
        headers = {"Content-Type": protocol.MEDIA_TYPE, protocol.PULLED_HEADER: str(pulled)}
        with self._open("POST", "sync/v1/changes", body, headers) as answer:
            raw = answer.read(MAX_ANSWER + 1)
        try:
            found = json.loads(raw)
            return PushResult(int(found["accepted"]), int(found["duplicates"]),
                              int(found["quarantined"]))
        except (ValueError, KeyError, TypeError):
            raise NotOurMoney(url=self.url) from None

    @contextmanager
    def _open(self, method: str, path: str, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> Iterator[HTTPResponse]:
        request = urllib.request.Request(
            self.url + path, data=body, method=method,
            headers={"Authorization": f"Bearer {self.token}",
                     "User-Agent": f"OurMoney/{__version__}", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                yield answer
        except urllib.error.HTTPError as error:
            with error:
                raise refusal(self.url, error.code, error.read(MAX_ANSWER)) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            reason = getattr(error, "reason", None) or error
            raise PeerUnreachable(url=self.url, reason=str(reason)) from None


class _Ahead:
    """The next page, fetched in a helper thread while the caller applies this one."""

    def __init__(self, fetch: Callable[[int, int, int], tuple[Page, int]],
                 asks: tuple[int, int], held: int) -> None:
        self.asks = asks
        self._found: tuple[Page, int] | None = None
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(fetch, held), daemon=True,
                                        name="sync-pull-ahead")
        self._thread.start()

    def _run(self, fetch: Callable[[int, int, int], tuple[Page, int]], held: int) -> None:
        try:
            self._found = fetch(*self.asks, held)
        except Exception as error:  # handed to the caller, in its thread, by result()
            self._error = error

    def result(self) -> tuple[Page, int]:
        """Wait for the page (the helper may run meanwhile); raise what fetching it raised."""
        turns.give_turn()
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._found is not None
        return self._found


def read_page(body: bytes) -> Page:
    """Parse a pulled page and check its values; raise ProtocolError if anything is wrong."""
    page = parse_page(body.split(b"\n"))
    check_changes(page.changes)
    return replace(page, checked=True)


def _body(answer: HTTPResponse) -> bytes:
    """Read a whole answer in large blocks (no bigger than the largest valid page).

    A connection cut mid-answer keeps only the whole lines received; the page parser then
    finds no last line and refuses the page as cut short.
    """
    blocks: list[bytes] = []
    size = 0
    while size <= MAX_PAGE_BYTES:
        try:
            block = answer.read(READ_BLOCK)
        except IncompleteRead as cut:
            answer.close()
            received = b"".join([*blocks, cut.partial])
            return received[:received.rfind(b"\n") + 1]
        if not block:
            break
        blocks.append(block)
        size += len(block)
    return b"".join(blocks)


def _number(text: str | None) -> int:
    return int(text) if text and text.isascii() and text.isdigit() else 0
