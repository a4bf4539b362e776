"""ourmoney.web.template_cache: templates compiled at build time, used only when they match."""

from __future__ import annotations

import marshal
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ourmoney.web import template_cache
from ourmoney.web.template_cache import CompiledTemplates, compile_all


def test_every_template_is_compiled_into_one_file(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "compiled"
    names = compile_all(app, folder)
    assert "base.html" in names and "transactions/list.html" in names
    assert names == sorted(app.jinja_env.list_templates())
    assert [path.name for path in folder.iterdir()] == ["templates.marshal"]
    assert sorted(marshal.loads((folder / "templates.marshal").read_bytes())) == names


def test_pages_come_from_the_compiled_templates(app: Flask, client: FlaskClient,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    compile_all(app, tmp_path / "compiled")
    app.jinja_env.cache.clear()  # forget what compile_all loaded: start as a new process would
    monkeypatch.setattr(app.jinja_env, "compile",
                        lambda *_, **__: pytest.fail("compiled a template at run time"))
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert b"<title>Transactions \xc2\xb7 OurMoney</title>" in page.data


def test_an_entry_that_no_longer_matches_its_template_is_compiled_again(tmp_path: Path) -> None:
    app = Flask("probe", template_folder=str(tmp_path / "templates"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "hello.html").write_text("Hello {{ name }}", encoding="utf-8")
    compile_all(app, tmp_path / "compiled")
    (tmp_path / "templates" / "hello.html").write_text("Bye {{ name }}", encoding="utf-8")
    fresh = Flask("probe", template_folder=str(tmp_path / "templates"))
    fresh.jinja_env.bytecode_cache = CompiledTemplates(tmp_path / "compiled" / "templates.marshal")
    assert fresh.jinja_env.get_template("hello.html").render(name="Ana") == "Bye Ana"


def test_without_compiled_templates_jinja_compiles_as_usual(app: Flask) -> None:
    # A checkout or a wheel has no template-cache folder: only the binary ships one.
    assert app.jinja_env.bytecode_cache is None


def test_the_binary_uses_the_folder_shipped_in_it(app: Flask, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bundle" / "template-cache").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    template_cache.init_app(app)
    cache = app.jinja_env.bytecode_cache
    assert isinstance(cache, CompiledTemplates)
    assert cache.path == tmp_path / "bundle" / "template-cache" / "templates.marshal"
