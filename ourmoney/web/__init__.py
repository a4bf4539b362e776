"""The web app: pages and JSON API over the ledger services."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from ourmoney import __version__
from ourmoney.resources import resource_dir
from ourmoney.services import household
from ourmoney.services.book import open_book
from ourmoney.settings import Settings

MAX_REQUEST_BYTES = 2 * 1024 * 1024


def create_app(settings: Settings) -> Flask:
    """Build the Flask app for the ledger in `settings.data_dir`."""
    from ourmoney.web import (
        api,
        api_files,
        budgets,
        devices,
        errors,
        hub_pages,
        i18n,
        imports,
        manage,
        pages,
        phone,
        report_print,
        reports,
        security,
        signin,
        sync_api,
        sync_pages,
        template_cache,
    )

    app = Flask("ourmoney", template_folder=str(resource_dir("templates")),
                static_folder=str(resource_dir("static")), static_url_path="/static")
    app.config.update(SECRET_KEY=secret_key(settings.data_path), SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_NAME="ourmoney_session",
                      MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    book = open_book(settings.database_path)
    household.ensure_me(book)
    app.extensions["ourmoney"] = {"book": book, "settings": settings}
    app.jinja_env.globals["version"] = __version__
    # imports first: it sizes uploads
    for module in (imports, security, i18n, errors, template_cache):
        module.init_app(app)
    for blueprint in (pages.bp, manage.bp, imports.bp, api.bp, api_files.bp, sync_api.bp,
                      devices.bp, phone.bp, signin.bp, sync_pages.bp, budgets.bp,
                      report_print.bp, reports.bp, hub_pages.bp):
        app.register_blueprint(blueprint)
    return app


def secret_key(data_dir: Path) -> bytes:
    """Return this install's session-signing key, created once and readable only by its owner."""
    path = data_dir / "secret.key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="ascii")
    return path.read_text(encoding="ascii").strip().encode()
