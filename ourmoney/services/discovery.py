"""Be found by, and find, other OurMoney devices on the network (mDNS/DNS-SD, python-zeroconf).

Each running server advertises `_ourmoney._tcp.local.` with its device id, name and version
in TXT, only on the interfaces it listens on (127.0.0.1 stays on loopback), and browses for
the others. When a paired device shows up at a new address, its stored address follows.
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ourmoney import __version__, network
from ourmoney.errors import InvalidInput
from ourmoney.services import devices
from ourmoney.services.book import Book

if TYPE_CHECKING:  # zeroconf is imported when discovery starts: ~0.1 s off every app start
    from zeroconf import ServiceInfo, ServiceStateChange, Zeroconf

SERVICE_TYPE = "_ourmoney._tcp.local."
RESOLVE_MS = 3000
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NearbyDevice:
    """Another OurMoney device seen on the network."""

    device_id: str
    name: str
    version: str
    addresses: tuple[str, ...]
    port: int

    @property
    def url(self) -> str:
        """Return the address to reach it at."""
        host = self.addresses[0]
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"


def listening_addresses(host: str) -> list[str]:
    """Return the IP addresses a server bound to `host` answers on, as others should see them."""
    if host in ("", "0.0.0.0", "::"):
        return network.lan_addresses() or ["127.0.0.1"]
    return ["127.0.0.1" if host == "localhost" else host]


class Discovery:
    """Advertise this device and keep the list of nearby ones while the server runs."""

    def __init__(self, book: Book, host: str, port: int) -> None:
        from zeroconf import InterfaceChoice, IPVersion

        self.book, self.port = book, port
        self.addresses = listening_addresses(host)
        wildcard = host in ("", "0.0.0.0", "::")
        self._interfaces = InterfaceChoice.All if wildcard else self.addresses
        self._ip_version = IPVersion.V4Only if all(
            ":" not in address for address in self.addresses) else IPVersion.All
        self._seen: dict[str, NearbyDevice] = {}
        self._lock = threading.Lock()
        self._work: queue.Queue[tuple[str, ServiceStateChange] | None] = queue.Queue()
        self._zeroconf: Zeroconf | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Discovery:
        """Start advertising and browsing (registration finishes in the background)."""
        from zeroconf import ServiceBrowser, ServiceInfo, Zeroconf

        self._zeroconf = Zeroconf(interfaces=self._interfaces, ip_version=self._ip_version)
        self._info = ServiceInfo(
            SERVICE_TYPE, f"{self.book.device_id}.{SERVICE_TYPE}", port=self.port,
            addresses=[socket.inet_pton(_family(a), a) for a in self.addresses],
            properties={"id": self.book.device_id, "name": self.book.device_name,
                        "version": __version__},
            server=f"ourmoney-{self.book.device_id}.local.")
        self._thread = threading.Thread(target=self._run, name="discovery", daemon=True)
        self._thread.start()
        self._browser = ServiceBrowser(self._zeroconf, SERVICE_TYPE,
                                       handlers=[self._on_change])
        return self

    def nearby(self) -> list[NearbyDevice]:
        """Return the other devices seen and not gone, by name."""
        with self._lock:
            return sorted(self._seen.values(), key=lambda d: (d.name.lower(), d.device_id))

    def stop(self) -> None:
        """Say goodbye on the network and stop every thread."""
        if self._zeroconf is None:
            return
        self._work.put(None)
        if self._thread:
            self._thread.join(timeout=10)
        self._browser.cancel()
        self._zeroconf.close()  # also unregisters this device's service, with a goodbye
        self._zeroconf = None

    def _on_change(self, zeroconf: Zeroconf, service_type: str, name: str,
                   state_change: ServiceStateChange) -> None:
        # Called on zeroconf's own loop, which must not block: the worker resolves.
        self._work.put((name, state_change))

    def _run(self) -> None:
        assert self._zeroconf is not None
        try:
            self._zeroconf.register_service(self._info, allow_name_change=True)
            while (item := self._work.get()) is not None:
                self._handle(*item)
        except Exception:  # discovery is a convenience: never take the server down
            log.exception("device discovery stopped")
        finally:
            self.book.close()  # this thread's database connection

    def _handle(self, name: str, state_change: ServiceStateChange) -> None:
        from zeroconf import ServiceStateChange

        if state_change is ServiceStateChange.Removed:
            with self._lock:
                self._seen.pop(name, None)
            return
        assert self._zeroconf is not None
        info = self._zeroconf.get_service_info(SERVICE_TYPE, name, timeout=RESOLVE_MS)
        found = _device(info) if info else None
        if found is None or found.device_id == self.book.device_id:
            return
        with self._lock:
            self._seen[name] = found
        self._follow(found)

    def _follow(self, device: NearbyDevice) -> None:
        """Update the stored address of a paired device seen somewhere new."""
        if devices.find_peer(self.book, device.device_id) and devices.update_url(
                self.book, device.device_id, device.url):
            log.info("paired device %s is now at %s", device.device_id, device.url)


def _device(info: ServiceInfo) -> NearbyDevice | None:
    """Read a resolved service's TXT record; None when it is not a well-formed OurMoney one."""
    text = {key.decode(errors="replace"): (value or b"").decode(errors="replace")
            for key, value in info.properties.items()}
    addresses = tuple(a for a in info.parsed_scoped_addresses() if _usable(a))
    try:
        device_id = devices.device_id(text.get("id"))
        name = devices.device_name(text.get("name"))
    except InvalidInput:
        return None
    if not addresses or not info.port:
        return None
    return NearbyDevice(device_id, name, text.get("version", "")[:40], addresses, info.port)


def _usable(address: str) -> bool:
    try:
        return not ipaddress.ip_address(address.split("%")[0]).is_link_local
    except ValueError:
        return False


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET
