"""A small JSON-over-HTTP client for talking to another device (standard library only)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from ourmoney import __version__
from ourmoney.errors import N_, OurMoneyError

TIMEOUT = 10.0
MAX_ANSWER_BYTES = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # a terminal escape, a line break


class PeerUnreachable(OurMoneyError):
    __doc__ = N_("Cannot reach %(url)s (%(reason)s).")

    status = 502


class NotOurMoney(OurMoneyError):
    __doc__ = N_("%(url)s did not answer like an OurMoney device.")

    status = 502


class PeerRefused(OurMoneyError):
    __doc__ = N_("%(url)s refused: %(reason)s")

    status = 502
    answered = 0  # the HTTP status the other side answered (`status` is what we answer)


def call(method: str, url: str, body: dict[str, Any] | None = None, *,
         bearer: str | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
    """Send JSON (or nothing) to `url` and return the JSON object it answers."""
    headers = {"Accept": "application/json", "User-Agent": f"OurMoney/{__version__}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return _json_object(url, answer.read(MAX_ANSWER_BYTES + 1))
    except urllib.error.HTTPError as error:
        with error:
            raise refusal(url, error.code, error.read(MAX_ANSWER_BYTES)) from None
    except (TimeoutError, urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise PeerUnreachable(url=url, reason=str(reason)) from None


def _json_object(url: str, raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_ANSWER_BYTES:
        raise NotOurMoney(url=url)
    try:
        found = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise NotOurMoney(url=url) from None
    if not isinstance(found, dict):
        raise NotOurMoney(url=url)
    return found


def refusal(url: str, status: int, raw: bytes) -> OurMoneyError:
    """Return the error for an HTTP error answer, keeping the other device's own message."""
    try:
        reason = json.loads(raw).get("error")
    except (ValueError, UnicodeDecodeError, AttributeError):
        reason = None
    if not isinstance(reason, str) or not reason:
        if status == 404:
            return NotOurMoney(url=url)
        refused = PeerRefused(url=url, reason=f"HTTP {status}")
    else:
        refused = PeerRefused(url=url, reason=_CONTROL.sub(" ", reason[:300]))
        refused.status = status if 400 <= status < 500 and status != 404 else 502
    refused.answered = status
    return refused
