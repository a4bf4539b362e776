"""One desktop app per data folder: the lock, the published address, the show request."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from ourmoney.desktop import instance


def test_a_folder_has_one_holder_until_it_lets_go(tmp_path: Path) -> None:
    first = instance.claim(tmp_path)
    assert first is not None
    assert instance.claim(tmp_path) is None
    first.release()
    again = instance.claim(tmp_path)
    assert again is not None
    again.release()


def test_publish_writes_port_token_and_pid_for_the_owner_only(tmp_path: Path) -> None:
    held = instance.claim(tmp_path)
    assert held is not None
    held.publish(43210)
    info_path = tmp_path / "desktop.json"
    assert json.loads(info_path.read_text(encoding="utf-8")) == {
        "pid": os.getpid(), "port": 43210, "token": held.token}
    assert stat.S_IMODE(info_path.stat().st_mode) == 0o600
    assert len(held.token) >= 40
    held.release()
    assert not info_path.exists()


def test_showing_an_app_that_never_answers_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "desktop.json").write_text('{"port": 1, "token": "x"}', encoding="utf-8")
    with pytest.raises(instance.AlreadyRunning,
                       match=r"^OurMoney is already open on this data folder, but it did not "
                             r"answer\. \("):
        instance.show_running(tmp_path, wait_s=0.3)


@pytest.mark.parametrize("text", ["", "not json", '{"port": "<script>"}', '{"token": "x"}', "[]"])
def test_a_damaged_address_file_is_a_clear_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "desktop.json").write_text(text, encoding="utf-8")
    with pytest.raises(instance.AlreadyRunning):
        instance.show_running(tmp_path, wait_s=0.2)
