"""Joining a hub, leaving it and asking how it is: this device's side of docs/hub.md.

A joined hub is a peer of kind 'hub' named 'hub', synced like a paired device with the token
the hub gave when joining. The hub never calls this device, so it holds no token of ours
(no token_hash). One hub at a time: joining another leaves the first. What the hub said about
the membership (household, role, email) is kept in the `setting` row 'hub', which never syncs.
"""

from __future__ import annotations

import ipaddress
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, Conflict, InvalidInput, Message, NotFound, OurMoneyError
from ourmoney.services import device_http, devices
from ourmoney.services.book import Book
from ourmoney.services.devices import Peer
from ourmoney.services.sync import hub_peer
from ourmoney.services.sync.http import TIMEOUT

NAME = "hub"
ROLES = ("owner", "editor", "viewer")
JOIN_TIMEOUT = TIMEOUT  # a sleeping hosted hub can take a minute to answer
LEAVE_TIMEOUT = 15.0
STATUS_TIMEOUT = 10.0
TEXT_LIMIT = 120
EMAIL_LIMIT = 254
SECRET_LIMIT = 1024
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
# Segments of letters, digits and -._~ that do not start with a dot (no "." or "..").
_HUB_PATH = re.compile(r"(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,63})+/?")


class NotAHub(OurMoneyError):
    __doc__ = N_("%(url)s is not an OurMoney hub.")

    status = 502


class DeviceNotHub(NotAHub):
    __doc__ = N_("%(url)s is an OurMoney device, not a hub: pair with it on the Devices page.")


class HubIsPairedDevice(Conflict):
    __doc__ = N_("The hub at %(url)s claims the id of a device paired with this one.")


class PlainOverInternet(InvalidInput):
    __doc__ = N_("%(url)s is plain http:// on the internet, so the password and every change "
                 "would travel unencrypted: use the hub's https:// address.")


class NotJoined(NotFound):
    __doc__ = N_("This device has not joined a hub.")


@dataclass(frozen=True)
class Membership:
    """Who this device is at the hub: the household, the member's role and email."""

    household: str
    role: str
    email: str


@dataclass(frozen=True)
class Left:
    """The hub this device left; `reached` False when the hub could not be told."""

    url: str
    reached: bool
    reason: str = ""


@dataclass(frozen=True)
class Joined:
    """The hub this device joined, as whom, and the hub it left for it (if any)."""

    peer: Peer
    membership: Membership
    left: Left | None = None


@dataclass(frozen=True)
class HubStatus:
    """How syncing with the hub goes, and what the hub itself says when it answers."""

    peer: Peer
    membership: Membership
    answered: bool = False
    waking_up: bool = False
    problem: str = ""
    last_seq: int | None = None
    devices: int | None = None


def hub_url(value: object) -> str:
    """Return a hub's address: scheme, host, port and any path, ending in "/"; or refuse it.

    A path is for a hub behind a proxy that serves it under one (https://example.org/hub/);
    only plain path segments are taken. Plain http:// is allowed only on this computer and
    the local network (a private address, or a name ending in .local, .lan or .home.arpa): on
    the internet it must be https://.
    """
    text = value.strip() if isinstance(value, str) else ""
    root, path = _split_path(text)
    try:
        base = devices.base_url(root)
    except InvalidInput:
        raise InvalidInput(N_("The hub address must look like https://hub.example.org/."),
                           field="url") from None
    parts = urlsplit(base)
    if parts.scheme == "http" and not _on_this_network(parts.hostname or ""):
        raise PlainOverInternet(field="url", url=base + path)
    return base + path


def _split_path(text: str) -> tuple[str, str]:
    """Split an address into the part up to its host and port, and its path ("" or "a/b/")."""
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
    except ValueError:
        return text, ""
    segments = [segment for segment in parts.path.split("/") if segment]
    if not segments or not _HUB_PATH.fullmatch(parts.path) or len(text) > devices.URL_LIMIT:
        return text, ""  # the address as given: refused below unless it has no path
    root = urlunsplit((parts.scheme, parts.netloc, "/", parts.query, parts.fragment))
    return root, "/".join(segments) + "/"


def _on_this_network(host: str) -> bool:
    """Return True for loopback, private and link-local addresses and local network names."""
    if host == "localhost" or host.endswith((".local", ".lan", ".home.arpa", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def sign_in(email: object = None, password: object = None,
            invite: object = None) -> dict[str, str]:
    """Return the credentials to join with: an email and password, or an invite code."""
    code = invite.strip() if isinstance(invite, str) else ""
    if code:
        if email or password:
            raise InvalidInput(N_("Give an email and password, or an invite code, not both."),
                               field="invite")
        if len(code) > TEXT_LIMIT or devices.CONTROL.search(code) or " " in code:
            raise InvalidInput(N_("That invite code cannot be right."), field="invite")
        return {"invite": code}
    address = email.strip() if isinstance(email, str) else ""
    if (not _EMAIL.fullmatch(address) or len(address) > EMAIL_LIMIT
            or devices.CONTROL.search(address)):
        raise InvalidInput(N_("Give the email you use at the hub (or an invite code)."),
                           field="email")
    if not isinstance(password, str) or not password or len(password) > SECRET_LIMIT:
        raise InvalidInput(N_("Give the password you use at the hub."), field="password")
    return {"email": address, "password": password}


def current(book: Book) -> Peer | None:
    """Return the hub this device has joined, or None."""
    return next((peer for peer in devices.list_peers(book)
                 if peer.kind == "hub" and not peer.revoked), None)


def joined(book: Book) -> Peer:
    """Return the joined hub or refuse."""
    found = current(book)
    if found is None:
        raise NotJoined(field="hub")
    return found


def membership(book: Book) -> Membership:
    """Return what the hub last said about this device's membership."""
    raw = book.store.value("SELECT value FROM setting WHERE key = 'hub'")
    try:
        saved = json.loads(str(raw)) if raw else {}
        return Membership(str(saved["household"]), str(saved["role"]), str(saved["email"]))
    except (ValueError, KeyError, TypeError):
        return Membership("", "", "")


def join(book: Book, url: object, credentials: dict[str, str], *,
         timeout: float = JOIN_TIMEOUT) -> Joined:
    """Join the hub at `url` as a member (or with an invite); leave a hub joined before."""
    base = hub_url(url)
    hub_id = _hub_id(book, base, timeout)
    before = current(book)
    body = {**credentials, "device_id": book.device_id, "device_name": book.device_name}
    answer = _ask_to_join(base, body, timeout, _earlier(book, hub_id))
    token = _answered(base, devices.token, answer.get("token"))
    if _answered(base, devices.device_id, answer.get("device_id")) != hub_id:
        raise NotAHub(url=base)
    member = Membership(_text(base, answer.get("household")), _role(base, answer.get("role")),
                        _text(base, answer.get("email")))
    left = None
    if before is not None and before.device_id != hub_id:
        untold = _tell_leaving(before)
        left = Left(before.url, reached=not untold, reason=untold)
    _remember(book, hub_id, base, token, member, keep_old_token=left is not None
              and not left.reached)
    return Joined(devices.get_peer(book, hub_id), member, left)


def leave(book: Book, *, timeout: float = LEAVE_TIMEOUT) -> Left:
    """Revoke this device's token at the hub (if it answers) and forget the hub here."""
    hub = joined(book)
    reason = _tell_leaving(hub, timeout)
    forget(book, keep_token=bool(reason))
    return Left(hub.url, reached=not reason, reason=reason)


def forget(book: Book, *, keep_token: bool = False) -> None:
    """Stop syncing with the hub on this device, without telling the hub.

    A hub that could not be told keeps counting this device in its household; the token is
    kept (unused) so that joining that hub again can leave the household there first.
    """
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET revoked_at = ?,"
                       " token = CASE WHEN ? THEN token ELSE '' END"
                       " WHERE kind = 'hub' AND revoked_at IS NULL",
                       (utc_now_text(), keep_token))
        cursor.execute("DELETE FROM setting WHERE key = 'hub'")


def status(book: Book, *, timeout: float = STATUS_TIMEOUT) -> HubStatus:
    """Return the hub's sync record here, and what the hub says now when it answers."""
    hub = joined(book)
    member = membership(book)
    try:
        answer = device_http.call("GET", hub.url + "hub/v1/status", bearer=hub.token,
                                  timeout=timeout)
    except OurMoneyError as error:
        return HubStatus(hub, member, waking_up=hub_peer.asleep(error),
                         problem=hub_peer.said(error))
    try:
        now = Membership(_text(hub.url, answer.get("household")),
                         _role(hub.url, answer.get("role")), _text(hub.url, answer.get("email")))
        last_seq, others = _count(answer.get("last_seq")), answer.get("devices")
    except OurMoneyError as error:
        return HubStatus(hub, member, problem=error.message)
    if now != member:
        _save_membership(book, now)
    return HubStatus(hub, now, answered=True, last_seq=last_seq,
                     devices=len(others) if isinstance(others, list) else None)


def _hub_id(book: Book, base: str, timeout: float) -> str:
    """Ask who answers at `base`; return the hub's id, or refuse a device or a stranger."""
    info = device_http.call("GET", base + "sync/v1/info", timeout=timeout)
    found = _answered(base, devices.device_id, info.get("device_id"))
    if info.get("kind") != "hub":
        raise DeviceNotHub(url=base) if "protocol" in info else NotAHub(url=base)
    if found == book.device_id:
        raise NotAHub(url=base)
    paired = devices.find_peer(book, found)
    if paired is not None and paired.kind != "hub" and not paired.revoked:
        raise HubIsPairedDevice(url=base, field="url")
    return found


def _earlier(book: Book, hub_id: str) -> Peer | None:
    """Return this hub as this device knew it before, if it still holds a token there."""
    found = devices.find_peer(book, hub_id)
    return found if found is not None and found.kind == "hub" and found.token else None


def _ask_to_join(base: str, body: dict[str, str], timeout: float,
                 earlier: Peer | None) -> dict[str, Any]:
    """Send the join; if the hub still counts this device in another household, leave it."""
    try:
        return device_http.call("POST", base + "hub/v1/join", body, timeout=timeout)
    except device_http.PeerRefused as refused:
        if refused.answered != 409 or earlier is None:
            raise
    _tell_leaving(earlier)
    return device_http.call("POST", base + "hub/v1/join", body, timeout=timeout)


def _tell_leaving(hub: Peer, timeout: float = LEAVE_TIMEOUT) -> str:
    """Revoke this device's token at the hub; return why the hub was not told ("" if it was)."""
    try:
        device_http.call("POST", hub.url + "hub/v1/leave", {}, bearer=hub.token, timeout=timeout)
    except device_http.PeerRefused as refused:
        return "" if refused.answered == 401 else refused.message  # 401: already gone there
    except OurMoneyError as error:
        return error.message
    return ""


def _remember(book: Book, hub_id: str, url: str, token: str, member: Membership, *,
              keep_old_token: bool) -> None:
    """Store the joined hub (its cursors from zero: the household may be another one)."""
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET revoked_at = ?, token = CASE WHEN ? THEN token ELSE ''"
                       " END WHERE kind = 'hub' AND revoked_at IS NULL AND device_id != ?",
                       (utc_now_text(), keep_old_token, hub_id))
        cursor.execute(
            "INSERT INTO peer (device_id, name, url, kind, token, token_hash, paired_at)"
            " VALUES (?, ?, ?, 'hub', ?, '', ?) ON CONFLICT (device_id) DO UPDATE SET"
            " name = excluded.name, url = excluded.url, kind = 'hub', token = excluded.token,"
            " token_hash = '', paired_at = excluded.paired_at, revoked_at = NULL,"
            " last_sync_at = NULL, last_error = '', failures = 0, pulled_seq = 0, acked_seq = 0",
            (hub_id, NAME, url, token, utc_now_text()))
        _store_membership(cursor, member)


def _save_membership(book: Book, member: Membership) -> None:
    with book.store.write() as cursor:
        _store_membership(cursor, member)


def _store_membership(cursor: sqlite3.Cursor, member: Membership) -> None:
    saved = json.dumps({"household": member.household, "role": member.role,
                        "email": member.email})
    cursor.execute("INSERT INTO setting (key, value) VALUES ('hub', ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (saved,))


def _answered(url: str, check: Callable[[object], str], value: object) -> str:
    """Return a field of the hub's answer, checked; refuse a malformed answer."""
    try:
        return check(value)
    except InvalidInput:
        raise NotAHub(url=url) from None


def _text(url: str, value: object) -> str:
    """Return a name the hub sent, cut short and without control characters."""
    if not isinstance(value, str):
        raise NotAHub(url=url)
    return devices.CONTROL.sub("", value).strip()[:TEXT_LIMIT]


def _role(url: str, value: object) -> str:
    if value not in ROLES:
        raise NotAHub(url=url)
    return str(value)


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def leaving_note(left: Left) -> Message:
    """Return what to say after leaving: done, or done here only and why."""
    if left.reached:
        return Message(N_("Left the hub at %(url)s."), url=left.url)
    return Message(N_("Left the hub at %(url)s on this device only; the hub could not be told"
                      " (%(reason)s)."), url=left.url, reason=left.reason)
