"""Rate limits on sign-in and per token, shared by hub processes; structured request logs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from tests.hub.conftest import join
from tests.support.hub import OWNER, RunningHub, start_hub

LIMITS = {"OURMONEY_HUB_SIGN_IN_FAILURES": "3", "OURMONEY_HUB_REQUESTS_PER_MINUTE": "5"}


@pytest.fixture(scope="module")
def strict(hub_db: str) -> Iterator[tuple[RunningHub, RunningHub]]:
    """Two hub processes on one database, with low limits."""
    with start_hub(hub_db, env=LIMITS) as first, start_hub(hub_db, env=LIMITS) as second:
        yield first, second


def sign_in(hub: RunningHub, email: str, password: str) -> requests.Response:
    return requests.post(hub.url + "hub/v1/join", timeout=30, json={
        "email": email, "password": password, "device_id": "4444444444444444",
        "device_name": "Laptop"})


def test_failed_sign_ins_are_limited_across_hub_processes(
        strict: tuple[RunningHub, RunningHub]) -> None:
    first, second = strict
    email = "editor+away@example.org"
    for hub in (first, second, first):
        assert sign_in(hub, email, "wrong-password").status_code == 401
    locked = sign_in(second, email, "editor-password")  # even the right password now waits
    assert locked.status_code == 429
    assert locked.json()["error"].startswith("too many failed sign-ins; try again in ")
    assert 1 <= int(locked.headers["Retry-After"]) <= 900


def test_requests_per_token_are_limited(strict: tuple[RunningHub, RunningHub]) -> None:
    first, second = strict
    token = join(first, OWNER, device="4545454545454545")
    auth = {"Authorization": f"Bearer {token}"}
    codes = [requests.get(hub.url + "hub/v1/status", headers=auth, timeout=10).status_code
             for hub in (first, second) * 4]
    assert codes == [200] * 5 + [429] * 3
    refused = requests.get(first.url + "hub/v1/status", headers=auth, timeout=10)
    assert refused.json()["error"].startswith("too many requests from this device")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_each_request_is_logged_as_one_json_line(hub: RunningHub) -> None:
    token = join(hub, device="4646464646464646")
    requests.get(hub.url + "hub/v1/status", timeout=10,
                 headers={"Authorization": f"Bearer {token}"})
    status = logged_status(hub)
    assert status, hub.output()
    entry = status[-1]
    assert (entry["level"], entry["logger"], entry["method"], entry["status"]) == (
        "info", "hub.request", "GET", 200)
    assert entry["time"].endswith("Z") and isinstance(entry["ms"], float)
    assert isinstance(entry["household"], int)
    assert not any("password" in line or token in line for line in hub.stderr_lines)


def test_one_address_trying_many_emails_is_limited(strict: tuple[RunningHub, RunningHub]) -> None:
    first, _ = strict
    codes = [sign_in(first, f"guess{n}@example.org", "wrong-password").status_code
             for n in range(16)]
    assert 429 in codes and codes.index(429) <= 15  # 3 failures x 5 per address
    assert set(codes[:codes.index(429)]) == {401}


def logged_status(hub: RunningHub, wait: float = 5.0) -> list[dict[str, object]]:
    """The status requests of device 4646… logged so far (the line may follow the answer)."""
    deadline = time.monotonic() + wait
    while True:
        lines = [json.loads(line) for line in hub.stderr_lines if line.startswith("{")]
        found = [entry for entry in lines if entry.get("path") == "/hub/v1/status"
                 and entry.get("device") == "4646464646464646"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)
