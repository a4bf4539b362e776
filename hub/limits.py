"""Sign-in rate limits, kept in PostgreSQL so that every hub process counts the same failures."""

from __future__ import annotations

from hub.db import Cursor
from hub.errors import TooMany

WINDOW_S = 15 * 60


def check(cur: Cursor, keys: list[str], allowed: int) -> None:
    """Refuse with 429 while any key has `allowed` failures within the window."""
    cur.execute("SELECT max(ceil(extract(epoch FROM window_start + %s * interval '1 second'"
                " - now()))) FROM sign_in_limit WHERE key = ANY(%s) AND failures >= %s"
                " AND window_start > now() - %s * interval '1 second'",
                (WINDOW_S, keys, allowed, WINDOW_S))
    row = cur.fetchone()
    if row and row[0] is not None:
        wait = max(1, int(row[0]))
        raise TooMany(f"too many failed sign-ins; try again in {wait} seconds",
                      retry_after=wait)


def failed(cur: Cursor, keys: list[str]) -> None:
    """Count one failed sign-in against each key (a new window once the old one ended)."""
    for key in keys:
        cur.execute(
            "INSERT INTO sign_in_limit AS s (key, failures, window_start) VALUES (%s, 1, now())"
            " ON CONFLICT (key) DO UPDATE SET"
            " failures = CASE WHEN s.window_start > now() - %s * interval '1 second'"
            " THEN s.failures + 1 ELSE 1 END,"
            " window_start = CASE WHEN s.window_start > now() - %s * interval '1 second'"
            " THEN s.window_start ELSE now() END",
            (key, WINDOW_S, WINDOW_S))


def succeeded(cur: Cursor, key: str) -> None:
    """Forget the failures of a key after a good sign-in."""
    cur.execute("DELETE FROM sign_in_limit WHERE key = %s", (key,))
