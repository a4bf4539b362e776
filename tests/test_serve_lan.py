"""`ourmoney serve --lan` and the phone-access switch: what the server listens on and says.

Only the listening socket is inspected (psutil); every request goes over loopback (127.0.0.2
reaches a server listening on every network, not one on 127.0.0.1). Discovery is off: it
would announce on every network.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import urllib.request
from pathlib import Path

import psutil
import requests

from ourmoney import network
from ourmoney.services import phones
from ourmoney.services.book import open_book
from tests.support.server import RunningServer, start_process, start_server

QUIET = {"OURMONEY_DISCOVERY": "false"}
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
    with start_server(tmp_path / "data", "--lan", env=QUIET) as server:
        server.wait_for_line(PHONES_LINE, 10)
        assert server.stdout_lines[:2] == [f"OurMoney running at {server.url}",
                                           expected_line(server.port)]
        assert listening_on(server) == {"0.0.0.0"}
        assert health(server)["status"] == "ok"  # the desktop still uses 127.0.0.1


def test_plain_serve_listens_on_loopback_only_and_says_nothing_of_phones(tmp_path: Path) -> None:
    with start_server(tmp_path / "data", env=QUIET) as server:
        assert listening_on(server) == {"127.0.0.1"}
        assert server.stdout_lines == [f"OurMoney running at {server.url}"]


def test_the_saved_switch_opens_the_network_on_the_next_start(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    book = open_book(tmp_path / "data" / "ourmoney.sqlite3")
    phones.set_access(book, True)
    book.close()
    with start_server(tmp_path / "data", env=QUIET) as server:
        server.wait_for_line(PHONES_LINE, 10)
        assert listening_on(server) == {"0.0.0.0"}
        desktop = requests.Session()
        page = switch(desktop, server, "off")
        assert "Phone access is off." in page
        assert listening_on(server) == {"127.0.0.1"}
        assert not reachable("127.0.0.2", server.port)


def test_switching_phone_access_moves_the_server_at_once(tmp_path: Path) -> None:
    with start_server(tmp_path / "data", env=QUIET) as server:
        assert not reachable("127.0.0.2", server.port)
        desktop = requests.Session()
        page = switch(desktop, server, "on")
        assert "Phone access is on." in page and "Restart OurMoney" not in page
        assert listening_on(server) == {"0.0.0.0"}
        assert reachable("127.0.0.2", server.port)
        assert desktop.get(server.url + "api/v1/health", timeout=5).json()["status"] == "ok"
        page = switch(desktop, server, "off")
        assert "Phone access is off." in page
        assert listening_on(server) == {"127.0.0.1"}
        assert not reachable("127.0.0.2", server.port)
        assert health(server)["status"] == "ok"
        assert switch(desktop, server, "off").count("Phone access is off.") == 1  # no move


def test_a_network_address_taken_keeps_the_server_on_this_computer_and_says_restart(
        tmp_path: Path) -> None:
    with start_server(tmp_path / "data", env=QUIET) as server, socket.socket() as taken:
        taken.bind(("127.0.0.2", server.port))
        taken.listen()
        page = switch(requests.Session(), server, "on")
        assert "Restart OurMoney to let phones connect" in page
        assert listening_on(server) == {"127.0.0.1"}  # back where it was
        assert health(server)["status"] == "ok"


def switch(desktop: requests.Session, server: RunningServer, access: str) -> str:
    """Turn phone access on or off from the desktop's Phone page; return the page shown after."""
    page = desktop.get(server.url + "phone", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page
    answer = desktop.post(server.url + "phone/access", timeout=10,
                          data={"csrf_token": token.group(1), "access": access},
                          headers={"Origin": server.url.rstrip("/")})
    assert answer.status_code == 200, answer.text
    return answer.text


def reachable(host: str, port: int) -> bool:
    """Return whether something accepts connections at host:port."""
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((host, port)) == 0


def test_another_host_given_explicitly_is_kept_even_with_lan(tmp_path: Path) -> None:
    process, _ = start_process(
        [sys.executable, "-m", "ourmoney", "serve", "--port", "0", "--data-dir",
         str(tmp_path / "data"), "--lan", "--host", "localhost"],
        r"OurMoney running at http://localhost:\d+/")
    with process:
        connections = psutil.Process(process.process.pid).net_connections(kind="inet")
        listening = {c.laddr.ip for c in connections if c.status == psutil.CONN_LISTEN}
        assert listening and listening <= {"127.0.0.1", "::1"}
