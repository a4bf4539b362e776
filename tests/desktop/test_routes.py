"""The desktop app's own requests: show (token), save and open (file dialogs), behind security."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ourmoney import settings
from ourmoney.desktop import routes
from ourmoney.desktop.files import FileBridge
from ourmoney.web import create_app
from tests.support.server import RunningServer, start_server

TOKEN = "t" * 43


class Dialogs:
    """A stand-in for the system's file dialogs: answers what the test says, records asks."""

    def __init__(self) -> None:
        self.answer: str | None = None
        self.asked: list[tuple[str, str]] = []

    def choose(self, kind: str, suggested: str) -> str | None:
        self.asked.append((kind, suggested))
        return self.answer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real server to download exports from."""
    with start_server(tmp_path_factory.mktemp("served")) as running:
        yield running


@pytest.fixture
def dialogs() -> Dialogs:
    return Dialogs()


@pytest.fixture
def shown() -> list[int]:
    return []


def make_app(data_dir: Path, server: RunningServer, dialogs: Dialogs, shown: list[int],
             **values: object) -> Flask:
    app = create_app(settings.load({"data_dir": str(data_dir), **values}, environ={}))
    app.config["TESTING"] = True
    routes.add_routes(app, TOKEN, lambda: shown.append(1),
                      FileBridge(server.url, dialogs.choose, limit=64))
    return app


@pytest.fixture
def app(tmp_path: Path, server: RunningServer, dialogs: Dialogs,
        shown: list[int]) -> Iterator[Flask]:
    app = make_app(tmp_path / "data", server, dialogs, shown)
    yield app
    app.extensions["ourmoney"]["book"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_show_with_the_token_calls_show(client: FlaskClient, shown: list[int]) -> None:
    answer = client.post("/desktop/v1/show", headers={"Authorization": f"Bearer {TOKEN}"})
    assert (answer.status_code, answer.data, shown) == (204, b"", [1])


@pytest.mark.parametrize("header", [None, "Bearer", f"Bearer {TOKEN}x", f"Basic {TOKEN}",
                                    "Bearer <script>alert(1)</script>", "Bearer ' OR 1=1 --"])
def test_show_without_the_token_is_refused(client: FlaskClient, shown: list[int],
                                           header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = client.post("/desktop/v1/show", headers=headers)
    assert (answer.status_code, answer.get_json(), shown) == (403, {"error": "Not allowed."}, [])


def test_show_from_another_site_or_host_is_refused(client: FlaskClient, shown: list[int]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    cross = client.post("/desktop/v1/show", headers={**auth, "Origin": "http://evil.example",
                                                     "Accept": "application/json"})
    rebound = client.post("/desktop/v1/show", headers={**auth, "Host": "evil.example",
                                                       "Accept": "application/json"})
    assert cross.status_code == 403
    assert cross.get_json() == {"error": "Cross-site requests are not allowed."}
    assert rebound.status_code == 403
    assert shown == []


def test_phones_cannot_reach_the_desktop_routes(tmp_path: Path, server: RunningServer,
                                                dialogs: Dialogs, shown: list[int]) -> None:
    app = make_app(tmp_path / "phone", server, dialogs, shown, loopback_is_lan=True)
    try:
        client = app.test_client()
        for path in ("/desktop/v1/show", "/desktop/v1/save", "/desktop/v1/open"):
            answer = client.post(path, headers={"Authorization": f"Bearer {TOKEN}",
                                                "Accept": "application/json"})
            assert answer.status_code == 403
        assert (shown, dialogs.asked) == ([], [])
    finally:
        app.extensions["ourmoney"]["book"].close()


def test_save_fetches_the_export_and_writes_it_where_chosen(
        client: FlaskClient, dialogs: Dialogs, tmp_path: Path) -> None:
    dialogs.answer = str(tmp_path / "mine.csv")
    answer = client.post("/desktop/v1/save", json={"path": "/export.csv"})
    assert answer.get_json() == {"saved": dialogs.answer}
    (kind, suggested), = dialogs.asked
    assert kind == "save" and suggested.startswith("ourmoney-") and suggested.endswith(".csv")
    assert (tmp_path / "mine.csv").read_text(encoding="utf-8-sig").startswith("date,")


def test_save_cancelled_writes_nothing(client: FlaskClient, dialogs: Dialogs,
                                       tmp_path: Path) -> None:
    answer = client.post("/desktop/v1/save", json={"path": "/export.json"})
    assert answer.get_json() == {"saved": None}
    assert len(dialogs.asked) == 1
    assert list(tmp_path.glob("*.json")) == []


@pytest.mark.parametrize("body", [{"path": "http://evil.example/x"}, {"path": "//evil.example/x"},
                                  {"path": 42}, {"path": None}, {}, ["/export.csv"], "x"])
def test_save_refuses_anything_but_own_downloads(client: FlaskClient, dialogs: Dialogs,
                                                 body: object) -> None:
    answer = client.post("/desktop/v1/save", data=json.dumps(body),
                         content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "Only this app's own downloads can be saved."}
    assert dialogs.asked == []


def test_a_page_write_without_the_csrf_token_is_refused(client: FlaskClient,
                                                         dialogs: Dialogs) -> None:
    client.set_cookie("ourmoney_session", "x")
    answer = client.post("/desktop/v1/save", json={"path": "/export.csv"},
                         headers={"Origin": "http://localhost", "Accept": "application/json"})
    assert answer.status_code == 403
    assert dialogs.asked == []


def test_open_answers_the_chosen_file(client: FlaskClient, dialogs: Dialogs,
                                      tmp_path: Path) -> None:
    chosen = tmp_path / "extrato março.csv"
    chosen.write_bytes(b"date,amount\n2024-01-02,=1+1\n")
    dialogs.answer = str(chosen)
    answer = client.post("/desktop/v1/open")
    assert answer.status_code == 200
    assert answer.data == b"date,amount\n2024-01-02,=1+1\n"
    assert answer.headers["X-File-Name"] == "extrato%20mar%C3%A7o.csv"
    assert dialogs.asked == [("open", "")]


def test_open_cancelled_and_too_big(client: FlaskClient, dialogs: Dialogs,
                                    tmp_path: Path) -> None:
    assert client.post("/desktop/v1/open").status_code == 204
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 65)
    dialogs.answer = str(big)
    answer = client.post("/desktop/v1/open")
    assert (answer.status_code, answer.get_json()) == (
        413, {"error": "The chosen file is larger than an upload may be."})
