"""The built single-file binary: version, serving, and the real window under Xvfb."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from datetime import date
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ourmoney import __version__
from tests.desktop.binary import built_binary, pyinstaller_missing
from tests.desktop.support import run_script, unavailable
from tests.desktop.test_window import ADD_TRANSACTION, stored_transactions
from tests.support.server import READY_LINE, ManagedProcess

pytestmark = pytest.mark.timeout(1200)  # the first test may build the binary (about a minute)


@pytest.fixture(scope="session")
def binary() -> Path:
    missing = pyinstaller_missing()
    if missing:
        unavailable(missing)
    return built_binary()


def test_binary_prints_its_version(binary: Path) -> None:
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout == f"ourmoney {__version__}\n"


def test_binary_serves_the_app(binary: Path, tmp_path: Path) -> None:
    with ManagedProcess([binary, "serve", "--port", "0", "--data-dir", tmp_path / "data"],
                        env={"OURMONEY_DISCOVERY": "false"}) as served:
        url = served.wait_for_line(READY_LINE, timeout=30).group(1)
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
            assert b"<title>Transactions \xc2\xb7 OurMoney</title>" in page.read()
        assert served.stop() == 0
    assert (tmp_path / "data" / "ourmoney.sqlite3").exists()
    assert not (binary.parent / "ourmoney.sqlite3").exists()


def test_binary_opens_the_window(binary: Path, display: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run = run_script([str(binary)], data_dir, display, ADD_TRANSACTION)
    assert (run.error, run.returncode) == (None, 0), run.output
    assert run.answers[0] == "Transactions · OurMoney"
    assert stored_transactions(data_dir) == [("Window groceries", 1234)]


def run_binary(binary: Path, *args: str | Path) -> str:
    """Run a binary command that must succeed; return what it printed."""
    done = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_binary_reads_and_writes_workbooks_and_pdf_reports(binary: Path, tmp_path: Path) -> None:
    # openpyxl, xhtml2pdf, reportlab, Pillow and svglib load only when used: this is where
    # the binary would first miss a part left out of it.
    home, other = tmp_path / "home", tmp_path / "other"
    year = str(date.today().year)  # noqa: DTZ011 (the demo's days end today, local time)
    created = run_binary(binary, "demo", "--transactions", "120", "--data-dir", home)
    assert created.startswith("created 120 transactions from ")
    assert run_binary(binary, "export", home / "all.xlsx", "--data-dir", home) == (
        f"exported 120 transactions to {home / 'all.xlsx'}\n")
    assert run_binary(binary, "import", home / "all.xlsx", "--data-dir", other).startswith(
        "imported 120, duplicates 0, errors 0 (batch ")
    written = run_binary(binary, "report", "--period", year, "--pdf", home / "year.pdf",
                         "--data-dir", home)
    assert written.startswith(f"wrote the {year} report to {home / 'year.pdf'} (")
    assert (home / "year.pdf").read_bytes()[:5] == b"%PDF-"


def test_binary_pages_draw_charts_and_codes_in_portuguese(binary: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_binary(binary, "demo", "--transactions", "60", "--data-dir", data)
    year = str(date.today().year)  # noqa: DTZ011 (as the demo)
    # A named zone makes Babel look it up in pytz (its zones ship zipped, see ourmoney.spec).
    with ManagedProcess([binary, "serve", "--port", "0", "--data-dir", data],
                        env={"OURMONEY_DISCOVERY": "false", "TZ": "America/New_York"}) as served:
        url = served.wait_for_line(READY_LINE, timeout=30).group(1)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        browser.addheaders = [("Accept-Language", "pt-PT,pt;q=0.9")]
        home = read(browser, url)
        assert "<title>Transações · OurMoney</title>" in home
        # Portugal's amounts ("35\xa0984,76\xa0US$"): Babel's data for pt_PT is in the binary.
        assert re.search(r'class="amount[^>]*>[-−]?[\d\xa0]+,\d\d\xa0', home)
        charts = read(browser, f"{url}reports?period={year}")
        assert charts.count('<svg xmlns="http://www.w3.org/2000/svg" id="chart-') >= 3  # pygal
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', home).group(1)  # type: ignore[union-attr]
        code_page = read(browser, urllib.request.Request(
            f"{url}devices/code", data=urlencode({"csrf_token": token}).encode(),
            headers={"Origin": url.rstrip("/")}))
        assert 'class="qr"><title>QR code</title>' in code_page  # segno
        assert served.stop() == 0


def read(browser: urllib.request.OpenerDirector, request: str | urllib.request.Request) -> str:
    """Open a page (answered 200) and return its text."""
    with browser.open(request, timeout=30) as page:
        assert page.status == 200
        return str(page.read().decode("utf-8"))
