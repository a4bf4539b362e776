"""Fixtures for the desktop window tests: a real Xvfb display with GTK/WebKitGTK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.desktop.support import unavailable, window_backend_missing, xvfb


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """A virtual X display (skipped with the reason when Xvfb or GTK/WebKit is missing)."""
    missing = window_backend_missing()
    if missing:
        unavailable(missing)
    with xvfb() as number:
        yield number
