"""Request checks and headers: Host allow-list, same-origin writes, CSRF tokens, CSP.

Unsafe requests that carry browser signals (a session cookie, Origin or Sec-Fetch-Site)
need the session's CSRF token; scripts on loopback that send none of these have no
ambient credentials a cross-site page could abuse, so they need no token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, abort, jsonify, request, session

from ourmoney.errors import N_

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


def init_app(app: Flask) -> None:
    """Install the checks and headers on every request."""
    app.before_request(check_request)
    app.after_request(add_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.config.setdefault("ALLOWED_HOSTS", set(LOOPBACK_NAMES))


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def host_name(host: str) -> str:
    """Return the host part of a Host header value, without port or IPv6 brackets."""
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def check_request() -> Response | None:
    """Refuse foreign Host headers, cross-site writes and writes without a CSRF token."""
    from flask import current_app

    if host_name(request.host.lower()) not in current_app.config["ALLOWED_HOSTS"]:
        return refuse(N_("This address is not allowed to reach OurMoney."), 403)
    if request.method in SAFE_METHODS:
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site and site not in {"same-origin", "none"}:
        return refuse(N_("Cross-site requests are not allowed."), 403)
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        return refuse(N_("Cross-site requests are not allowed."), 403)
    if _from_browser() and not _token_matches():
        return refuse(N_("The form has expired; reload the page and try again."), 403)
    return None


def _from_browser() -> bool:
    has_session = request.cookies.get("ourmoney_session") is not None
    return has_session or "Origin" in request.headers or "Sec-Fetch-Site" in request.headers


def _token_matches() -> bool:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    return bool(expected) and hmac.compare_digest(str(sent), str(expected))


def refuse(message: str, status: int) -> Response:
    """Answer with a JSON error for API clients and a plain page for browsers."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify(error=message)
        response.status_code = status
        return response
    abort(status, description=message)


def add_headers(response: Response) -> Response:
    """Set CSP, framing, sniffing and caching headers on every response."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # "no-referrer" would make Chromium send `Origin: null` on same-origin form posts.
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response
