"""`ourmoney serve --lan` and the saved phone-access switch: what the server listens on and says.

Only the listening socket is inspected (psutil); every request goes over loopback.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

import psutil

from ourmoney import network
from ourmoney.services import phones
from ourmoney.services.book import open_book
from tests.support.server import RunningServer, start_process, start_server

PHONES_LINE = re.compile(r"Phones on this network: open (http://\S+/) and sign in with a code "
                         r"from the Phone page|Phone access is on, but this computer has no "
                         r"network address yet")


def listening_on(server: RunningServer) -> set[str]:
    """Return the addresses the server's process listens on."""
    connections = psutil.Process(server.process.pid).net_connections(kind="inet")
    return {c.laddr.ip for c in connections if c.status == psutil.CONN_LISTEN}


def health(server: RunningServer) -> dict[str, str]:
    """Ask the server over loopback whether it is up."""
    with urllib.request.urlopen(server.url + "api/v1/health", timeout=5) as response:
        found: dict[str, str] = json.load(response)
    return found


def expected_line(port: int) -> str:
    """Return the phones line this machine's network should produce."""
    addresses = network.lan_addresses()
    if not addresses:
        return "Phone access is on, but this computer has no network address yet"
    return (f"Phones on this network: open http://{addresses[0]}:{port}/ and sign in with a code"
            " from the Phone page")


def test_serve_lan_listens_on_the_network_and_prints_the_phone_address(tmp_path: Path) -> None:
    with start_server(tmp_path / "data", "--lan") as server:
        server.wait_for_line(PHONES_LINE, 10)
        assert server.stdout_lines[:2] == [f"OurMoney running at {server.url}",
                                           expected_line(server.port)]
        assert listening_on(server) == {"0.0.0.0"}
        assert health(server)["status"] == "ok"  # the desktop still uses 127.0.0.1


def test_plain_serve_listens_on_loopback_only_and_says_nothing_of_phones(tmp_path: Path) -> None:
    with start_server(tmp_path / "data") as server:
        assert listening_on(server) == {"127.0.0.1"}
        assert server.stdout_lines == [f"OurMoney running at {server.url}"]


def test_the_saved_switch_opens_the_network_on_the_next_start(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    book = open_book(tmp_path / "data" / "ourmoney.sqlite3")
    phones.set_access(book, True)
    book.close()
    with start_server(tmp_path / "data") as server:
        server.wait_for_line(PHONES_LINE, 10)
        assert listening_on(server) == {"0.0.0.0"}


def test_another_host_given_explicitly_is_kept_even_with_lan(tmp_path: Path) -> None:
    process, _ = start_process(
        [sys.executable, "-m", "ourmoney", "serve", "--port", "0", "--data-dir",
         str(tmp_path / "data"), "--lan", "--host", "localhost"],
        r"OurMoney running at http://localhost:\d+/")
    with process:
        connections = psutil.Process(process.process.pid).net_connections(kind="inet")
        listening = {c.laddr.ip for c in connections if c.status == psutil.CONN_LISTEN}
        assert listening and listening <= {"127.0.0.1", "::1"}
