"""Fixtures for the web tests: an app and a test client over a fresh temporary data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ourmoney import settings
from ourmoney.services import household
from ourmoney.services.book import Book
from ourmoney.web import create_app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Return the app serving a new, empty ledger kept in euros (two decimals)."""
    app = create_app(settings.load({"data_dir": str(tmp_path)}, environ={}))
    app.config["TESTING"] = True
    household.save_preferences(app.extensions["ourmoney"]["book"], currency="EUR")
    yield app
    app.extensions["ourmoney"]["book"].close()


@pytest.fixture
def book(app: Flask) -> Book:
    """Return the ledger the app serves, to check what the API really stored."""
    found: Book = app.extensions["ourmoney"]["book"]
    return found


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client; it sends no browser signals (cookie, Origin) unless told to."""
    return app.test_client()
