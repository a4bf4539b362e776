"""Request checks and headers: Host allow-list, the phone gate, same-origin writes, CSRF, CSP.

The desktop is a client on loopback (`request.remote_addr`; forwarded headers are never
trusted). Anyone else is a phone: it reaches `/sync/v1/` (which checks its own Bearer tokens),
the sign-in page and static files, and with a phone session the pages for recording and
looking up; managing the ledger, devices and phone access stays on the desktop.

Unsafe requests that carry browser signals (a session cookie, Origin or Sec-Fetch-Site), and
every unsafe request from a phone, need the session's CSRF token; scripts on loopback that send
none of these have no ambient credentials a cross-site page could abuse, so they need no token.
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as Answer

from ourmoney import network
from ourmoney.errors import N_
from ourmoney.services import phones
from ourmoney.services.phones import PhoneSession
from ourmoney.web import context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
LAN_NAMES_TTL_S = 30.0
OPEN_TO_PHONES = frozenset({"static", "signin.get_signin", "signin.post_signin"})
FOR_PHONES = frozenset({
    "signin.post_signout",
    "pages.get_index", "pages.get_rows", "pages.get_new", "pages.post_new", "pages.get_edit",
    "pages.post_edit", "pages.post_delete", "pages.post_restore", "sync_pages.post_dismiss",
    "manage.get_categories", "manage.post_category", "manage.post_category_edit",
    "manage.get_members", "manage.post_member", "manage.post_member_edit",
    "reports.get_reports", "api.get_reports", "report_print.get_print", "report_print.get_pdf",
    "budgets.get_budgets", "budgets.post_budget", "budgets.post_budget_delete",
    "api.get_health", "api.get_openapi", "api.get_transactions", "api.post_transaction",
    "api.get_transaction", "api.patch_transaction", "api.delete_transaction",
    "api.restore_transaction", "api.get_categories", "api.post_category", "api.get_members",
    "api.post_member",
})
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


def init_app(app: Flask) -> None:
    """Install the checks and headers on every request."""
    app.before_request(check_request)
    app.after_request(add_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["signed_in_phone"] = signed_in_phone
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


def check_request() -> Answer | None:
    """Refuse foreign Host headers, strangers, cross-site writes and writes without a token."""
    g.phone = None
    if not host_allowed(host_name(request.host.lower())):
        return refuse(N_("This address is not allowed to reach OurMoney."), 403)
    problem = None if from_desktop() else check_phone()
    if problem is not None or request.method in SAFE_METHODS:
        return problem
    site = request.headers.get("Sec-Fetch-Site")
    if site and site not in {"same-origin", "none"}:
        return refuse(N_("Cross-site requests are not allowed."), 403)
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        return refuse(N_("Cross-site requests are not allowed."), 403)
    needs_token = _from_browser() or not (from_desktop() or _is_sync())
    if needs_token and not _token_matches():
        return refuse(N_("The form has expired; reload the page and try again."), 403)
    return None


def from_desktop() -> bool:
    """Return whether the request comes from this computer (and tests did not say otherwise)."""
    return network.is_loopback(request.remote_addr) and not context.settings().loopback_is_lan


def phone_access_on() -> bool:
    """Return whether phones may reach the app: `--lan` for this run, or the saved switch."""
    return bool(context.settings().lan) or phones.access_on(context.book())


def signed_in_phone() -> PhoneSession | None:
    """Return the phone session of this request, or None on the desktop."""
    found: PhoneSession | None = g.get("phone")
    return found


def check_phone() -> Answer | None:
    """Let a phone through to what it may use; send it to sign in, or refuse."""
    if _is_sync():
        return None
    if not phone_access_on():
        return refuse(N_("Phone access is off on the computer running OurMoney."), 403)
    g.phone = phones.session_for(context.book(), session.get("phone"))
    if request.endpoint in OPEN_TO_PHONES:
        return None
    if g.phone is None:
        return _sign_in_first()
    if request.endpoint is not None and request.endpoint not in FOR_PHONES:
        return refuse(N_("Only the computer running OurMoney can do this."), 403)
    return None


def _is_sync() -> bool:
    return request.path.startswith("/sync/v1/")


def _sign_in_first() -> Answer:
    """Answer a phone without a session: a 401 for API clients, the sign-in page for people."""
    response: Answer
    if _wants_json():
        response = jsonify(error=N_("Sign in first with a code from the computer running "
                                    "OurMoney."))
        response.status_code = 401
        return response
    response = redirect(url_for("signin.get_signin"), 303)
    if request.headers.get("HX-Request"):  # htmx would swap the sign-in page into a fragment
        response.status_code = 401
        response.headers["HX-Redirect"] = url_for("signin.get_signin")
    return response


def host_allowed(name: str) -> bool:
    """Return whether a Host name is this computer: loopback, or its network names with phone
    access on (a foreign name is a DNS-rebinding attempt)."""
    if name in current_app.config["ALLOWED_HOSTS"]:
        return True
    return phone_access_on() and name in _lan_names()


def _lan_names() -> frozenset[str]:
    """Return this computer's network addresses and names, looked up again every half minute."""
    cached = current_app.extensions.setdefault("ourmoney_lan_names", {})
    if cached.get("until", 0.0) < time.monotonic():
        cached["names"] = frozenset(network.lan_addresses()) | network.host_names()
        cached["until"] = time.monotonic() + LAN_NAMES_TTL_S
    names: frozenset[str] = cached["names"]
    return names


def _from_browser() -> bool:
    has_session = request.cookies.get("ourmoney_session") is not None
    return has_session or "Origin" in request.headers or "Sec-Fetch-Site" in request.headers


def _token_matches() -> bool:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    return bool(expected) and hmac.compare_digest(str(sent), str(expected))


def _wants_json() -> bool:
    return (request.path.startswith(("/api/", "/sync/"))
            or request.accept_mimetypes.best == "application/json")


def refuse(message: str, status: int) -> Response:
    """Answer with a JSON error for API clients and a plain page for browsers."""
    if _wants_json():
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
