"""A token of one household can never read or write another's, whatever the request says."""

from __future__ import annotations

import requests

from ourmoney.services.sync.http import HttpPeer
from tests.hub.conftest import join
from tests.hub.test_api import change, post, stored
from tests.support.hub import EDITOR, OWNER, RunningHub, member_email

HOME_DEVICE, AWAY_DEVICE = "1111111111111111", "2222222222222222"


def test_every_endpoint_keeps_to_the_tokens_household(hub: RunningHub, hub_db: str) -> None:
    home = join(hub, device=HOME_DEVICE)
    away = join(hub, device=AWAY_DEVICE, household="Away")
    home_change = change(HOME_DEVICE, "home-secret", description="Home only")
    HttpPeer(hub.url, home).push([home_change.line()], 0)
    home_before = stored(hub_db, "Home")
    auth = {"Authorization": f"Bearer {away}"}

    # Pull: from 0 and with every trick in the query, only Away's changes come back.
    for query in ("since=0", "since=0&household=Home", "since=0&household_id=1&limit=5000"):
        text = requests.get(hub.url + "sync/v1/changes?" + query, headers=auth, timeout=10).text
        assert "home-secret" not in text and "Home only" not in text
    # Push: the same hlc as Home's change is a new change for Away, not a duplicate of Home's.
    copied = post(hub, away, ("".join([home_change.line(), "\n", '{"count":1}', "\n"]).encode()),
                  **{"X-Household": "Home"})
    assert copied.json() == {"accepted": 1, "duplicates": 0, "quarantined": 0}
    assert stored(hub_db, "Home") == home_before
    assert [hlc for _seq, hlc in stored(hub_db, "Away")] == [home_change.hlc]
    # Status: only Away's household and devices.
    status = requests.get(hub.url + "hub/v1/status", headers=auth, timeout=10).json()
    assert status["household"] == "Away"
    assert HOME_DEVICE not in {d["device_id"] for d in status["devices"]}
    # Revoke a Home device with Away's owner token: not found, and Home's token still works.
    revoke = requests.post(hub.url + f"hub/v1/devices/{HOME_DEVICE}/revoke", headers=auth,
                           timeout=10)
    assert revoke.status_code == 404
    assert requests.get(hub.url + "hub/v1/status", timeout=10,
                        headers={"Authorization": f"Bearer {home}"}).status_code == 200
    # Invite a Home member with Away's owner token: not a member of this household.
    invite = requests.post(hub.url + "hub/v1/invites", json={"email": EDITOR[0]}, headers=auth,
                           timeout=10)
    assert invite.status_code == 404
    # Leave with Away's token revokes Away's device only.
    requests.post(hub.url + "hub/v1/leave", headers=auth, timeout=10)
    assert requests.get(hub.url + "hub/v1/status", timeout=10,
                        headers={"Authorization": f"Bearer {home}"}).status_code == 200


def test_joining_takes_the_household_from_the_member_not_the_body(hub: RunningHub) -> None:
    answer = requests.post(hub.url + "hub/v1/join", timeout=30, json={
        "email": member_email(OWNER, "Away"), "password": OWNER[1], "household": "Home",
        "household_id": 1, "device_id": "3333333333333333", "device_name": "Tablet"})
    assert answer.json()["household"] == "Away"
