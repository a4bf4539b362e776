"""The OpenAPI 3.1 description of the JSON API."""

from __future__ import annotations

from typing import Any

from ourmoney import __version__


def document() -> dict[str, Any]:
    """Return the OpenAPI document."""
    return {"openapi": "3.1.0", "info": {"title": "OurMoney API", "version": __version__},
            "paths": {}}
