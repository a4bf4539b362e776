"""The JSON API, version 1 (documented at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ourmoney import __version__
from ourmoney.errors import InvalidInput
from ourmoney.services import categories, household, ledger, listing, members, validation
from ourmoney.services.reports import build_report
from ourmoney.web import context, forms, reports
from ourmoney.web.openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def body() -> dict[str, Any]:
    """Return the request's JSON object or raise a clear error."""
    if not request.is_json:
        raise InvalidInput("Send a JSON object with Content-Type: application/json.")
    try:
        found = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting is not a JSON object we can use
        found = None
    if not isinstance(found, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return found


@bp.get("/health")
def get_health() -> Response:
    return jsonify(status="ok", version=__version__)


@bp.get("/openapi.json")
def get_openapi() -> Response:
    return jsonify(document())


@bp.get("/reports")
def get_reports() -> Response:
    wanted = reports.report_request(request.args)
    report = build_report(context.book(), wanted.period, wanted.member_id, context.today())
    return jsonify(reports.report_json(report))


@bp.get("/transactions")
def get_transactions() -> Response:
    book = context.book()
    selection = forms.selection_from(request.args, book)
    limit = forms.limit_from(request.args, context.settings().page_size)
    page = listing.list_transactions(book, selection, cursor=request.args.get("cursor") or None,
                                     limit=limit)
    return jsonify(items=[forms.transaction_json(t) for t in page.items],
                   next_cursor=page.next_cursor,
                   totals=forms.totals_json(listing.totals(book, selection)))


@bp.post("/transactions")
def post_transaction() -> tuple[Response, int]:
    book = context.book()
    prefs = household.preferences(book)
    draft = validation.draft(body(), precision=prefs.precision, today=context.today(),
                             me=context.me(prefs.me))
    return jsonify(forms.transaction_json(ledger.add_transaction(book, draft))), 201


@bp.get("/transactions/<transaction_id>")
def get_transaction(transaction_id: str) -> Response:
    return jsonify(forms.transaction_json(ledger.get_transaction(context.book(), transaction_id)))


@bp.patch("/transactions/<transaction_id>")
def patch_transaction(transaction_id: str) -> Response:
    book = context.book()
    changes = validation.changes(body(), precision=household.preferences(book).precision)
    return jsonify(forms.transaction_json(ledger.update_transaction(book, transaction_id, changes)))


@bp.delete("/transactions/<transaction_id>")
def delete_transaction(transaction_id: str) -> Response:
    return jsonify(forms.transaction_json(ledger.delete_transaction(context.book(),
                                                                    transaction_id)))


@bp.post("/transactions/<transaction_id>/restore")
def restore_transaction(transaction_id: str) -> Response:
    return jsonify(forms.transaction_json(ledger.restore_transaction(context.book(),
                                                                     transaction_id)))


@bp.get("/categories")
def get_categories() -> Response:
    found = categories.list_categories(context.book(), counts=False)
    return jsonify(items=[forms.category_json(c) for c in found])


@bp.post("/categories")
def post_category() -> tuple[Response, int]:
    values = body()
    validation.known(values, ("name", "kind", "color"))
    created = categories.add_category(context.book(), values.get("name"),
                                      values.get("kind", "expense"), values.get("color"))
    return jsonify(forms.category_json(created)), 201


@bp.get("/members")
def get_members() -> Response:
    everyone = members.list_members(context.book(), counts=False)
    return jsonify(items=[forms.member_json(m) for m in everyone])


@bp.post("/members")
def post_member() -> tuple[Response, int]:
    values = body()
    validation.known(values, ("name",))
    created = members.add_member(context.book(), values.get("name"))
    return jsonify(forms.member_json(created)), 201
