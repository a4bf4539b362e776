"""This computer's addresses on the local network, for phone access (standard library only)."""

from __future__ import annotations

import ipaddress
import socket

# A documentation address: connecting a UDP socket to it sends nothing but picks the interface
# the default route uses, whose address is the one a phone on the same Wi-Fi can reach.
_PROBE = ("192.0.2.1", 9)


def is_loopback(address: str | None) -> bool:
    """Return whether a client address is this computer itself (127.0.0.0/8, ::1, mapped)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def lan_addresses() -> list[str]:
    """Return this computer's IPv4 addresses a phone could reach, the default route's first."""
    found = [address for address in (_routed_address(), *_named_addresses()) if address]
    return [address for address in dict.fromkeys(found) if _usable(address)]


def host_names() -> set[str]:
    """Return the names this computer answers to on the network (lower case, with .local)."""
    try:
        name = socket.gethostname().lower().rstrip(".")
    except OSError:
        return set()
    short = name.split(".")[0]
    return {n for n in (name, short, f"{short}.local") if n}


def _routed_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE)
            return str(probe.getsockname()[0])
    except OSError:
        return None


def _named_addresses() -> list[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]


def _usable(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)
