"""The device-to-device endpoints under /sync/v1: who this device is, pairing, and changes.

They speak JSON to programs, not forms to browsers: no CSRF token, but the body must be a
JSON object sent as application/json (which a cross-site form cannot send), and small.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, g, jsonify, request

from ourmoney import __version__
from ourmoney.errors import N_, InvalidInput, OurMoneyError
from ourmoney.services import devices, pairing
from ourmoney.services.devices import Peer
from ourmoney.services.sync import engine
from ourmoney.services.sync.log import last_seq
from ourmoney.sync import protocol
from ourmoney.web import context

bp = Blueprint("sync_api", __name__, url_prefix="/sync/v1")
MAX_PAIR_BYTES = 16 * 1024
MAX_PUSH_BYTES = 32 * 1024 * 1024
View = TypeVar("View", bound=Callable[..., Any])


class NotSignedIn(OurMoneyError):
    __doc__ = N_("This needs a valid device token (Authorization: Bearer ...).")

    status = 401


class TooLarge(OurMoneyError):
    __doc__ = N_("The request body is too large.")

    status = 413


def device_required(view: View) -> View:
    """Let the view run only for a paired, unrevoked device (then `flask.g.peer`); else 401."""
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        peer = presented_peer()
        if peer is None:
            return unauthorized()
        g.peer = peer
        return view(*args, **kwargs)
    return cast(View, checked)


def current_peer() -> Peer:
    """Return the device the request came from (after @device_required)."""
    return cast(Peer, g.peer)


def presented_peer() -> Peer | None:
    """Return the paired device whose token the request presents (Authorization: Bearer)."""
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return devices.authenticate(context.book(), bearer.strip())


def unauthorized() -> tuple[Response, int, dict[str, str]]:
    """Answer a missing, wrong or revoked token with 401 and the scheme to use."""
    return (jsonify(error=NotSignedIn().message), 401,
            {"WWW-Authenticate": 'Bearer realm="ourmoney"'})


def json_object(limit: int) -> dict[str, Any]:
    """Return the request's JSON object body, refusing other types, bad JSON or a big body."""
    if request.content_length is None or request.content_length > limit:
        raise TooLarge() if request.content_length else InvalidInput(
            N_("The body must be a JSON object."))
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise InvalidInput(N_("The body must be a JSON object."))
    return body


@bp.get("/info")
def get_info() -> Response:
    book = context.book()
    return jsonify(device_id=book.device_id, name=book.device_name, version=__version__,
                   protocol=protocol.VERSION)


@bp.post("/pair")
def post_pair() -> Response:
    answer = pairing.accept(context.book(), pairing.read_request(json_object(MAX_PAIR_BYTES)))
    return jsonify(device_id=answer.device_id, name=answer.name, token=answer.token)


@bp.get("/changes")
@device_required
def get_changes() -> Response:
    book, peer = context.book(), current_peer()
    since = _whole_number("since", 0, 0, 2**62)
    limit = _whole_number("limit", protocol.PAGE, 1, protocol.MAX_PAGE)
    given = request.headers.get(protocol.PULLED_HEADER)
    held = None if given is None else _whole_number("pulled", 0, 0, 2**62, given)
    page = engine.serve_pull(book, peer.device_id, since, limit, held)
    return Response(page.ndjson(), mimetype=protocol.MEDIA_TYPE,
                    headers={protocol.LAST_SEQ_HEADER: str(last_seq(book))})


@bp.post("/changes")
@device_required
def post_changes() -> Response:
    if request.mimetype != protocol.MEDIA_TYPE:
        raise InvalidInput(N_("Send changes as application/x-ndjson."))
    if request.content_length is None or request.content_length > MAX_PUSH_BYTES:
        raise TooLarge() if request.content_length else InvalidInput(
            N_("Send changes as application/x-ndjson."))
    pulled = _whole_number("pulled", 0, 0, 2**62, request.headers.get(protocol.PULLED_HEADER))
    try:
        changes = protocol.parse_push(request.stream)
        result = engine.serve_push(context.book(), current_peer().device_id, changes, pulled)
    except protocol.ProtocolError as error:
        raise InvalidInput(N_("The changes were refused: %(reason)s"), reason=str(error)) from None
    return jsonify(result.as_json())


def _whole_number(name: str, default: int, low: int, high: int,
                  given: str | None = None) -> int:
    """Return a whole-number query parameter (or header) within bounds, else a 400."""
    text = request.args.get(name) if given is None else given
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(N_("%(name)s must be a whole number from %(low)s to %(high)s."),
                           field=name, name=name, low=low, high=high)
    return int(text)
