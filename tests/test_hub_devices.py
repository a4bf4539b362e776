"""Devices joining a real hub (`ourmoney-hub serve` on PostgreSQL) with the `ourmoney` CLI.

Each device is a real data folder driven by `ourmoney hub ...` and `ourmoney sync --peer hub`
in child processes; transactions are added through the ledger service on the same folder.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from ourmoney.services import ledger
from ourmoney.services.book import open_book
from tests.support.books import draft
from tests.support.hub import (
    EDITOR,
    OWNER,
    VIEWER,
    RunningHub,
    add_household,
    hub_cli,
    member_email,
    start_hub,
)
from tests.support.proxy import path_proxy
from tests.support.server import start_server
from tests.support.sync import state
from tests.test_cli_devices import wait_for
from tests.test_sync_processes import api

WAKING = "The hub is waking up; trying again shortly."
READ_ONLY = "This hub lets you read only; your changes stay on this device."


def ourmoney(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `ourmoney ARGS --data-dir DATA` to completion."""
    return subprocess.run([sys.executable, "-m", "ourmoney", *args, "--data-dir", str(data)],
                          input=stdin, capture_output=True, text=True, timeout=120, check=False)


def join(data: Path, url: str, who: tuple[str, str], household: str = "Home") -> str:
    done = ourmoney(data, "hub", "join", url, "--email", member_email(who, household),
                    "--password-stdin", stdin=who[1] + "\n")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout


def add(data: Path, *descriptions: str) -> None:
    book = open_book(data / "ourmoney.sqlite3")
    try:
        for n, description in enumerate(descriptions, start=1):
            ledger.add_transaction(book, draft(description, f"{n}.25"))
    finally:
        book.close()


def ledger_state(data: Path) -> dict[str, object]:
    book = open_book(data / "ourmoney.sqlite3")
    try:
        return dict(state(book))
    finally:
        book.close()


def descriptions(data: Path) -> list[str]:
    book = open_book(data / "ourmoney.sqlite3")
    try:
        return [str(r[0]) for r in book.store.rows(
            "SELECT description FROM transactions ORDER BY description")]
    finally:
        book.close()


def synced(data: Path) -> str:
    done = ourmoney(data, "sync", "--peer", "hub")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout.strip()


def test_two_devices_of_a_household_converge_through_the_hub(hub: RunningHub,
                                                             tmp_path: Path) -> None:
    home, away = tmp_path / "home", tmp_path / "away"
    assert join(home, hub.url, OWNER) == (f"joined hub at {hub.url} as {OWNER[0]}"
                                          " (household Home, role owner)\n")
    assert join(away, hub.url, EDITOR) == (f"joined hub at {hub.url} as {EDITOR[0]}"
                                           " (household Home, role editor)\n")
    add(home, "Rent", "Power", "Water")
    add(away, "Train", "Hotel")
    # What a device pulled is never pushed back to the hub.
    assert synced(home) == "pushed 3, pulled 0"
    assert synced(away) == "pushed 2, pulled 3"
    assert synced(home) == "pushed 0, pulled 2"
    assert synced(away) == "pushed 0, pulled 0"
    assert ledger_state(home) == ledger_state(away)
    assert descriptions(home) == ["Hotel", "Power", "Rent", "Train", "Water"]
    status = ourmoney(home, "hub", "status")
    lines = dict(line.split(": ", 1) for line in status.stdout.splitlines())
    assert (lines["household"], lines["role"], lines["last error"]) == ("Home", "owner", "-")
    assert lines["now"] == "answering (devices in the household: 2, changes held: 5)"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", lines["last sync"])


def test_a_viewer_reads_and_its_own_changes_stay(hub: RunningHub, tmp_path: Path) -> None:
    owner, viewer = tmp_path / "owner", tmp_path / "viewer"
    join(owner, hub.url, OWNER, "Away")
    add(owner, "Groceries")
    assert synced(owner) == "pushed 1, pulled 0"
    assert join(viewer, hub.url, VIEWER, "Away").endswith("(household Away, role viewer)\n")
    assert synced(viewer) == "pushed 0, pulled 1"  # nothing of its own: no refusal
    add(viewer, "Sweets")
    done = ourmoney(viewer, "sync", "--peer", "hub")
    assert (done.returncode, done.stdout, done.stderr) == (1, "pushed 0, pulled 0\n",
                                                           f"hub: {READ_ONLY}\n")
    assert synced(owner) == "pushed 0, pulled 0"
    assert descriptions(owner) == ["Groceries"]
    assert descriptions(viewer) == ["Groceries", "Sweets"]


def test_join_refusals_are_the_hubs_words(hub: RunningHub, tmp_path: Path) -> None:
    device = tmp_path / "device"
    wrong = ourmoney(device, "hub", "join", hub.url, "--email", EDITOR[0], "--password-stdin",
                     stdin="not-the-password\n")
    assert (wrong.returncode, wrong.stdout) == (1, "")
    assert wrong.stderr == f"Error: {hub.url}hub/v1/join refused: wrong email or password\n"
    used = ourmoney(device, "hub", "join", hub.url, "--invite", "ABCD-EFGH-JKLM")
    assert used.stderr == (f"Error: {hub.url}hub/v1/join refused: the invite code is wrong,"
                           " used or expired\n")
    assert ourmoney(device, "devices").stdout == "no paired devices\n"


def test_join_with_an_invite_then_leave_and_sync_fails_cleanly(hub: RunningHub, hub_db: str,
                                                               tmp_path: Path) -> None:
    device = tmp_path / "device"
    made = hub_cli("invite", "Home", "--email", EDITOR[0], "--database", hub_db)
    code = made.stdout.split()[0]
    done = ourmoney(device, "hub", "join", hub.url, "--invite", code)
    assert done.stdout == f"joined hub at {hub.url} as {EDITOR[0]} (household Home, role editor)\n"
    again = ourmoney(device, "hub", "join", hub.url, "--invite", code)
    assert again.returncode == 1 and "the invite code is wrong, used or expired" in again.stderr
    add(device, "Parking")
    assert synced(device).startswith("pushed 1, pulled ")
    left = ourmoney(device, "hub", "leave")
    assert (left.returncode, left.stdout) == (0, f"left the hub at {hub.url}\n")
    after = ourmoney(device, "sync", "--peer", "hub")
    assert (after.returncode, after.stdout) == (1, "")
    assert after.stderr == "Error: No paired device is called hub.\n"
    status = ourmoney(device, "hub", "status")
    assert status.stderr == "Error: This device has not joined a hub.\n"


def test_a_stopped_hub_is_waking_up_then_syncs_again(hub_db: str, tmp_path: Path) -> None:
    device = tmp_path / "device"
    own = start_hub(hub_db)
    url = own.url
    try:
        join(device, url, EDITOR, "Away")
        add(device, "Taxi")
        assert synced(device).startswith("pushed 1, pulled ")
    finally:
        own.stop()
    add(device, "Dinner")
    done = ourmoney(device, "sync", "--peer", "hub")
    assert (done.returncode, done.stdout, done.stderr) == (1, "pushed 0, pulled 0\n",
                                                           f"hub: {WAKING}\n")
    status = ourmoney(device, "hub", "status")
    assert status.returncode == 0
    assert status.stdout.splitlines()[-2:] == [f"last error: {WAKING}", f"now: {WAKING}"]
    with start_hub(hub_db, "--port", str(own.port)) as back:  # the same address wakes up
        assert back.url == url
        assert synced(device) == "pushed 1, pulled 0"
    status = ourmoney(device, "hub", "status")
    assert status.stdout.splitlines()[-2] == "last error: -"


def test_the_background_sync_of_a_running_app_includes_the_hub(hub: RunningHub,
                                                               tmp_path: Path) -> None:
    desktop, laptop = tmp_path / "desktop", tmp_path / "laptop"
    with start_server(desktop, env={"OURMONEY_AUTO_SYNC": "true"}) as server:
        join(desktop, hub.url, EDITOR)
        lunch = api(server, "POST", "transactions", description="Lunch", amount="12.50")
        assert api(server, "GET", f"transactions/{lunch['id']}")["sync"] == "pending"
        assert wait_for(lambda: api(server, "GET", f"transactions/{lunch['id']}")["sync"]
                        == "synced", timeout=30), server.output()
    join(laptop, hub.url, OWNER)
    synced(laptop)
    assert "Lunch" in descriptions(laptop)


def _edit(data: Path, description: str, **changes: object) -> None:
    """Change fields of the transaction called `description` (or delete it with deleted=True)."""
    book = open_book(data / "ourmoney.sqlite3")
    try:
        found = book.store.value("SELECT id FROM transactions WHERE description = ?",
                                 (description,))
        if changes.pop("deleted", False):
            ledger.delete_transaction(book, str(found))
        else:
            ledger.update_transaction(book, str(found), dict(changes))
    finally:
        book.close()


def test_devices_offline_for_a_while_converge_when_the_hub_is_back(hub_db: str,
                                                                   tmp_path: Path) -> None:
    home, away = tmp_path / "home", tmp_path / "away"
    add_household(hub_db, "Travel")  # a household of its own: nothing else syncs into it
    first = start_hub(hub_db)
    port = first.port
    try:
        join(home, first.url, OWNER, "Travel")
        join(away, first.url, EDITOR, "Travel")
        add(home, "Groceries", "Cinema", "Books")
        synced(home)
        synced(away)
    finally:
        first.stop()
    # Both offline, each with its own edits: of different fields of one row, a delete, new rows.
    _edit(home, "Groceries", amount="99.10")
    _edit(away, "Groceries", notes="shared with Ana")
    _edit(away, "Cinema", deleted=True)
    _edit(home, "Cinema", notes="edited after the other device deleted it")
    add(home, "Bakery")
    add(away, "Fuel", "Parking")
    for device in (home, away):
        assert ourmoney(device, "sync", "--peer", "hub").returncode == 1  # the hub is away
    with start_hub(hub_db, "--port", str(port)):
        for device in (home, away, home):
            synced(device)
    assert ledger_state(home) == ledger_state(away)
    assert descriptions(home) == ["Bakery", "Books", "Cinema", "Fuel", "Groceries", "Parking"]
    book = open_book(home / "ourmoney.sqlite3")
    try:
        row = book.store.row("SELECT amount, notes FROM transactions WHERE description = ?",
                             ("Groceries",))
        cinema = book.store.row("SELECT deleted, notes FROM transactions WHERE description = ?",
                                ("Cinema",))
    finally:
        book.close()
    assert row == (9910, "shared with Ana")
    assert cinema == (1, "edited after the other device deleted it")  # the edit did not undelete


def test_a_hub_served_under_a_path_behind_a_proxy_is_joined_and_synced(
        hub: RunningHub, hub_db: str, tmp_path: Path) -> None:
    home, away = tmp_path / "home", tmp_path / "away"
    add_household(hub_db, "Proxied")  # a household of its own: the hub is the module's
    with path_proxy(hub.url, "/money/hub/") as proxied:
        owner = member_email(OWNER, "Proxied")
        assert join(home, proxied.rstrip("/"), OWNER, "Proxied") == (  # without the last "/"
            f"joined hub at {proxied} as {owner} (household Proxied, role owner)\n")
        assert join(away, hub.url, EDITOR, "Proxied").startswith(f"joined hub at {hub.url} ")
        add(home, "Rent")
        add(away, "Train")
        assert synced(home) == "pushed 1, pulled 0"
        assert synced(away) == "pushed 1, pulled 1"
        assert synced(home) == "pushed 0, pulled 1"
        status = ourmoney(home, "hub", "status")
        lines = status.stdout.splitlines()
        assert lines[0].startswith(f"hub: {proxied} ("), status.stdout
        assert lines[-1] == "now: answering (devices in the household: 2, changes held: 2)"
        left = ourmoney(home, "hub", "leave")
        assert left.returncode == 0, left.stderr
    assert descriptions(home) == descriptions(away) == ["Rent", "Train"]
