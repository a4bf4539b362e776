"""Find templates, static files and translations in a checkout, a wheel or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder `name` (templates, static, translations) wherever the app runs from."""
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / name] if bundle else []
    candidates += [_PACKAGE / "_resources" / name, _PACKAGE.parent / name]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"OurMoney resource folder {name!r} is missing from this install")
