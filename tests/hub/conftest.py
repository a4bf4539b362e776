"""Helpers for hub tests; the fixtures hub_db and hub come from tests/support/hub.py."""

from __future__ import annotations

import requests

from tests.support.hub import OWNER, RunningHub, member_email

DEVICE_A = "a0a0a0a0a0a0a0a0"


def join(hub: RunningHub, who: tuple[str, str] = OWNER, device: str = DEVICE_A,
         household: str = "Home", name: str = "Laptop") -> str:
    """Join a device with a member's password; return its token."""
    answer = requests.post(hub.url + "hub/v1/join", timeout=30, json={
        "email": member_email(who, household), "password": who[1], "device_id": device,
        "device_name": name})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])
