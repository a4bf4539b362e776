"""Moving the listening socket needs the serving loop: without it, nothing moves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ourmoney import listening, server
from ourmoney.services import phones
from ourmoney.settings import load


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[server.RunningApp]:
    """A started server whose loop nobody runs, with phone access switched on."""
    monkeypatch.setattr(listening, "MOVE_WAIT", 0.1)
    started = server.start(load({"data_dir": str(tmp_path / "data"), "port": 0,
                                 "discovery": False, "auto_sync": False}), discover=False)
    phones.set_access(started.app.extensions["ourmoney"]["book"], True)
    try:
        yield started
    finally:
        started.stop()


def test_without_a_serving_loop_the_server_stays_where_it_listens(
        running: server.RunningApp) -> None:
    found = running.app.extensions["ourmoney"]
    assert found["listening"].follow_phone_access() is False  # nobody runs the loop
    assert running.app.config["LISTEN_HOST"] == "127.0.0.1"
    assert running.server.effective_host == "127.0.0.1"
    phones.set_access(found["book"], False)
    assert found["listening"].follow_phone_access() is True  # already there


def test_a_move_given_up_on_does_not_happen_later(running: server.RunningApp) -> None:
    assert running.app.extensions["ourmoney"]["listening"].follow_phone_access() is False
    running.server.trigger.handle_read()  # the loop comes round to the move at last
    assert running.server.effective_host == "127.0.0.1"
    assert running.server.socket.getsockname()[0] == "127.0.0.1"
