"""One desktop app per data folder: an OS lock, and a "show" request to the one already running.

The running app holds an exclusive lock on `desktop.lock` (released by the OS when it ends, even
on a crash) and writes its port and a random token to `desktop.json` (owner-only). A second
launch that cannot take the lock reads that file and asks the running app, over loopback, to
bring its window forward: `POST /desktop/v1/show` with the token as a Bearer credential, which
a web page cannot know, and the usual Host and cross-site checks of `web.security` before it.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ourmoney.errors import OurMoneyError

LOCK_NAME = "desktop.lock"
INFO_NAME = "desktop.json"
SHOW_PATH = "/desktop/v1/show"


class AlreadyRunning(OurMoneyError):
    """OurMoney is already open on this data folder, but it did not answer."""


@dataclass
class Claim:
    """This process's hold on a data folder as its one desktop app."""

    folder: Path
    lock: IO[str]
    token: str

    def publish(self, port: int) -> None:
        """Write the port and token a second launch needs to reach this app."""
        path = self.folder / INFO_NAME
        path.unlink(missing_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as info:
            json.dump({"pid": os.getpid(), "port": port, "token": self.token}, info)

    def release(self) -> None:
        """Remove the published address and let go of the lock."""
        (self.folder / INFO_NAME).unlink(missing_ok=True)
        self.lock.close()


def claim(folder: Path) -> Claim | None:
    """Take the data folder's desktop lock, or return None when another app holds it."""
    lock = (folder / LOCK_NAME).open("a+", encoding="utf-8")
    try:
        _lock_file(lock)
    except OSError:
        lock.close()
        return None
    return Claim(folder, lock, secrets.token_urlsafe(32))


def _lock_file(lock: IO[str]) -> None:
    """Lock a file exclusively without waiting; raise OSError when it is taken."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(lock.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def show_running(folder: Path, wait_s: float = 15.0) -> int:
    """Ask the app holding the folder to show its window; return its port.

    Waits up to `wait_s` for an app that is still starting to publish its address."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            info = json.loads((folder / INFO_NAME).read_text(encoding="utf-8"))
            _post_show(int(info["port"]), str(info["token"]))
            return int(info["port"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            if time.monotonic() > deadline:
                raise AlreadyRunning(f"{AlreadyRunning.__doc__} ({error})") from None
        time.sleep(0.2)


def _post_show(port: int, token: str) -> None:
    """Send the show request to the app on `port`."""
    import urllib.request  # here: only a second launch asks, the first starts without it

    show = urllib.request.Request(f"http://127.0.0.1:{port}{SHOW_PATH}", method="POST",
                                  headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(show, timeout=5) as answer:
        if answer.status != 204:
            raise OSError(f"HTTP {answer.status}")

