"""The Hub section of the Settings page: join a hub, leave it, and what it says now."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ourmoney.errors import OurMoneyError
from ourmoney.services import hub
from ourmoney.services.sync.hub_peer import HubWakingUp
from ourmoney.web import context, sync_pages

bp = Blueprint("hub_pages", __name__)


def _back() -> Response:
    return redirect(url_for("manage.get_settings", _anchor="hub"), 303)


@bp.errorhandler(OurMoneyError)
def on_refused(problem: OurMoneyError) -> Response:
    """Show why joining or leaving was refused, on the Settings page; nothing was changed."""
    flash(problem.translated(gettext), "error")
    return _back()


def section() -> dict[str, object]:
    """Return what the Hub section of the Settings page shows (no call to the hub)."""
    book = context.book()
    joined = hub.current(book)
    waking = joined is not None and joined.last_error == HubWakingUp().message
    return {"hub": joined, "membership": hub.membership(book), "waking_up": waking,
            "status": sync_pages.status()}


@bp.post("/settings/hub/join")
def post_join() -> Response:
    form = request.form
    credentials = hub.sign_in(form.get("email") or None, form.get("password") or None,
                              form.get("invite") or None)
    joined = hub.join(context.book(), form.get("url"), credentials)
    member = joined.membership
    if joined.left is not None and not joined.left.reached:
        flash(hub.leaving_note(joined.left).translated(gettext), "error")
    flash(gettext("Joined the hub at %(url)s as %(email)s (household %(household)s, role"
                  " %(role)s).", url=joined.peer.url, email=member.email,
                  household=member.household, role=gettext(member.role)))
    return _back()


@bp.post("/settings/hub/leave")
def post_leave() -> Response:
    left = hub.leave(context.book())
    flash(hub.leaving_note(left).translated(gettext), "message" if left.reached else "error")
    return _back()


@bp.get("/settings/hub/status")
def get_status() -> str:
    try:
        now = hub.status(context.book())
    except hub.NotJoined as missing:  # left in another window: a fragment, not a redirect
        return render_template("manage/_hub_now.html", now=None, problem=missing.message)
    return render_template("manage/_hub_now.html", now=now)
