"""Fixtures for the service tests: a fresh ledger file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ourmoney.services.book import Book
from tests.support.books import ledger_at


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Book]:
    """A new, empty ledger in euros."""
    with ledger_at(tmp_path / "ledger.sqlite3") as opened:
        yield opened
