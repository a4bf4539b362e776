"""The transactions pages: the list (home), its rows for infinite scroll, add, edit, delete."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from ourmoney.errors import N_, OurMoneyError
from ourmoney.services import categories, household, ledger, listing, members, validation
from ourmoney.services.models import Transaction
from ourmoney.services.sync import notices
from ourmoney.web import context, forms, i18n, sync_pages

bp = Blueprint("pages", __name__)
FORM_FIELDS = ("occurred_on", "description", "type", "amount", "category", "member", "notes")


def _list_context(args: MultiDict[str, str]) -> dict[str, Any]:
    book = context.book()
    error = None
    try:
        selection = forms.selection_from(args, book)
    except OurMoneyError as problem:
        error, selection = problem, forms.selection_from({}, book)
    page = listing.list_transactions(book, selection, cursor=args.get("cursor") or None,
                                     limit=context.settings().page_size)
    filters = {name: args.get(name, "") for name in forms.FILTER_NAMES if args.get(name)}
    return {"page": page, "filters": filters, "error": error, "selection": selection,
            "currency": household.preferences(book).currency,
            "notices": notices.notices_for(book, [txn.id for txn in page.items])}


@bp.get("/")
def get_index() -> str:
    book = context.book()
    found = _list_context(request.args)
    return render_template("transactions/list.html", **found,
                           totals=listing.totals(book, found["selection"]),
                           categories=categories.list_categories(book, counts=False),
                           members=members.list_members(book, counts=False),
                           synced_with=notices.active_peer_count(book),
                           pending=notices.pending_count(book), status=sync_pages.status())


@bp.get("/transactions/rows")
def get_rows() -> str:
    return render_template("transactions/_rows.html", **_list_context(request.args))


@bp.get("/transactions/new")
def get_new() -> str:
    prefs = household.preferences(context.book())
    values = {"occurred_on": context.today().isoformat(), "type": "expense",
              "member": context.me(prefs.me)}
    return _form(values, None)


@bp.post("/transactions")
def post_new() -> Response | tuple[str, int]:
    book = context.book()
    prefs = household.preferences(book)
    values = _submitted()
    try:
        draft = validation.draft(values, precision=prefs.precision, today=context.today(),
                                 decimal_symbol=i18n.decimal_symbol(), me=context.me(prefs.me))
        ledger.add_transaction(book, draft)
    except OurMoneyError as problem:
        return _form(values, None, problem), 400
    flash(N_("Transaction saved."))
    return redirect(url_for("pages.get_new") if request.form.get("again") else
                    url_for("pages.get_index"), 303)


@bp.get("/transactions/<transaction_id>/edit")
def get_edit(transaction_id: str) -> str:
    txn = ledger.get_transaction(context.book(), transaction_id)
    return _form(_values_of(txn), txn)


@bp.post("/transactions/<transaction_id>")
def post_edit(transaction_id: str) -> Response | tuple[str, int]:
    book = context.book()
    txn = ledger.get_transaction(book, transaction_id)
    values = _submitted()
    try:
        changes = validation.changes(values, precision=household.preferences(book).precision,
                                     decimal_symbol=i18n.decimal_symbol())
        ledger.update_transaction(book, transaction_id, changes)
    except OurMoneyError as problem:
        return _form(values, txn, problem), 400
    flash(N_("Transaction saved."))
    return redirect(url_for("pages.get_index"), 303)


@bp.post("/transactions/<transaction_id>/delete")
def post_delete(transaction_id: str) -> Response | str:
    txn = ledger.delete_transaction(context.book(), transaction_id)
    if request.headers.get("HX-Request"):
        return render_template("transactions/_deleted.html", txn=txn, **_shown_totals())
    flash(N_("Transaction deleted."), "undo:" + txn.id)
    return redirect(url_for("pages.get_index"), 303)


@bp.post("/transactions/<transaction_id>/restore")
def post_restore(transaction_id: str) -> Response | str:
    txn = ledger.restore_transaction(context.book(), transaction_id)
    if request.headers.get("HX-Request"):
        return render_template("transactions/_row.html", txn=txn, **_shown_totals()) + \
            render_template("transactions/_totals.html", **_shown_totals())
    flash(N_("Transaction restored."))
    return redirect(url_for("pages.get_index"), 303)


def _shown_totals() -> dict[str, Any]:
    """Return fresh totals for the filter of the page the request came from (an htmx swap)."""
    book = context.book()
    shown = MultiDict(parse_qsl(urlsplit(request.headers.get("HX-Current-URL", "")).query))
    try:
        selection = forms.selection_from(shown, book)
    except OurMoneyError:
        selection = forms.selection_from({}, book)
    return {"totals": listing.totals(book, selection), "oob": True,
            "currency": household.preferences(book).currency}


def _submitted() -> dict[str, Any]:
    return {name: request.form.get(name, "") for name in FORM_FIELDS}


def _values_of(txn: Transaction) -> dict[str, Any]:
    return {"occurred_on": txn.occurred_on.isoformat(), "description": txn.description,
            "type": txn.type, "amount": str(txn.amount), "category": txn.category or "",
            "member": txn.member_id or "", "notes": txn.notes}


def _form(values: dict[str, Any], txn: Transaction | None,
          problem: OurMoneyError | None = None) -> str:
    book = context.book()
    return render_template("transactions/form.html", values=values, txn=txn, problem=problem,
                           categories=categories.list_categories(book, counts=False),
                           members=members.list_members(book, counts=False),
                           notices=notices.notices_for(book, [txn.id]) if txn else {})
