"""ourmoney.resources: templates, static files and translations wherever the app runs from."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ourmoney.resources import resource_dir

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["templates", "static", "translations"])
def test_finds_folders_in_the_checkout(name: str) -> None:
    assert resource_dir(name) == CHECKOUT / name


def test_finds_the_templates_it_needs() -> None:
    assert (resource_dir("templates") / "base.html").is_file()


def test_prefers_the_pyinstaller_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "static").mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_dir("static") == tmp_path / "static"
    assert resource_dir("templates") == CHECKOUT / "templates"  # not in the bundle: fall back


def test_missing_folder() -> None:
    with pytest.raises(FileNotFoundError) as error:
        resource_dir("no-such-folder")
    assert str(error.value) == (
        "OurMoney resource folder 'no-such-folder' is missing from this install")
