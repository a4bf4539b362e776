"""The hub's HTTP interface (Flask): joining, status, and the sync endpoints devices call.

Views are a few lines: read the request, call hub.devices or hub.relay, answer JSON (pages
of changes answer NDJSON). Every device view starts from the token, and the household that
token maps to is the only household it touches.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from hub import devices, relay, schema
from hub.db import Database
from hub.devices import Caller
from hub.errors import HubError, NotSignedIn, TooLarge
from hub.logs import log_request
from hub.settings import HubSettings
from ourmoney import __version__
from ourmoney.sync import protocol

MAX_JSON_BYTES = 16 * 1024
MAX_PUSH_BYTES = 16 * 1024 * 1024
View = TypeVar("View", bound=Callable[..., Any])
log = logging.getLogger("hub.web")


def create_app(settings: HubSettings, db: Database | None = None) -> Flask:
    """Return the hub's WSGI app for these settings (one pool of connections per app)."""
    app = Flask("hub")
    app.config["MAX_CONTENT_LENGTH"] = MAX_PUSH_BYTES
    app.extensions["hub"] = {"settings": settings,
                             "db": db or Database(settings.database, settings.pool_size),
                             "hub_id": None}
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=settings.trusted_proxies)
    _routes(app)
    _answers(app)
    return app


def _hub() -> dict[str, Any]:
    return cast(dict[str, Any], current_app.extensions["hub"])


def _db() -> Database:
    return cast(Database, _hub()["db"])


def _settings() -> HubSettings:
    return cast(HubSettings, _hub()["settings"])


def hub_id() -> str:
    """Return this hub's id (read once from the database)."""
    found = _hub()
    if found["hub_id"] is None:
        found["hub_id"] = schema.check(_db())
    return cast(str, found["hub_id"])


def device_required(view: View) -> View:
    """Let the view run only for a device with a valid token (then `g.caller`)."""
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            raise NotSignedIn("this needs a device token (Authorization: Bearer ...)")
        g.caller = devices.authenticate(_db(), token.strip(),
                                        _settings().requests_per_minute)
        return view(*args, **kwargs)
    return cast(View, checked)


def caller() -> Caller:
    """Return the device the request came from (after @device_required)."""
    return cast(Caller, g.caller)


def json_object() -> dict[str, Any]:
    """Return the request's JSON object body; refuse other types, bad JSON or a big body."""
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise TooLarge(f"the body may hold at most {MAX_JSON_BYTES} bytes")
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise HubError("the body must be a JSON object sent as application/json")
    return body


def whole_number(text: str | None, name: str, default: int, low: int, high: int) -> int:
    """Return a whole number from a query parameter or header within bounds, else a 400."""
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise HubError(f"{name} must be a whole number from {low} to {high}")
    return int(text)


def _routes(app: Flask) -> None:
    app.add_url_rule("/health", view_func=health)
    app.add_url_rule("/sync/v1/info", view_func=info)
    app.add_url_rule("/hub/v1/join", view_func=join, methods=["POST"])
    app.add_url_rule("/hub/v1/leave", view_func=leave, methods=["POST"])
    app.add_url_rule("/hub/v1/status", view_func=status)
    app.add_url_rule("/hub/v1/invites", view_func=make_invite, methods=["POST"])
    app.add_url_rule("/hub/v1/devices/<device_id>/revoke", view_func=revoke, methods=["POST"])
    app.add_url_rule("/sync/v1/changes", view_func=get_changes)
    app.add_url_rule("/sync/v1/changes", view_func=post_changes, methods=["POST"],
                     endpoint="post_changes")


def health() -> tuple[Response, int]:
    try:
        _db().run(lambda cur: cur.execute("SELECT 1"))
    except HubError:
        return jsonify(status="unavailable", database="down", version=__version__), 503
    return jsonify(status="ok", database="ok", version=__version__), 200


def info() -> Response:
    return jsonify(device_id=hub_id(), name="hub", kind="hub", version=__version__,
                   protocol=protocol.VERSION)


def join() -> Response:
    body, address = json_object(), request.remote_addr or "unknown"
    allowed = _settings().sign_in_failures
    if "invite" in body:
        joined = devices.join_with_invite(_db(), body, address, allowed)
    else:
        joined = devices.join_with_password(_db(), body, address, allowed)
    member = joined.member
    log.info("device joined", extra={"fields": {
        "household": member.household_id, "device": body.get("device_id"), "role": member.role}})
    return jsonify(device_id=hub_id(), name="hub", token=joined.token,
                   household=member.household, role=member.role, email=member.email)


@device_required
def leave() -> Response:
    devices.leave(_db(), caller())
    return jsonify(left=True)


@device_required
def status() -> Response:
    return jsonify(devices.status(_db(), caller()))


@device_required
def make_invite() -> Response:
    code, expires = devices.invite_for(_db(), caller(), json_object().get("email"))
    return jsonify(code=code, expires_at=expires.isoformat(timespec="seconds"))


@device_required
def revoke(device_id: str) -> Response:
    devices.revoke_for(_db(), caller(), device_id)
    return jsonify(revoked=device_id)


@device_required
def get_changes() -> Response:
    since = whole_number(request.args.get("since"), "since", 0, 0, 2**62)
    limit = whole_number(request.args.get("limit"), "limit", protocol.PAGE, 1, protocol.MAX_PAGE)
    given = request.headers.get(protocol.PULLED_HEADER)
    held = None if given is None else whole_number(given, "pulled", 0, 0, 2**62)
    page = relay.pull(_db(), caller(), since, limit, held)
    return Response(page.ndjson(), mimetype=protocol.MEDIA_TYPE,
                    headers={protocol.LAST_SEQ_HEADER: str(page.last_seq)})


@device_required
def post_changes() -> Response:
    if request.mimetype != protocol.MEDIA_TYPE:
        raise HubError("send changes as application/x-ndjson")
    if request.content_length is None:
        raise HubError("send changes with a Content-Length")
    pulled = request.headers.get(protocol.PULLED_HEADER)
    held = None if pulled is None else whole_number(pulled, "pulled", 0, 0, 2**62)
    try:
        changes = protocol.parse_push(request.get_data().split(b"\n"))
    except protocol.ProtocolError as error:
        raise HubError(f"the changes were refused: {error}") from None
    result = relay.push(_db(), caller(), changes, held)
    g.log_fields = {"accepted": result.accepted, "duplicates": result.duplicates}
    return jsonify(result.as_json())


def _answers(app: Flask) -> None:
    """Answer every error as JSON, add security headers, and log each request as one line."""
    @app.before_request
    def started() -> None:
        g.started = time.perf_counter()

    @app.errorhandler(HubError)
    def refused(error: HubError) -> tuple[Response, int, dict[str, str]]:
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
        if isinstance(error, NotSignedIn):
            headers["WWW-Authenticate"] = 'Bearer realm="ourmoney-hub"'
        return jsonify(error=error.message), error.status, headers

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        code = error.code or 500
        message = (f"the body may hold at most {MAX_PUSH_BYTES} bytes" if code == 413
                   else (error.description or error.name))
        return jsonify(error=message), code

    @app.errorhandler(Exception)
    def crashed(error: Exception) -> tuple[Response, int]:
        log.exception("unexpected error", exc_info=error)
        return jsonify(error="the hub failed to answer; try again later"), 500

    @app.after_request
    def finished(response: Response) -> Response:
        response.headers.update({"X-Content-Type-Options": "nosniff",
                                 "X-Frame-Options": "DENY", "Cache-Control": "no-store",
                                 "Content-Security-Policy": "default-src 'none'"})
        log_request(request, response, g)
        return response
