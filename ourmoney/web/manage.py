"""The categories, members and settings pages.

Confirmations are flashed as English msgids and translated where shown (so "Settings saved."
already speaks a newly chosen language); messages with values are translated when flashed.
"""

from __future__ import annotations

from babel.numbers import get_currency_name, list_currencies
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from ourmoney.errors import N_, OurMoneyError
from ourmoney.services import categories, household, members
from ourmoney.web import context, hub_pages

bp = Blueprint("manage", __name__)
SECTIONS = {"categories": "manage.get_categories", "members": "manage.get_members",
            "settings": "manage.get_settings"}


def _done(message: str, endpoint: str) -> Response:
    flash(message)
    return redirect(url_for(endpoint), 303)


@bp.errorhandler(OurMoneyError)
def on_refused(problem: OurMoneyError) -> Response:
    """Show why a change was refused on the page it came from; nothing was changed."""
    flash(problem.translated(gettext), "error")
    section = request.path.strip("/").split("/")[0]
    return redirect(url_for(SECTIONS.get(section, "manage.get_settings")), 303)


@bp.get("/categories")
def get_categories() -> str:
    return render_template("manage/categories.html",
                           categories=categories.list_categories(context.book()))


@bp.post("/categories")
def post_category() -> Response:
    categories.add_category(context.book(), request.form.get("name"),
                            request.form.get("kind", "expense"), request.form.get("color"))
    return _done(N_("Category saved."), "manage.get_categories")


@bp.post("/categories/<category_id>")
def post_category_edit(category_id: str) -> Response:
    categories.update_category(context.book(), category_id, name=request.form.get("name"),
                               category_kind=request.form.get("kind"),
                               color=request.form.get("color"))
    return _done(N_("Category saved."), "manage.get_categories")


@bp.post("/categories/<category_id>/merge")
def post_category_merge(category_id: str) -> Response:
    target = categories.merge_categories(context.book(), category_id,
                                         request.form.get("target", ""))
    return _done(gettext("Merged into %(name)s.", name=target.name), "manage.get_categories")


@bp.get("/members")
def get_members() -> str:
    book = context.book()
    return render_template("manage/members.html", members=members.list_members(book, counts=False),
                           me=household.preferences(book).me)


@bp.post("/members")
def post_member() -> Response:
    members.add_member(context.book(), request.form.get("name"))
    return _done(N_("Member added."), "manage.get_members")


@bp.post("/members/<member_id>")
def post_member_edit(member_id: str) -> Response:
    members.rename_member(context.book(), member_id, request.form.get("name"))
    return _done(N_("Member renamed."), "manage.get_members")


def currency_choices() -> list[tuple[str, str]]:
    """Return every current ISO 4217 currency as (code, "EUR — Euro") in the page's language."""
    language = str(get_locale() or "en")
    return [(code, f"{code} — {get_currency_name(code, locale=language)}")
            for code in sorted(list_currencies())]


@bp.get("/settings")
def get_settings() -> str:
    book = context.book()
    prefs = household.preferences(book)
    return render_template("manage/settings.html", prefs=prefs, currencies=currency_choices(),
                           languages=household.LANGUAGES,
                           members=members.list_members(book, counts=False),
                           device=book.device_name, **hub_pages.section())


@bp.post("/settings")
def post_settings() -> Response:
    household.save_preferences(context.book(), currency=request.form.get("currency"),
                               language=request.form.get("language"),
                               me=request.form.get("me") or None)
    return _done(N_("Settings saved."), "manage.get_settings")
