"""The hub's HTTP interface against a real hub process on a real PostgreSQL."""

from __future__ import annotations

import itertools
import time

import psycopg2
import pytest
import requests

from ourmoney.services.sync.http import HttpPeer
from ourmoney.sync.protocol import Change, push_body
from tests.hub.conftest import DEVICE_A, join
from tests.support.hub import EDITOR, OWNER, VIEWER, RunningHub, hub_cli, member_email

_counter = itertools.count(1)


def change(device: str, row: str = "r1", ahead_ms: int = 0, **fields: object) -> Change:
    """Return a new change made on `device` now (or `ahead_ms` in the future)."""
    ms = int(time.time() * 1000) + ahead_ms
    return Change(f"{ms:013d}-{next(_counter) % 0xFFFF:04x}-{device}", device, "transaction",
                  row, fields or {"amount": 100})


def body(*changes: Change) -> bytes:
    return "".join(line + "\n" for line in push_body(changes)).encode()


def post(hub: RunningHub, token: str, data: bytes, **headers: str) -> requests.Response:
    return requests.post(hub.url + "sync/v1/changes", data=data, timeout=30, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson", **headers})


def stored(dsn: str, household: str = "Home") -> list[tuple[int, str]]:
    """Return (seq, hlc) of every change the hub holds for a household, in seq order."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT c.seq, c.hlc FROM change c JOIN household h ON h.id = c.household_id"
                    " WHERE h.name = %s ORDER BY c.seq", (household,))
        rows = [(int(seq), str(hlc)) for seq, hlc in cur.fetchall()]
    conn.close()
    return rows


def test_health_and_info_answer_without_a_token(hub: RunningHub) -> None:
    health = requests.get(hub.url + "health", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["database"] == "ok"
    info = requests.get(hub.url + "sync/v1/info", timeout=10).json()
    assert info["kind"] == "hub" and info["name"] == "hub" and len(info["device_id"]) == 16
    assert health.headers["X-Content-Type-Options"] == "nosniff"


def test_join_answers_the_hub_and_whom_the_device_joined_as(hub: RunningHub) -> None:
    answer = requests.post(hub.url + "hub/v1/join", timeout=30, json={
        "email": " Owner@Example.org ", "password": OWNER[1], "device_id": "b1b1b1b1b1b1b1b1",
        "device_name": "Desk"})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["household"], found["role"], found["email"], found["name"]) == (
        "Home", "owner", "owner@example.org", "hub")
    assert found["device_id"] == requests.get(hub.url + "sync/v1/info", timeout=10).json()[
        "device_id"]
    assert len(found["token"]) >= 43


@pytest.mark.parametrize(("body", "message"), [
    ({"email": "owner@example.org", "password": "wrong-password", "device_id": "c" * 16,
      "device_name": "X"}, "wrong email or password"),
    ({"email": "nobody@example.org", "password": "whatever-1", "device_id": "c" * 16,
      "device_name": "X"}, "wrong email or password"),
    ({"email": "not an email", "password": "x", "device_id": "c" * 16, "device_name": "X"},
     "email must be an address like name@example.org"),
    ({"email": "owner@example.org", "password": OWNER[1], "device_id": "XYZ",
      "device_name": "X"}, "device_id must be 16 lower-case hexadecimal digits"),
    ({"email": "owner@example.org", "password": OWNER[1], "device_id": "c" * 16,
      "device_name": "\x00<script>"},
     "device_name must be 1 to 60 characters without control characters"),
    ({"email": ["owner@example.org"], "password": 5, "device_id": 1, "device_name": None},
     "email must be an address like name@example.org"),
    ({"invite": "'; DROP TABLE member; --", "device_id": "c" * 16, "device_name": "X"},
     "invite must be a code like ABCD-EFGH-JKLM"),
])
def test_join_refuses_bad_credentials_and_bad_values(hub: RunningHub, body: dict[str, object],
                                                     message: str) -> None:
    answer = requests.post(hub.url + "hub/v1/join", json=body, timeout=30)
    assert answer.status_code in (400, 401)
    assert answer.json() == {"error": message}


def test_join_refuses_what_is_not_a_json_object(hub: RunningHub) -> None:
    for data, kind in ((b"[1, 2]", "application/json"), (b"{bad", "application/json"),
                       (b"email=a", "application/x-www-form-urlencoded")):
        answer = requests.post(hub.url + "hub/v1/join", data=data, timeout=10,
                               headers={"Content-Type": kind})
        assert answer.status_code == 400
        assert answer.json() == {"error": "the body must be a JSON object sent as "
                                          "application/json"}
    big = b'{"email": "' + b"a" * 20000 + b'"}'
    answer = requests.post(hub.url + "hub/v1/join", data=big, timeout=10,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


def test_push_then_pull_relays_changes_to_the_other_device_once(hub: RunningHub,
                                                                hub_db: str) -> None:
    laptop = HttpPeer(hub.url, join(hub, device="d1d1d1d1d1d1d1d1"))
    desk = HttpPeer(hub.url, join(hub, EDITOR, device="d2d2d2d2d2d2d2d2", name="Desk"))
    before = len(stored(hub_db))
    made = [change("d1d1d1d1d1d1d1d1", f"row{n}") for n in range(3)]
    assert laptop.push([c.line() for c in made], 0).as_json() == {
        "accepted": 3, "duplicates": 0, "quarantined": 0}
    assert laptop.push([c.line() for c in made], 0).as_json() == {
        "accepted": 0, "duplicates": 3, "quarantined": 0}
    rows = stored(hub_db)
    assert [seq for seq, _ in rows] == list(range(1, before + 4))
    page = desk.pull(before, 1000)
    assert [c.hlc for c in page.changes] == [c.hlc for c in made]
    assert page.changes[0].fields == {"amount": 100}
    assert (page.next, page.more) == (before + 3, False)
    assert desk.last_seq() == before + 3
    assert laptop.pull(before, 1000).changes == []  # its own changes are not sent back


def test_pull_pages_say_where_to_go_on(hub: RunningHub, hub_db: str) -> None:
    sender = HttpPeer(hub.url, join(hub, device="e1e1e1e1e1e1e1e1"))
    reader = HttpPeer(hub.url, join(hub, device="e2e2e2e2e2e2e2e2"))
    start = len(stored(hub_db))
    sender.push([change("e1e1e1e1e1e1e1e1", f"p{n}").line() for n in range(5)], 0)
    first = reader.pull(start, 2)
    second = reader.pull(first.next, 2)
    third = reader.pull(second.next, 2)
    assert (first.next, first.more, second.next, second.more) == (
        start + 2, True, start + 4, True)
    assert (third.next, third.more, len(third.changes)) == (start + 5, False, 1)


def test_a_push_stamped_over_an_hour_ahead_is_refused_whole(hub: RunningHub,
                                                           hub_db: str) -> None:
    token = join(hub, device="f1f1f1f1f1f1f1f1")
    before = stored(hub_db)
    answer = post(hub, token, body(change("f1f1f1f1f1f1f1f1", "ok"),
                                   change("f1f1f1f1f1f1f1f1", "late", ahead_ms=2 * 3600_000)))
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("line 2: the change is stamped 1")
    assert stored(hub_db) == before
    fine = post(hub, token, body(change("f1f1f1f1f1f1f1f1", "soon", ahead_ms=30 * 60_000)))
    assert fine.json()["accepted"] == 1


def test_a_viewer_reads_but_its_push_is_refused_and_changes_nothing(hub: RunningHub,
                                                                   hub_db: str) -> None:
    token = join(hub, VIEWER, device="a1a1a1a1a1a1a1a1")
    before = stored(hub_db)
    answer = post(hub, token, body(change("a1a1a1a1a1a1a1a1")))
    assert answer.status_code == 403
    assert answer.json() == {"error": "a viewer can read this household's changes but not"
                                      " push any"}
    assert stored(hub_db) == before
    assert post(hub, token, body()).json() == {"accepted": 0, "duplicates": 0, "quarantined": 0}
    assert HttpPeer(hub.url, token).pull(0, 5000).next == before[-1][0]


@pytest.mark.parametrize(("data", "kind", "status", "message"), [
    (b'{"hlc":"1","origin":"a","entity":"t","row":"r","fields":{"a":1}}\n{"count":1}\n',
     "application/x-ndjson", 400, "the changes were refused: line 1: hlc must be a clock"),
    (b'{"hlc":"1732191234567-0000-a0a0a0a0a0a0a0a0","origin":"a0a0a0a0a0a0a0a0",'
     b'"entity":"transaction","row":"r","fields":{"a":1.5}}\n{"count":1}\n',
     "application/x-ndjson", 400, "the changes were refused: line 1: field a must be"),
    (b'{"hlc":"1732191234567-0000-a0a0a0a0a0a0a0a0","origin":"a0a0a0a0a0a0a0a0",'
     b'"entity":"transaction","row":"r","fields":{"a":1}}\n',
     "application/x-ndjson", 400, "the changes were refused: the body ended before its count"),
    (b"not json\n", "application/x-ndjson", 400, "the changes were refused: line 1: not JSON"),
    (b'{"count":0}\n', "application/json", 400, "send changes as application/x-ndjson"),
])
def test_a_bad_push_is_refused_naming_the_problem(hub: RunningHub, hub_db: str, data: bytes,
                                                  kind: str, status: int, message: str) -> None:
    token = join(hub, device=DEVICE_A)
    before = stored(hub_db)
    answer = post(hub, token, data, **{"Content-Type": kind})
    assert answer.status_code == status
    assert answer.json()["error"].startswith(message)
    assert stored(hub_db) == before


def test_a_push_over_16_mib_is_refused(hub: RunningHub) -> None:
    token = join(hub, device=DEVICE_A)
    answer = post(hub, token, b"x" * (16 * 1024 * 1024 + 1))
    assert answer.status_code == 413
    assert "at most" in answer.json()["error"]


def test_bad_since_and_limit_are_refused(hub: RunningHub) -> None:
    token = join(hub, device=DEVICE_A)
    for query in ("since=-1", "since=abc", "limit=0", "limit=5001", "since=1e3"):
        answer = requests.get(hub.url + "sync/v1/changes?" + query, timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 400, query
        assert "must be a whole number" in answer.json()["error"]


def test_without_a_valid_token_every_device_endpoint_answers_401(hub: RunningHub) -> None:
    for token in (None, "", "wrong", "x" * 500):
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        for method, path in (("GET", "sync/v1/changes"), ("POST", "sync/v1/changes"),
                             ("GET", "hub/v1/status"), ("POST", "hub/v1/leave"),
                             ("POST", "hub/v1/invites"),
                             ("POST", f"hub/v1/devices/{DEVICE_A}/revoke")):
            answer = requests.request(method, hub.url + path, headers=headers, timeout=10)
            assert answer.status_code == 401, (method, path, token)
            assert "token" in answer.json()["error"]
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_status_lists_the_household_and_its_devices(hub: RunningHub) -> None:
    token = join(hub, device="b2b2b2b2b2b2b2b2", name="Kitchen <b>tablet</b>")
    found = requests.get(hub.url + "hub/v1/status", timeout=10,
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert (found["household"], found["role"], found["email"], found["device_id"]) == (
        "Home", "owner", "owner@example.org", "b2b2b2b2b2b2b2b2")
    mine = [d for d in found["devices"] if d["device_id"] == "b2b2b2b2b2b2b2b2"]
    assert mine[0]["name"] == "Kitchen <b>tablet</b>" and mine[0]["revoked"] is False
    assert all(d["email"].endswith("@example.org") and "+away" not in d["email"]
               for d in found["devices"])


def test_leave_revokes_the_token(hub: RunningHub) -> None:
    token = join(hub, device="c2c2c2c2c2c2c2c2")
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.post(hub.url + "hub/v1/leave", headers=auth, timeout=10).json() == {
        "left": True}
    assert requests.get(hub.url + "hub/v1/status", headers=auth, timeout=10).status_code == 401


def test_joining_again_replaces_the_old_token(hub: RunningHub) -> None:
    old = join(hub, device="c3c3c3c3c3c3c3c3")
    new = join(hub, device="c3c3c3c3c3c3c3c3")
    assert requests.get(hub.url + "hub/v1/status", timeout=10,
                        headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert requests.get(hub.url + "hub/v1/status", timeout=10,
                        headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_a_device_of_one_household_cannot_join_another(hub: RunningHub) -> None:
    join(hub, device="c4c4c4c4c4c4c4c4")
    answer = requests.post(hub.url + "hub/v1/join", timeout=30, json={
        "email": member_email(OWNER, "Away"), "password": OWNER[1],
        "device_id": "c4c4c4c4c4c4c4c4", "device_name": "Laptop"})
    assert answer.status_code == 409
    assert "another household" in answer.json()["error"]


def test_an_owner_invites_and_the_code_joins_one_device_once(hub: RunningHub) -> None:
    owner = join(hub, device="c5c5c5c5c5c5c5c5")
    auth = {"Authorization": f"Bearer {owner}"}
    made = requests.post(hub.url + "hub/v1/invites", json={"email": EDITOR[0]}, headers=auth,
                         timeout=10)
    assert made.status_code == 200, made.text
    code = made.json()["code"]
    first = requests.post(hub.url + "hub/v1/join", timeout=30, json={
        "invite": code.lower(), "device_id": "c6c6c6c6c6c6c6c6", "device_name": "Phone"})
    assert first.status_code == 200, first.text
    assert (first.json()["email"], first.json()["role"]) == ("editor@example.org", "editor")
    again = requests.post(hub.url + "hub/v1/join", timeout=30, json={
        "invite": code, "device_id": "c7c7c7c7c7c7c7c7", "device_name": "Phone"})
    assert again.status_code == 401
    assert again.json() == {"error": "the invite code is wrong, used or expired"}


def test_only_an_owner_invites_or_revokes(hub: RunningHub) -> None:
    editor = {"Authorization": f"Bearer {join(hub, EDITOR, device='c8c8c8c8c8c8c8c8')}"}
    invite = requests.post(hub.url + "hub/v1/invites", json={"email": OWNER[0]},
                           headers=editor, timeout=10)
    assert invite.status_code == 403
    revoke = requests.post(hub.url + f"hub/v1/devices/{DEVICE_A}/revoke", headers=editor,
                           timeout=10)
    assert revoke.status_code == 403


def test_an_owner_revokes_a_device_of_the_household(hub: RunningHub) -> None:
    owner = {"Authorization": f"Bearer {join(hub, device='c9c9c9c9c9c9c9c9')}"}
    other = join(hub, EDITOR, device="d9d9d9d9d9d9d9d9")
    answer = requests.post(hub.url + "hub/v1/devices/d9d9d9d9d9d9d9d9/revoke", headers=owner,
                           timeout=10)
    assert answer.json() == {"revoked": "d9d9d9d9d9d9d9d9"}
    assert requests.get(hub.url + "hub/v1/status", timeout=10,
                        headers={"Authorization": f"Bearer {other}"}).status_code == 401


def test_revoke_device_from_the_command_line(hub: RunningHub, hub_db: str) -> None:
    token = join(hub, device="caca00000000caca")
    done = hub_cli("revoke-device", "caca00000000caca", "--database", hub_db)
    assert done.stdout.strip() == "revoked caca00000000caca"
    assert requests.get(hub.url + "hub/v1/status", timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).status_code == 401
    missing = hub_cli("revoke-device", "0000000000000000", "--database", hub_db, check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: there is no device 0000000000000000"


def test_a_device_ahead_of_the_hub_is_told_to_join_again(hub: RunningHub, hub_db: str) -> None:
    token = join(hub, device="abab0000abab0000")
    beyond = len(stored(hub_db)) + 10
    answer = requests.get(hub.url + f"sync/v1/changes?since={beyond}", timeout=10,
                          headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 409
    assert answer.json()["error"] == (
        f"this device has read the hub up to {beyond}, but the hub holds only {beyond - 10}"
        " changes (was it restored from a backup?): leave the hub and join it again to sync"
        " everything again")
