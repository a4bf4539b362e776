"""The Bank profiles page (linked from Import): every saved column mapping, renamed or deleted."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ourmoney.errors import OurMoneyError
from ourmoney.services.importing import profiles
from ourmoney.web import context


def register(bp: Blueprint) -> None:
    """Add the page's routes to the Import blueprint."""
    bp.add_url_rule("/import/profiles", view_func=get_profiles, methods=["GET"])
    bp.add_url_rule("/import/profiles/rename", view_func=post_rename, methods=["POST"])
    bp.add_url_rule("/import/profiles/delete", view_func=post_delete, methods=["POST"])


def get_profiles() -> str:
    return _page()


def _page(problem: OurMoneyError | None = None, about: str = "", tried: str = "") -> str:
    return render_template("imports/profiles.html", profiles=profiles.list_profiles(
        context.book()), problem=problem, about=about, tried=tried)


def post_rename() -> Response | tuple[str, int]:
    name, given = request.form.get("name", ""), request.form.get("new_name", "")
    try:
        renamed = profiles.rename_profile(context.book(), name, given)
    except OurMoneyError as problem:
        return _page(problem, about=name, tried=given), problem.status
    if renamed != name:
        flash(gettext("Bank profile renamed to %(name)s.", name=renamed))
    return redirect(url_for("imports.get_profiles"), 303)


def post_delete() -> Response | tuple[str, int]:
    name = request.form.get("name", "")
    try:
        profiles.delete_profile(context.book(), name)
    except OurMoneyError as problem:
        return _page(problem, about=name), problem.status
    flash(gettext("Bank profile %(name)s deleted.", name=name))
    return redirect(url_for("imports.get_profiles"), 303)
