"""Turn errors into clear answers: English JSON under /api, pages in the reader's language."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ourmoney.errors import N_, OurMoneyError


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(OurMoneyError, on_ourmoney_error)
    app.register_error_handler(HTTPException, on_http_error)


def wants_json() -> bool:
    """Return True when the caller is an API client."""
    return request.path.startswith("/api/") or request.path.startswith("/sync/")


def on_ourmoney_error(error: OurMoneyError) -> tuple[Response | str, int]:
    """Answer a typed domain error with its message and field."""
    if wants_json():
        body = {"error": error.message} | ({"field": error.field} if error.field else {})
        return jsonify(body), error.status
    return render_template("error.html", message=error), error.status


def on_http_error(error: HTTPException) -> tuple[Response | str, int, dict[str, str]]:
    """Answer 404, 405, 413 and friends in the caller's language (JSON or a page)."""
    status = error.code or 500
    message = {413: N_("The upload is too large."),
               404: N_("There is nothing at this address.")}.get(
        status, error.description or error.name)
    # A 405 must say which methods are allowed.
    headers = {name: value for name, value in error.get_headers() if name == "Allow"}
    if wants_json():
        return jsonify(error=message), status, headers
    return render_template("error.html", message=message), status, headers
