"""`ourmoney hub join|leave|status` and `ourmoney sync --peer hub`, against a fake hub over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ourmoney.cli import main
from tests.support.fake_hub import EMAIL, HUB_ID, INVITE, PASSWORD, FakeHub, fake_hub

WAKING = "The hub is waking up; trying again shortly."


@pytest.fixture
def served() -> Iterator[tuple[FakeHub, str]]:
    with fake_hub() as found:
        yield found


def run(data: Path, *args: str, password: str | None = None) -> Result:
    return CliRunner().invoke(main, [*args, "--data-dir", str(data)],
                              input=None if password is None else password + "\n")


def join(data: Path, url: str) -> Result:
    return run(data, "hub", "join", url, "--email", EMAIL, "--password-stdin",
               password=PASSWORD)


def test_join_prints_whom_it_joined_as(tmp_path: Path, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    done = join(tmp_path, url)
    assert (done.exit_code, done.stderr) == (0, "")
    assert done.stdout == f"joined hub at {url} as {EMAIL} (household Home, role editor)\n"
    assert fake.joins[0]["password"] == PASSWORD
    listed = run(tmp_path, "devices")
    assert listed.stdout.split("\t")[:3] == ["hub", HUB_ID, url]


def test_join_with_an_invite(tmp_path: Path, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    fake.role = "viewer"
    done = run(tmp_path, "hub", "join", url, "--invite", INVITE)
    assert done.stdout == f"joined hub at {url} as {EMAIL} (household Home, role viewer)\n"


def test_the_password_is_one_line_and_keeps_its_spaces(tmp_path: Path) -> None:
    with fake_hub() as (fake, url):
        done = run(tmp_path, "hub", "join", url, "--email", EMAIL, "--password-stdin",
                   password=f" {PASSWORD} \nsecond line")
    assert done.exit_code == 1
    assert fake.joins[0]["password"] == f" {PASSWORD} "


def test_a_wrong_password_is_the_hubs_message(tmp_path: Path,
                                              served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    done = run(tmp_path, "hub", "join", url, "--email", EMAIL, "--password-stdin",
               password="nope")
    assert (done.exit_code, done.stdout) == (1, "")
    assert done.stderr == f"Error: {url}hub/v1/join refused: wrong email or password\n"
    assert run(tmp_path, "devices").stdout == "no paired devices\n"


@pytest.mark.parametrize(("args", "password", "message"), [
    (["--email", EMAIL], None, "Give --email and --password-stdin (the password on standard"
                               " input), or --invite CODE."),
    (["--password-stdin"], PASSWORD, "Give --email and --password-stdin (the password on"
                                     " standard input), or --invite CODE."),
    (["--invite", INVITE, "--email", EMAIL], None,
     "Give --email with --password-stdin, or --invite, not both."),
])
def test_usage_errors_say_what_to_give(tmp_path: Path, args: list[str], password: str | None,
                                       message: str) -> None:
    done = run(tmp_path, "hub", "join", "http://127.0.0.1:9/", *args, password=password)
    assert done.exit_code == 2
    assert done.stderr.splitlines()[-1] == f"Error: {message}"


@pytest.mark.parametrize(("url", "args", "password", "message"), [
    ("http://127.0.0.1:9/", ["--email", EMAIL, "--password-stdin"], "",
     "no password on standard input"),
    ("http://127.0.0.1:9/", ["--email", "nobody", "--password-stdin"], "pw",
     "Give the email you use at the hub (or an invite code)."),
    ("http://127.0.0.1:9/", ["--invite", "AB\x1b[2JCD"], None,
     "That invite code cannot be right."),
    ("ftp://hub.example.org/", ["--invite", INVITE], None,
     "The hub address must look like https://hub.example.org/."),
    ("https://hub.example.org/some/../path", ["--invite", INVITE], None,
     "The hub address must look like https://hub.example.org/."),
    ("http://hub.example.org/some/path", ["--invite", INVITE], None,
     "http://hub.example.org/some/path/ is plain http:// on the internet, so the password and"
     " every change would travel unencrypted: use the hub's https:// address."),
])
def test_bad_input_is_one_line_and_changes_nothing(tmp_path: Path, url: str, args: list[str],
                                                   password: str | None, message: str) -> None:
    done = run(tmp_path, "hub", "join", url, *args, password=password)
    assert (done.exit_code, done.stdout, done.stderr) == (1, "", f"Error: {message}\n")


def test_an_unreachable_hub(tmp_path: Path) -> None:
    done = run(tmp_path, "hub", "join", "http://127.0.0.1:9/", "--invite", INVITE)
    assert done.exit_code == 1
    assert done.stderr.startswith("Error: Cannot reach http://127.0.0.1:9/sync/v1/info (")
    assert done.stderr.count("\n") == 1


def test_an_address_that_is_no_hub(tmp_path: Path) -> None:
    with fake_hub(answer={"device_id": HUB_ID, "token": "x"}) as (_fake, url):
        done = run(tmp_path, "hub", "join", url, "--invite", INVITE)
    assert done.stderr == f"Error: {url} is not an OurMoney hub.\n"


def test_sync_with_the_hub_by_name(tmp_path: Path, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(tmp_path / "a", url)
    join(tmp_path / "b", url)
    added = run(tmp_path / "a", "demo", "--transactions", "3")
    assert added.exit_code == 0, added.output
    first = run(tmp_path / "a", "sync", "--peer", "hub")
    second = run(tmp_path / "b", "sync", "--peer", "hub")
    assert first.exit_code == second.exit_code == 0
    pushed = int(first.stdout.split()[1].rstrip(","))
    assert first.stdout == f"pushed {pushed}, pulled 0\n"
    assert second.stdout == f"pushed 0, pulled {pushed}\n"
    assert len(fake.changes) == pushed


def test_sync_says_the_hub_is_waking_up(tmp_path: Path, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(tmp_path, url)
    fake.down = 503
    done = run(tmp_path, "sync", "--peer", "hub")
    assert (done.exit_code, done.stdout) == (1, "pushed 0, pulled 0\n")
    assert done.stderr == f"hub: {WAKING}\n"
    status = run(tmp_path, "hub", "status")
    assert status.exit_code == 0
    assert status.stdout.splitlines()[-2:] == [f"last error: {WAKING}", f"now: {WAKING}"]


def test_status_lines(tmp_path: Path, served: tuple[FakeHub, str]) -> None:
    _fake, url = served
    join(tmp_path, url)
    done = run(tmp_path, "hub", "status")
    assert done.stdout == (f"hub: {url} ({HUB_ID})\nhousehold: Home\nemail: {EMAIL}\n"
                           "role: editor\nlast sync: never\nlast error: -\n"
                           "now: answering (devices in the household: 1, changes held: 0)\n")


def test_leave_and_then_status_and_sync(tmp_path: Path, served: tuple[FakeHub, str]) -> None:
    fake, url = served
    join(tmp_path, url)
    done = run(tmp_path, "hub", "leave")
    assert (done.exit_code, done.stdout) == (0, f"left the hub at {url}\n")
    assert fake.tokens == {}
    status = run(tmp_path, "hub", "status")
    assert (status.exit_code, status.stderr) == (1, "Error: This device has not joined a hub.\n")
    again = run(tmp_path, "hub", "leave")
    assert again.stderr == "Error: This device has not joined a hub.\n"
    sync = run(tmp_path, "sync", "--peer", "hub")
    assert (sync.exit_code, sync.stderr) == (1, "Error: No paired device is called hub.\n")


def test_leaving_a_hub_that_does_not_answer(tmp_path: Path) -> None:
    with fake_hub() as (_fake, url):
        join(tmp_path, url)
    done = run(tmp_path, "hub", "leave")
    assert done.exit_code == 0
    assert done.stdout.startswith(f"left the hub at {url} on this device only; the hub could not"
                                  f" be told (Cannot reach {url}hub/v1/leave (")
    assert run(tmp_path, "hub", "status").exit_code == 1


def test_joining_another_hub_says_the_first_was_left(tmp_path: Path,
                                                     served: tuple[FakeHub, str]) -> None:
    _first, first_url = served
    join(tmp_path, first_url)
    with fake_hub(hub_id="fedcba9876543210", household="Work") as (_second, second_url):
        done = join(tmp_path, second_url)
    assert done.stderr == f"left the hub at {first_url}\n"
    assert done.stdout == f"joined hub at {second_url} as {EMAIL} (household Work, role editor)\n"
