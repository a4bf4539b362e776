"""Pairing two devices with a one-time code, after which each holds a token for the other.

Device A shows a code; device B sends it to A's `/sync/v1/pair` with B's id, name, address
and a token B generated (A presents it when calling B). A checks the code, stores B and
answers with its own id, name and a token it generated (B presents it when calling A).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ourmoney.clock import wall_ms
from ourmoney.errors import N_, Conflict, InvalidInput
from ourmoney.services import codes, device_http, devices
from ourmoney.services.book import Book
from ourmoney.services.codes import IssuedCode, Now
from ourmoney.services.devices import Peer

PURPOSE = "device"
LINK_MARK = "#pair="
_FIELDS = frozenset({"code", "device_id", "name", "url", "token"})


class PairingWithSelf(Conflict):
    __doc__ = N_("A device cannot pair with itself.")


@dataclass(frozen=True)
class PairingRequest:
    """What device B sends to device A to pair."""

    code: str
    device_id: str
    name: str
    url: str
    token: str


@dataclass(frozen=True)
class PairingAnswer:
    """What device A answers: who it is and the token B presents to it."""

    device_id: str
    name: str
    token: str


def new_code(book: Book, *, now: Now = wall_ms) -> IssuedCode:
    """Create a one-time pairing code for this device, valid ten minutes."""
    return codes.issue(book.store, PURPOSE, now=now)


def pairing_link(url: str, code: str) -> str:
    """Return the address and code in one text (for the QR code and the Pair form)."""
    return f"{devices.base_url(url)}{LINK_MARK}{code}"


def read_request(body: Mapping[str, object]) -> PairingRequest:
    """Check a pairing request's fields and return it, or refuse with the field at fault."""
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise InvalidInput(N_("Unknown field: %(name)s."), field=unknown[0], name=unknown[0][:40])
    url = body.get("url")
    return PairingRequest(code=codes.normalize(body.get("code")),
                          device_id=devices.device_id(body.get("device_id")),
                          name=devices.device_name(body.get("name")),
                          url=devices.base_url(url) if url not in (None, "") else "",
                          token=devices.token(body.get("token")))


def accept(book: Book, request: PairingRequest, *, now: Now = wall_ms) -> PairingAnswer:
    """Pair with the device that sent a live code; refuse a wrong, used or expired one."""
    if request.device_id == book.device_id:
        raise PairingWithSelf(field="device_id")
    ours = devices.new_token()
    with book.store.write() as cursor:
        verdict = codes.redeem(cursor, PURPOSE, request.code, now())
        if verdict is codes.Verdict.ACCEPTED:
            devices.store_peer(cursor, request.device_id, request.name, request.url,
                               our_token=request.token, their_token=ours)
    codes.refuse_unless_accepted(verdict)
    return PairingAnswer(book.device_id, book.device_name, ours)


def remember_own_url(book: Book, url: str) -> None:
    """Record the address this device's server answers at (sent to devices that pair)."""
    with book.store.write() as cursor:
        cursor.execute("INSERT INTO setting (key, value) VALUES ('device_url', ?)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       (devices.base_url(url),))


def own_url(book: Book) -> str:
    """Return the address this device's server last answered at ("" if never served)."""
    return str(book.store.value("SELECT value FROM setting WHERE key = 'device_url'") or "")


def split_address(address: object, code: object = None) -> tuple[str, str]:
    """Return (base URL, code) from an address and code, or from a pairing link alone."""
    text = address.strip() if isinstance(address, str) else ""
    if LINK_MARK in text:
        text, linked = text.split(LINK_MARK, 1)
        code = code or linked
    normal = codes.normalize(code if code is not None else "")
    if len(normal) != codes.LENGTH or set(normal) - set(codes.ALPHABET):
        raise InvalidInput(N_("A pairing code has 8 letters and digits, such as ABCD-EFGH."),
                           field="code")
    return devices.base_url(text), normal


def pair_with(book: Book, address: object, code: object = None) -> Peer:
    """Pair this device with the one at `address` using the code it shows."""
    url, normal = split_address(address, code)
    info = device_http.call("GET", url + "sync/v1/info")
    their_id = _answered(url, devices.device_id, info.get("device_id"))
    if their_id == book.device_id:
        raise PairingWithSelf(field="url")
    ours = devices.new_token()
    answer = device_http.call("POST", url + "sync/v1/pair", {
        "code": normal, "device_id": book.device_id, "name": book.device_name,
        "url": own_url(book), "token": ours})
    if _answered(url, devices.device_id, answer.get("device_id")) != their_id:
        raise device_http.NotOurMoney(url=url)
    name = _answered(url, devices.device_name, answer.get("name"))
    theirs = _answered(url, devices.token, answer.get("token"))
    return devices.save_peer(book, their_id, name, url, our_token=theirs, their_token=ours)


def _answered(url: str, check: Callable[[object], str], value: object) -> str:
    """Return a field of the other device's answer, checked; refuse a malformed answer."""
    try:
        return check(value)
    except InvalidInput:
        raise device_http.NotOurMoney(url=url) from None
