"""The Budgets page: set a monthly budget per expense category and see budget against actual."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from babel.numbers import format_percent
from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ourmoney.errors import N_, NotFound, OurMoneyError
from ourmoney.money import from_minor
from ourmoney.services import budgets, categories, household, members
from ourmoney.services.budget_progress import budget_lines, warnings
from ourmoney.services.models import EXPENSE
from ourmoney.services.reports.period import parse_period
from ourmoney.web import context, i18n

bp = Blueprint("budgets", __name__)


@bp.app_template_filter("minor_money")
def minor_money(minor: int, currency: str) -> str:
    """Format integer minor units of the household currency for the current language."""
    return i18n.money(from_minor(minor, household.preferences(context.book()).precision),
                      currency)


@bp.app_template_filter("minor_input")
def minor_input(minor: int) -> str:
    """Write integer minor units as a plain amount to type over ("12,50" in Portuguese)."""
    amount = str(from_minor(minor, household.preferences(context.book()).precision))
    return amount.replace(".", i18n.decimal_symbol())


@bp.app_template_filter("budget_share")
def budget_share(part: Fraction | Decimal) -> str:
    """Format a share (0 to 1) as a percentage with at most one decimal ("33.3%")."""
    if isinstance(part, Fraction):
        part = Decimal(part.numerator) / Decimal(part.denominator)
    return str(format_percent(part, "#,##0.#%", locale=i18n.format_locale()))


@bp.app_context_processor
def budget_helpers() -> dict[str, Any]:
    """Let the transactions list ask for this month's budget warnings."""
    return {"budget_warnings": lambda: warnings(context.book(), context.today())}


@bp.get("/budgets")
def get_budgets() -> str | tuple[str, int]:
    try:
        return _page()
    except OurMoneyError as problem:
        return _page(problem, use_query=False), 400


@bp.post("/budgets")
def post_budget() -> Response | tuple[str, int]:
    try:
        budgets.set_budget(context.book(), request.form.get("category"),
                           request.form.get("amount"), decimal_symbol=i18n.decimal_symbol())
    except OurMoneyError as problem:
        return _page(problem, use_query=False), 400
    flash(N_("Budget saved."))
    return redirect(_back(), 303)


@bp.post("/budgets/<category_id>/delete")
def post_budget_delete(category_id: str) -> Response | tuple[str, int]:
    try:
        budgets.remove_budget(context.book(), category_id)
    except OurMoneyError as problem:
        return _page(problem, use_query=False), 404 if problem.status == 404 else 400
    flash(N_("Budget removed."))
    return redirect(_back(), 303)


def _back() -> str:
    """Return the Budgets page for the period and member the form was posted from."""
    kept: dict[str, Any] = {k: v for k in ("period", "member") if (v := request.form.get(k, ""))}
    return url_for("budgets.get_budgets", **kept)


def _page(problem: OurMoneyError | None = None, *, use_query: bool = True) -> str:
    book = context.book()
    args = request.args if use_query else {}
    period = parse_period(args.get("period"), today=context.today())
    member = members.resolve(book, args["member"]) if args.get("member") else None
    if args.get("member") and member is None:
        raise NotFound(N_("There is no member called %(name)s."), field="member",
                            name=args["member"])
    lines = budget_lines(book, period, member.id if member else None)
    budgeted = {line.budget.category_id for line in lines}
    choices = [c for c in categories.list_categories(book, counts=False)
               if c.kind == EXPENSE and c.id not in budgeted]
    shown: dict[str, Any] = {"period": period, "member": member, "lines": lines,
                             "choices": choices, "problem": problem,
                             "members": members.list_members(book, counts=False),
                             "currency": household.preferences(book).currency,
                             "submitted": request.form if problem and request.form else {}}
    return render_template("budgets/index.html", **shown)
