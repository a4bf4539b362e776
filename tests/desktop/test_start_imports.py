"""What a start imports: the window's start waits for no server code, the first page for no
library that only exports, reports, codes or discovery use (each adds to every start)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ONLY_WHEN_USED = ("openpyxl", "xhtml2pdf", "reportlab", "PIL", "svglib", "pygal", "segno",
                  "zeroconf")


def loaded_after(code: str, *args: str) -> list[str]:
    """Run `code` in a fresh interpreter; return the top-level modules it left imported."""
    probe = (f"{code}\nimport json, sys\n"
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                          timeout=120, check=True)
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_the_window_starts_before_any_server_code_is_imported() -> None:
    loaded = loaded_after("import ourmoney.cli, ourmoney.desktop.launch")
    assert [name for name in ("flask", "werkzeug", "jinja2", "waitress", "peewee", "babel",
                              "webbrowser") if name in loaded] == []


def test_the_first_page_needs_none_of_the_libraries_loaded_on_first_use(tmp_path: Path) -> None:
    loaded = loaded_after(
        "import sys\n"
        "from ourmoney import server\n"
        "from ourmoney.settings import load\n"
        "app = server.create_app(load({'data_dir': sys.argv[1]}))\n"
        "page = app.test_client().get('/', headers={'Host': '127.0.0.1'})\n"
        "assert page.status_code == 200, page.status_code", str(tmp_path / "data"))
    assert [name for name in ONLY_WHEN_USED if name in loaded] == []
    assert "flask" in loaded  # the probe did serve the page
