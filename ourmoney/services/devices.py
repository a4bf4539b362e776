"""Paired devices (peers): who they are, where they live, the tokens each side presents.

A peer row holds `token`, the secret WE present when calling that peer, and `token_hash`,
the SHA-256 of the secret THAT peer presents to us (tokens are 256-bit random, so a plain
hash is enough; they are never stored in clear on the side that checks them).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ourmoney.clock import utc_now_text
from ourmoney.errors import N_, InvalidInput, NotFound
from ourmoney.services.book import Book

NAME_LIMIT = 60
URL_LIMIT = 200
_DEVICE_ID = re.compile(r"[0-9a-f]{16}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # a terminal escape, a line break
_COLUMNS = ("device_id, name, url, kind, paired_at, last_sync_at, last_error, failures,"
            " revoked_at, pulled_seq, acked_seq, token")


@dataclass(frozen=True)
class Peer:
    """A paired device (or hub) as this device knows it."""

    device_id: str
    name: str
    url: str
    kind: str
    paired_at: str
    last_sync_at: str | None
    last_error: str
    failures: int
    revoked_at: str | None
    pulled_seq: int
    acked_seq: int
    token: str = field(repr=False)

    @property
    def revoked(self) -> bool:
        """Return True once this device has been revoked."""
        return self.revoked_at is not None


def new_token() -> str:
    """Return a fresh random device token."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the stored form of a token another device presents."""
    return hashlib.sha256(token.encode()).hexdigest()


def device_id(value: object) -> str:
    """Return a device id (16 lower-case hex digits) or refuse it."""
    if not isinstance(value, str) or not _DEVICE_ID.fullmatch(value):
        raise InvalidInput(N_("A device id is 16 hexadecimal digits."), field="device_id")
    return value


def device_name(value: object) -> str:
    """Return a device name (1 to 60 characters, no control characters) or refuse it."""
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > NAME_LIMIT or CONTROL.search(name):
        raise InvalidInput(N_("A device name is 1 to 60 characters."), field="name")
    return name


def token(value: object) -> str:
    """Return a device token as sent on the wire or refuse it."""
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise InvalidInput(N_("A device token is 32 to 128 URL-safe characters."), field="token")
    return value


def base_url(value: object) -> str:
    """Return an http(s) address reduced to scheme, host and port, ending in "/"; or refuse it."""
    text = value.strip() if isinstance(value, str) else ""
    if text and "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.username or parts.password or len(text) > URL_LIMIT
            or CONTROL.search(text) or " " in text or parts.path not in ("", "/")
            or parts.query or parts.fragment):
        raise InvalidInput(N_("The address must look like http://192.168.1.20:8421/."),
                           field="url")
    return f"{parts.scheme}://{parts.netloc.lower()}/"


def list_peers(book: Book) -> list[Peer]:
    """Return every paired device, active first, then by name."""
    rows = book.store.rows(f"SELECT {_COLUMNS} FROM peer"
                           " ORDER BY revoked_at IS NOT NULL, name COLLATE NOCASE, device_id")
    return [Peer(*row) for row in rows]


def find_peer(book: Book, peer_id: str) -> Peer | None:
    """Return the paired device with this id, or None."""
    row = book.store.row(f"SELECT {_COLUMNS} FROM peer WHERE device_id = ?", (peer_id,))
    return Peer(*row) if row else None


def get_peer(book: Book, peer_id: str) -> Peer:
    """Return the paired device with this id or refuse."""
    found = find_peer(book, peer_id)
    if found is None:
        raise NotFound(N_("There is no paired device with that id."), field="device_id")
    return found


def authenticate(book: Book, bearer: str) -> Peer | None:
    """Return the active paired device that presents this token, or None."""
    if not bearer or len(bearer) > 200:
        return None
    digest = hash_token(bearer)
    row = book.store.row(f"SELECT {_COLUMNS}, token_hash FROM peer"
                         " WHERE token_hash = ? AND revoked_at IS NULL", (digest,))
    if row is None or not hmac.compare_digest(str(row[-1]), digest):
        return None
    return Peer(*row[:-1])


def save_peer(book: Book, peer_id: str, name: str, url: str, *, our_token: str,
              their_token: str) -> Peer:
    """Store a newly (re)paired device with its tokens; a revoked one becomes active again."""
    with book.store.write() as cursor:
        store_peer(cursor, peer_id, name, url, our_token=our_token, their_token=their_token)
    return get_peer(book, peer_id)


def store_peer(cursor: sqlite3.Cursor, peer_id: str, name: str, url: str, *, our_token: str,
               their_token: str) -> None:
    """Insert or refresh a paired device inside the caller's write transaction."""
    cursor.execute(
        "INSERT INTO peer (device_id, name, url, token, token_hash, paired_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET name = excluded.name,"
        " url = CASE WHEN excluded.url = '' THEN peer.url ELSE excluded.url END,"
        " token = excluded.token, token_hash = excluded.token_hash,"
        " paired_at = excluded.paired_at, revoked_at = NULL, last_error = '', failures = 0",
        (peer_id, name, url, our_token, hash_token(their_token), utc_now_text()))


def revoke(book: Book, peer_id: str) -> Peer:
    """Stop trusting a paired device at once (its token no longer works); pairing again works."""
    get_peer(book, peer_id)
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET revoked_at = ?, token = '', token_hash = ''"
                       " WHERE device_id = ? AND revoked_at IS NULL", (utc_now_text(), peer_id))
    return get_peer(book, peer_id)


def rename(book: Book, peer_id: str, name: object) -> Peer:
    """Give a paired device another name on this device."""
    get_peer(book, peer_id)
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET name = ? WHERE device_id = ?",
                       (device_name(name), peer_id))
    return get_peer(book, peer_id)


def update_url(book: Book, peer_id: str, url: str) -> bool:
    """Record a paired device's new address (seen on the network); return True if it moved."""
    with book.store.write() as cursor:
        cursor.execute("UPDATE peer SET url = ? WHERE device_id = ? AND url != ?"
                       " AND revoked_at IS NULL", (base_url(url), peer_id, base_url(url)))
        return bool(cursor.rowcount)
