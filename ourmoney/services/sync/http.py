"""Reach a paired device over HTTP: pull and push change pages (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.client import HTTPResponse

from ourmoney import __version__
from ourmoney.services.device_http import NotOurMoney, PeerUnreachable, refusal
from ourmoney.sync import protocol
from ourmoney.sync.protocol import Page, PushResult, parse_page, push_body

TIMEOUT = 60.0  # a sleeping hosted hub can take long to answer the first time
MAX_ANSWER = 64 * 1024


class HttpPeer:
    """A paired device at a base URL, called with the token it gave us."""

    def __init__(self, url: str, token: str, timeout: float = TIMEOUT) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.token = token
        self.timeout = timeout
        self._last_seq = 0

    def last_seq(self) -> int:
        """Return the newest seq of the peer's log, as its last page said."""
        return self._last_seq

    def pull(self, since: int, limit: int) -> Page:
        """Fetch a page of the peer's changes after `since`."""
        query = urllib.parse.urlencode({"since": since, "limit": limit})
        with self._open("GET", f"sync/v1/changes?{query}") as answer:
            self._last_seq = _number(answer.headers.get(protocol.LAST_SEQ_HEADER))
            try:
                return parse_page(answer)
            except (OSError, ValueError) as error:
                if isinstance(error, protocol.ProtocolError):
                    raise
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


def _number(text: str | None) -> int:
    return int(text) if text and text.isascii() and text.isdigit() else 0
