"""The Phone access page (desktop only): the switch, the address, sign-in codes, signed-in phones.

A new code is shown once, in the answer to the POST that made it: only its hash is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ourmoney import network
from ourmoney.errors import N_, OurMoneyError
from ourmoney.listening import Listening
from ourmoney.services import household, members, phones
from ourmoney.web import context, i18n
from ourmoney.web.qr import qr_svg
from ourmoney.web.security import phone_access_on

bp = Blueprint("phone", __name__)


@bp.errorhandler(OurMoneyError)
def on_refused(problem: OurMoneyError) -> Response:
    """Show why a change was refused on the Phone access page; nothing was changed."""
    flash(problem.translated(gettext), "error")
    return redirect(url_for("phone.get_phone"), 303)


@bp.get("/phone")
def get_phone() -> str:
    return render_template("phone/index.html", **_page())


@bp.post("/phone/access")
def post_access() -> Response:
    turn_on = request.form.get("access") == "on"
    phones.set_access(context.book(), turn_on)
    listening: Listening | None = current_app.extensions["ourmoney"].get("listening")
    if listening:  # a running server (not a test client): listen where the switch says now
        listening.follow_phone_access()
    flash(N_("Phone access is on.") if turn_on else N_("Phone access is off."))
    return redirect(url_for("phone.get_phone"), 303)


@bp.post("/phone/code")
def post_code() -> str:
    issued = phones.new_code(context.book(), request.form.get("member", ""))
    found = _page()
    link = f"{found['urls'][0]}signin?code={issued.code}" if found["urls"] else ""
    return render_template("phone/index.html", **found, issued=issued, link=link,
                           qr=qr_svg(link) if link else None,
                           expires=_when(issued.expires_ms))


@bp.post("/phone/sessions/<session_id>/sign-out")
def post_sign_out(session_id: str) -> Response:
    phones.sign_out(context.book(), session_id)
    flash(N_("The phone is signed out."))
    return redirect(url_for("phone.get_phone"), 303)


def _page() -> dict[str, Any]:
    book = context.book()
    on = phone_access_on()
    return {"on": on, "for_this_run": bool(context.settings().lan),
            "listening": listening_on_lan(), "urls": lan_urls() if on else [],
            "members": members.list_members(book, counts=False),
            "me": household.preferences(book).me,
            "phones": [_shown(phone) for phone in phones.list_sessions(book)]}


def _shown(phone: phones.PhoneSession) -> dict[str, str]:
    return {"id": phone.id, "member": phone.member_name,
            "browser": phones.browser_name(phone.browser),
            "signed_in": _when(phone.signed_in_ms), "last_seen": _when(phone.last_seen_ms)}


def listening_on_lan() -> bool:
    """Return whether the running server accepts connections from the network."""
    host = current_app.config.get("LISTEN_HOST", "127.0.0.1")
    return not network.is_loopback(host) and host != "localhost"


def lan_urls() -> list[str]:
    """Return the addresses a phone on this network opens, the likeliest first."""
    port = current_app.config.get("SERVER_PORT") or request.environ.get("SERVER_PORT", "8421")
    return [f"http://{address}:{port}/" for address in network.lan_addresses()]


def _when(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone()
    return str(format_datetime(moment, "short", locale=i18n.format_locale()))
