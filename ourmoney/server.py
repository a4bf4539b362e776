"""Serve the app with waitress and announce the address once the socket is listening."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from waitress.server import create_server

from ourmoney import network
from ourmoney.errors import OurMoneyError
from ourmoney.listening import Listening, wanted_host
from ourmoney.services import pairing
from ourmoney.services.discovery import Discovery, listening_addresses
from ourmoney.services.sync.background import BackgroundSync
from ourmoney.settings import Settings
from ourmoney.web import create_app

THREADS = 4  # one household's devices; each thread keeps its own SQLite connection


def url_for_host(host: str, port: int) -> str:
    """Return the address people open for a host and port."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def _stop(*_: object) -> None:
    """Leave the serving loop on SIGTERM as on Ctrl-C, closing the database on the way."""
    raise KeyboardInterrupt


def start_discovery(app: Flask, host: str, port: int) -> Discovery | None:
    """Record this device's address for pairing and, unless turned off, start discovery."""
    found: dict[str, Any] = app.extensions["ourmoney"]
    addresses = listening_addresses(host)
    pairing.remember_own_url(found["book"], url_for_host(addresses[0], port))
    if not found["settings"].discovery:
        return None
    try:
        found["discovery"] = Discovery(found["book"], host, port).start()
    except OSError as error:  # no multicast here: the app works, just without discovery
        logging.getLogger(__name__).warning("device discovery is off: %s", error)
        return None
    return found["discovery"]  # type: ignore[no-any-return]


def restart_discovery(app: Flask, host: str, port: int) -> None:
    """Announce this device again for where the server now listens (phone access switched)."""
    running: Discovery | None = app.extensions["ourmoney"].pop("discovery", None)
    if running:
        running.stop()
    start_discovery(app, host, port)


def start_background_sync(app: Flask) -> BackgroundSync:
    """Start the sync thread: automatic unless `auto_sync` is off; "Sync now" works either way."""
    found: dict[str, Any] = app.extensions["ourmoney"]
    syncer = BackgroundSync(found["book"], automatic=found["settings"].auto_sync).start()
    found["background_sync"] = syncer
    return syncer


@dataclass
class RunningApp:
    """A started server: the app, its listening socket and the threads started with it."""

    app: Flask
    server: Any
    host: str
    url: str
    syncer: BackgroundSync

    @property
    def discovery(self) -> Discovery | None:
        """Return the running discovery (started again when phone access moves the socket)."""
        found: Discovery | None = self.app.extensions["ourmoney"].get("discovery")
        return found

    def serve(self) -> None:
        """Answer requests until `stop` closes the server (or Ctrl-C)."""
        self.server.run()

    def discover(self) -> None:
        """Start discovery when `start` was told to leave it for later (the desktop app starts
        it once its window shows the page)."""
        if self.discovery is None:
            start_discovery(self.app, str(self.server.effective_host),
                            int(self.server.effective_port))

    def stop(self) -> None:
        """Stop the background threads, the server and the database, in that order."""
        self.syncer.stop()
        if self.discovery:
            self.discovery.stop()
        self.server.close()
        self.app.extensions["ourmoney"]["book"].store.shut()


def start(settings: Settings, *, discover: bool = True) -> RunningApp:
    """Open the ledger, listen and start sync and (unless told not to) discovery; serving is left
    to the caller."""
    logging.basicConfig(level=settings.log_level)
    app = create_app(settings)
    host = wanted_host(app)
    try:
        server = create_server(app, host=host, port=settings.port, threads=THREADS,
                               ident="OurMoney", clear_untrusted_proxy_headers=True)
    except OSError as error:
        app.extensions["ourmoney"]["book"].close()
        raise OurMoneyError(f"Cannot listen on {host}:{settings.port}: {error.strerror}."
                            " Choose another --port, or --port 0 for any free one.") from None
    port = int(server.effective_port)
    app.config.update(LISTEN_HOST=host, SERVER_PORT=port)
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        app.config["ALLOWED_HOSTS"] = app.config["ALLOWED_HOSTS"] | {settings.host}
    if discover:
        start_discovery(app, str(server.effective_host), port)
    app.extensions["ourmoney"]["listening"] = Listening(
        app, server, lambda new_host, new_port: restart_discovery(app, new_host, new_port))
    return RunningApp(app, server, host, url_for_host(str(settings.host), port),
                      start_background_sync(app))


def run(settings: Settings, ready: Callable[[str], None],
        on_lan: Callable[[list[str]], None] | None = None) -> None:
    """Serve until interrupted; call `ready` with the address once it accepts connections,
    and `on_lan` with the addresses phones open when phone access is on."""
    running = start(settings)
    signal.signal(signal.SIGTERM, _stop)
    try:
        ready(running.url)
        if on_lan and running.host == "0.0.0.0":
            port = int(running.server.effective_port)
            on_lan([url_for_host(address, port) for address in network.lan_addresses()])
        running.serve()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
