"""Syncing with a hub: the same protocol as a device, with the hub's refusals in plain words.

A hosted hub may be asleep or restarting: it then does not answer, times out, or its proxy
answers 502/503/504. That is not the user's problem to read about, so it is said as "waking
up" while the background sync keeps retrying with backoff. A viewer may read but not push:
its sync pulls, keeps its own changes, and says why they stay on this device.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ourmoney.errors import N_, Message, OurMoneyError
from ourmoney.services.book import Book
from ourmoney.services.device_http import PeerRefused, PeerUnreachable
from ourmoney.services.sync.apply import release_quarantine
from ourmoney.services.sync.engine import Progress, SyncReport, pull_from, push_to
from ourmoney.services.sync.http import HttpPeer
from ourmoney.sync.protocol import MAX_PAGE, PushResult

ASLEEP_STATUSES = frozenset({502, 503, 504})
log = logging.getLogger(__name__)


class HubWakingUp(OurMoneyError):
    __doc__ = N_("The hub is waking up; trying again shortly.")

    status = 503


class HubReadOnly(OurMoneyError):
    __doc__ = N_("This hub lets you read only; your changes stay on this device.")

    status = 403


class HubForgotUs(OurMoneyError):
    __doc__ = N_("The hub no longer accepts this device (it was removed there); join it again.")

    status = 401


def asleep(error: Exception) -> bool:
    """Return whether an error means the hub has not answered yet (asleep or restarting)."""
    if isinstance(error, PeerUnreachable):
        return True
    return isinstance(error, PeerRefused) and error.answered in ASLEEP_STATUSES


def said(error: OurMoneyError) -> Message:
    """Return what to tell the user about a hub's error: waking up, removed, or its message."""
    if asleep(error):
        log.info("the hub did not answer: %s", error.message)
        return HubWakingUp().message
    if isinstance(error, PeerRefused) and error.answered == 401:
        return HubForgotUs().message
    return error.message


class HubPeer(HttpPeer):
    """A hub reached over HTTP: a viewer's refused push keeps its changes and says so."""

    def push(self, lines: Sequence[str], pulled: int) -> PushResult:
        """Send change lines; an empty push that a viewer may not make is not an error."""
        try:
            return super().push(lines, pulled)
        except PeerRefused as refused:
            if refused.answered != 403:
                raise
            if lines:
                raise HubReadOnly() from None
            return PushResult(0, 0, 0)


def sync_with_hub(book: Book, hub_id: str, transport: HubPeer,
                  progress: Progress | None = None) -> tuple[SyncReport, str]:
    """Push to the hub, then pull from it in pages of up to 5,000; return the report and a warning.

    Pushing first means that everything this device held is acknowledged when the pull
    begins, so the pulled changes (which the hub holds) are never pushed back to it. A
    viewer's refused push still lets the pull through; its changes stay unacknowledged, so
    they go out if the hub later lets it write.
    """
    release_quarantine(book)
    warning = ""
    try:
        pushed = push_to(book, hub_id, transport, progress=progress)
    except HubReadOnly as refused:
        pushed, warning = 0, refused.message
    pulled, quarantined = pull_from(book, hub_id, transport, page=MAX_PAGE, progress=progress,
                                    relay=True)
    return SyncReport(pushed, pulled, quarantined), warning
