"""The Devices page: nearby devices, paired ones, pairing codes, rename and revoke."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ourmoney.errors import N_, OurMoneyError
from ourmoney.services import codes, devices, pairing
from ourmoney.services.discovery import Discovery, NearbyDevice
from ourmoney.services.sync import notices
from ourmoney.web import context, sync_pages
from ourmoney.web.i18n import format_locale
from ourmoney.web.qr import qr_svg

bp = Blueprint("devices", __name__)


@bp.app_template_filter("utc_time")
def utc_time(text: str) -> str:
    """Format a stored UTC time ("2026-01-02T03:04:05.678Z") in local time for the reader."""
    from babel.dates import format_datetime

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return text
    return str(format_datetime(moment, "short", tzinfo=moment.tzinfo, locale=format_locale()))


def _back() -> Response:
    return redirect(url_for("devices.get_devices"), 303)


@bp.errorhandler(OurMoneyError)
def on_refused(problem: OurMoneyError) -> Response:
    """Show why an action was refused on the Devices page; nothing was changed."""
    flash(problem.translated(gettext), "error")
    return _back()


def nearby() -> list[NearbyDevice]:
    """Return the devices discovery sees now (none when discovery is off)."""
    found: Discovery | None = current_app.extensions["ourmoney"].get("discovery")
    return found.nearby() if found else []


@bp.get("/devices")
def get_devices() -> str:
    book = context.book()
    peers = devices.list_peers(book)
    active = {peer.device_id for peer in peers if not peer.revoked}
    return render_template("devices/index.html", peers=peers, nearby=nearby(), paired=active,
                           device_name=book.device_name, device_id=book.device_id,
                           status=sync_pages.status(), held=notices.held_changes(book))


@bp.post("/devices/code")
def post_code() -> str:
    book = context.book()
    issued = pairing.new_code(book)
    link = pairing.pairing_link(pairing.own_url(book) or request.host_url, issued.code)
    return render_template("devices/code.html", code=issued.code, link=link, qr=qr_svg(link),
                           seconds=codes.LIFETIME_MS // 1000, device_name=book.device_name)


@bp.post("/devices/pair")
def post_pair() -> Response:
    peer = pairing.pair_with(context.book(), request.form.get("address"),
                             request.form.get("code") or None)
    flash(gettext("Paired with %(name)s.", name=peer.name))
    return _back()


@bp.post("/devices/<peer_id>/rename")
def post_rename(peer_id: str) -> Response:
    devices.rename(context.book(), peer_id, request.form.get("name"))
    flash(N_("Device renamed."))
    return _back()


@bp.post("/devices/<peer_id>/revoke")
def post_revoke(peer_id: str) -> Response:
    peer = devices.revoke(context.book(), peer_id)
    flash(gettext("%(name)s can no longer sync with this device.", name=peer.name))
    return _back()
