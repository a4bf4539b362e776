"""Fixtures for hub tests: one database and one hub process per module, households in it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.support.hub import (
    OWNER,
    RunningHub,
    add_household,
    fresh_database,
    member_email,
    start_hub,
)

DEVICE_A = "a0a0a0a0a0a0a0a0"


@pytest.fixture(scope="module")
def hub_db() -> Iterator[str]:
    """A fresh hub database with households Home and Away (owner, editor, viewer each)."""
    with fresh_database() as dsn:
        add_household(dsn, "Home")
        add_household(dsn, "Away")
        yield dsn


@pytest.fixture(scope="module")
def hub(hub_db: str) -> Iterator[RunningHub]:
    """A hub process serving the module's database."""
    with start_hub(hub_db) as running:
        yield running


def join(hub: RunningHub, who: tuple[str, str] = OWNER, device: str = DEVICE_A,
         household: str = "Home", name: str = "Laptop") -> str:
    """Join a device with a member's password; return its token."""
    answer = requests.post(hub.url + "hub/v1/join", timeout=30, json={
        "email": member_email(who, household), "password": who[1], "device_id": device,
        "device_name": name})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])
