"""`ourmoney-hub` commands: exact output, one-line errors, exit status 1 on every refusal."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from hub.errors import HubError
from hub.settings import HubSettings, load
from tests.support.hub import fresh_database, hub_cli


def test_init_db_is_idempotent_and_the_household_commands_answer_exactly() -> None:
    with fresh_database(init=False) as dsn:
        assert hub_cli("init-db", "--database", dsn).stdout == "hub database at schema 1 (was 0)\n"
        assert hub_cli("init-db", "--database", dsn).stdout == (
            "hub database at schema 1 (already current)\n")
        made = hub_cli("create-household", "Casa Silva", "--email", "Ana@Example.org",
                       "--password-stdin", "--database", dsn, stdin="long-enough\n")
        assert made.stdout == "created household Casa Silva with owner ana@example.org\n"
        added = hub_cli("add-member", "Casa Silva", "--email", "rui@example.org", "--role",
                        "viewer", "--password-stdin", "--database", dsn, stdin="also-long\n")
        assert added.stdout == "added rui@example.org to Casa Silva as viewer\n"
        invite = hub_cli("invite", "Casa Silva", "--email", "rui@example.org", "--database", dsn)
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}  \(valid until .+\)\n",
                            invite.stdout)
        for args, stdin, error in (
            (["create-household", "Casa Silva", "--email", "x@example.org"], "long-enough\n",
             "a household called Casa Silva already exists"),
            (["create-household", "Other", "--email", "ana@example.org"], "long-enough\n",
             "ana@example.org is already a member on this hub"),
            (["add-member", "Nowhere", "--email", "z@example.org", "--role", "editor"],
             "long-enough\n", "there is no household called Nowhere"),
            (["add-member", "Casa Silva", "--email", "=HYPERLINK()", "--role", "editor"],
             "long-enough\n", "email must be an address like name@example.org"),
            (["add-member", "Casa Silva", "--email", "p@example.org", "--role", "editor"],
             "short\n", "password must be 8 to 1024 characters"),
            (["add-member", "Casa Silva", "--email", "p@example.org", "--role", "editor"],
             "", "give the password on standard input (--password-stdin)"),
            (["create-household", "<b>\x07</b>", "--email", "q@example.org"], "long-enough\n",
             "household name must be 1 to 100 characters without control characters"),
            (["invite", "Casa Silva", "--email", "nobody@example.org"], "",
             "nobody@example.org is not a member of this household"),
        ):
            if args[0] != "invite":
                args = [*args, "--password-stdin"]
            done = hub_cli(*args, "--database", dsn, stdin=stdin, check=False)
            assert (done.returncode, done.stderr) == (1, f"Error: {error}\n"), args
        # The other household was not created by the refused command.
        refused = hub_cli("add-member", "Other", "--email", "o@example.org", "--role", "owner",
                          "--password-stdin", "--database", dsn, stdin="long-enough\n",
                          check=False)
        assert refused.stderr == "Error: there is no household called Other\n"


def test_a_bad_role_is_refused_by_the_command_line() -> None:
    done = hub_cli("add-member", "Home", "--email", "a@example.org", "--role", "admin",
                   "--password-stdin", "--database", "postgresql://nowhere/x", check=False)
    assert done.returncode == 2
    assert "'admin' is not one of 'owner', 'editor', 'viewer'" in done.stderr


def test_an_unreachable_database_is_one_line() -> None:
    done = hub_cli("init-db", "--database", "postgresql://postgres@127.0.0.1:1/none",
                   check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot reach the database: ")
    assert done.stderr.count("\n") == 1


def test_no_database_says_how_to_give_one() -> None:
    done = hub_cli("init-db", check=False, env={"OURMONEY_HUB_DATABASE": ""})
    assert done.stderr == ("Error: no database: give --database postgresql://... or set"
                           " OURMONEY_HUB_DATABASE\n")


def test_serve_refuses_a_database_that_was_never_initialised() -> None:
    with fresh_database(init=False) as dsn:
        done = subprocess.run([sys.executable, "-m", "hub.cli", "serve", "--database", dsn,
                               "--port", "0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == ("Error: the database has hub schema 0, this hub needs 1:"
                           " run ourmoney-hub init-db first\n")


def test_settings_come_from_the_environment_then_flags() -> None:
    environ = {"OURMONEY_HUB_DATABASE": "postgresql://a/b", "OURMONEY_HUB_PORT": "9000",
               "OURMONEY_HUB_THREADS": "4", "OURMONEY_HUB_TRUSTED_PROXIES": "1",
               "OURMONEY_HUB_LOG_LEVEL": "debug"}
    found = load({"port": 9100, "host": None}, environ)
    assert found == HubSettings(database="postgresql://a/b", port=9100, threads=4,
                                trusted_proxies=1, log_level="DEBUG")
    with pytest.raises(HubError, match="OURMONEY_HUB_PORT: use a whole number from 0 to 65535"):
        load({}, {"OURMONEY_HUB_DATABASE": "x", "OURMONEY_HUB_PORT": "70000"})
    with pytest.raises(HubError, match="OURMONEY_HUB_THREADS: invalid literal"):
        load({}, {"OURMONEY_HUB_DATABASE": "x", "OURMONEY_HUB_THREADS": "many"})
