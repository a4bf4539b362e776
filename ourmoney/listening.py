"""Where the running server listens: this computer only, or every network when phone access
is on. Switching phone access moves the listening socket at once, on the same port.

The app listens on 127.0.0.1 unless phone access is on (then 0.0.0.0). A socket cannot listen
on both on one port, so the switch closes one and opens the other; connections already open
carry on. Waitress's loop owns its sockets, so the move runs in that loop's thread (sent
there through its trigger); the caller waits for it.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from ourmoney.services import phones

MOVE_WAIT = 5.0  # seconds to wait for the serving loop to move the socket
LOG = logging.getLogger(__name__)


def wanted_host(app: Flask) -> str:
    """Return where the server should listen: every network while phone access is on."""
    found: dict[str, Any] = app.extensions["ourmoney"]
    settings = found["settings"]
    if settings.loopback_is_lan:  # tests play the network over loopback: nothing is widened
        return str(settings.host)
    return phones.listen_host(found["book"], settings.host, lan=settings.lan)


class Listening:
    """The address the server listens on, moved when phone access is switched."""

    def __init__(self, app: Flask, server: Any,
                 restart_discovery: Callable[[str, int], None]) -> None:
        self.app, self.server = app, server
        self.restart_discovery = restart_discovery

    @property
    def host(self) -> str:
        """Return the address the server listens on now."""
        return str(self.app.config["LISTEN_HOST"])

    def follow_phone_access(self) -> bool:
        """Listen where phone access says now; return whether the server listens there."""
        wanted = wanted_host(self.app)
        if wanted == self.host:
            return True
        if not self._move_to(wanted):
            return False
        self.app.config["LISTEN_HOST"] = wanted
        self.restart_discovery(wanted, int(self.server.effective_port))
        return True

    def _move_to(self, host: str) -> bool:
        """Have the serving loop listen on `host` instead; wait for it (or give up on it)."""
        lock, done = threading.Lock(), threading.Event()
        moved: list[bool] = []
        given_up: list[bool] = []

        def move() -> None:
            with lock:
                if not given_up:  # too late: the caller already said it did not move
                    moved.append(_relisten(self.server, host))
            done.set()
        self.server.trigger.pull_trigger(move)
        if not done.wait(MOVE_WAIT):
            with lock:
                given_up.append(True)
            if not moved:
                LOG.warning("the server did not move to %s in time", host)
        return moved == [True]


def _relisten(server: Any, host: str) -> bool:
    """In the serving loop: listen on `host`, same port; keep the old address if that fails."""
    port = int(server.effective_port)
    old_host = str(server.effective_host)
    _close_listening(server)
    try:
        _listen(server, host, port)
    except OSError as error:
        LOG.warning("cannot listen on %s:%s (%s); staying on %s", host, port, error, old_host)
        _close_listening(server)
        _listen(server, old_host, port)
        return False
    return True


def _close_listening(server: Any) -> None:
    server.del_channel()
    server.socket.close()


def _listen(server: Any, host: str, port: int) -> None:
    server.create_socket(socket.AF_INET, socket.SOCK_STREAM)
    server.set_reuse_addr()
    server.bind((host, port))
    server.accept_connections()
    server.effective_host = host
