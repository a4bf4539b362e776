"""Automatic sync between two real `ourmoney serve` processes: a write syncs on its own."""

from __future__ import annotations

from pathlib import Path

from tests.support.server import start_server
from tests.test_cli_devices import new_code, ourmoney, wait_for
from tests.test_sync_processes import api


def test_a_write_reaches_the_paired_device_without_anyone_pressing_sync(tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    with start_server(a_dir, env={"OURMONEY_AUTO_SYNC": "true"}) as a, start_server(b_dir) as b:
        done = ourmoney("pair", a.url, new_code(a_dir), "--data-dir", str(b_dir))
        assert done.returncode == 0, done.stderr
        lunch = api(a, "POST", "transactions", description="Lunch", amount="12.50")

        def arrived() -> bool:
            return lunch["id"] in {t["id"] for t in api(b, "GET", "transactions")["items"]}

        assert wait_for(arrived, timeout=20), a.output()
        assert wait_for(lambda: api(a, "GET", f"transactions/{lunch['id']}")["sync"] == "synced")
    done = ourmoney("devices", "--data-dir", str(a_dir))
    assert "last error: -" in done.stdout and "last sync: never" not in done.stdout


def test_auto_sync_off_leaves_writes_pending(tmp_path: Path) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    with start_server(a_dir, env={"OURMONEY_AUTO_SYNC": "false"}) as a, start_server(b_dir) as b:
        done = ourmoney("pair", a.url, new_code(a_dir), "--data-dir", str(b_dir))
        assert done.returncode == 0, done.stderr
        lunch = api(a, "POST", "transactions", description="Lunch", amount="12.50")
        assert not wait_for(lambda: bool(api(b, "GET", "transactions")["items"]), timeout=5)
        assert api(a, "GET", f"transactions/{lunch['id']}")["sync"] == "pending"
