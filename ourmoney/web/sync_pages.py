"""Sync on the pages: "Sync now" with its progress, and dismissing another device's-edit notices."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ourmoney.errors import N_
from ourmoney.services import ledger
from ourmoney.services.sync import notices
from ourmoney.services.sync.background import BackgroundSync
from ourmoney.services.sync.status import SyncStatus
from ourmoney.web import context

bp = Blueprint("sync_pages", __name__)


def syncer() -> BackgroundSync | None:
    """Return the sync thread of this server (None when the app runs without one)."""
    found: BackgroundSync | None = current_app.extensions["ourmoney"].get("background_sync")
    return found


def status() -> SyncStatus:
    """Return what syncing is doing now (idle when nothing syncs here)."""
    found = syncer()
    return found.status() if found else SyncStatus(running=False)


def _compact() -> bool:
    return request.values.get("compact") == "1"


def _status_fragment() -> str:
    return render_template("devices/_sync_status.html", status=status(), compact=_compact())


@bp.post("/devices/sync")
def post_sync_now() -> Response | str | tuple[str, int]:
    found = syncer()
    started = found is not None and found.sync_now()
    if request.headers.get("HX-Request"):
        if not started:
            return render_template("devices/_sync_status.html", status=status(),
                                   compact=_compact(), refused=True), 503
        return _status_fragment()
    if started:
        flash(N_("Syncing with your devices…"))
    else:
        flash(N_("Sync is not running in this window; restart OurMoney."), "error")
    back = "pages.get_index" if _compact() else "devices.get_devices"
    return redirect(url_for(back), 303)


@bp.get("/devices/sync/status")
def get_sync_status() -> str:
    return _status_fragment()


@bp.post("/transactions/<transaction_id>/notices/dismiss")
def post_dismiss(transaction_id: str) -> Response | str:
    ledger.get_transaction(context.book(), transaction_id, include_deleted=True)  # else 404
    notices.dismiss(context.book(), transaction_id)
    if request.headers.get("HX-Request"):
        return ""
    if request.form.get("back") == "edit":
        return redirect(url_for("pages.get_edit", transaction_id=transaction_id), 303)
    return redirect(url_for("pages.get_index"), 303)
