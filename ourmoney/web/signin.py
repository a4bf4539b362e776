"""Signing a phone in with a one-time code from the desktop, and out again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from ourmoney.errors import OurMoneyError
from ourmoney.services import phones
from ourmoney.web import context
from ourmoney.web.security import signed_in_phone

bp = Blueprint("signin", __name__)


@bp.get("/signin")
def get_signin() -> Response | str:
    if signed_in_phone() is not None:
        return redirect(url_for("pages.get_index"), 303)
    return render_template("phone/signin.html", code=request.args.get("code", "")[:20])


@bp.post("/signin")
def post_signin() -> Response | tuple[str, int]:
    try:
        signed = phones.sign_in(context.book(), request.form.get("code"),
                                browser=request.user_agent.string)
    except OurMoneyError as problem:
        return render_template("phone/signin.html", code="", problem=problem), problem.status
    session.clear()  # a new session for a new sign-in: nothing carried over from before
    session.permanent = True
    session["phone"] = signed.token
    flash(gettext("Signed in as %(name)s.", name=signed.session.member_name))
    return redirect(url_for("pages.get_index"), 303)


@bp.post("/signout")
def post_signout() -> Response:
    phone = signed_in_phone()
    if phone is not None:
        phones.sign_out(context.book(), phone.id)
    session.clear()
    return redirect(url_for("signin.get_signin"), 303)
