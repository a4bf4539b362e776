"""The built single-file binary: version, serving, and the real window under Xvfb."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

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
