"""Native file dialogs for the page in the desktop window.

In the window, static/js/app.js sends Export links and Import's file field here: Export fetches
the download from the app's own server and saves it where the person chose; Import reads the
chosen file and hands its bytes to the page, which uploads it as a phone browser would.
pywebview's own `js_api` bridge is not used: it needs `eval`/`new Function`, which the app's
Content-Security-Policy forbids, so the page reaches the dialogs through same-origin requests
(CSRF-checked like every write) that exist only in the desktop app.
"""

from __future__ import annotations

import email.message
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ourmoney.services.importing.uploads import UPLOAD_LIMIT

Choose = Callable[[str, str], str | None]  # (kind "open"|"save", suggested name) -> path


class NotOwnDownload(ValueError):
    """Only this app's own downloads can be saved."""


class FileTooBig(ValueError):
    """The chosen file is larger than an upload may be."""


@dataclass(frozen=True)
class ChosenFile:
    """A file the person picked for upload."""

    name: str
    content: bytes


class FileBridge:
    """What the page may ask of the desktop: save a download, pick a file to upload."""

    def __init__(self, base_url: str, choose: Choose, limit: int = UPLOAD_LIMIT) -> None:
        self._base_url = base_url.rstrip("/")
        self._choose = choose
        self._limit = limit

    def save_download(self, path: object) -> Path | None:
        """Fetch `path` from this app and save it where the person chooses (None: cancelled)."""
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
            raise NotOwnDownload(NotOwnDownload.__doc__)
        with urllib.request.urlopen(self._base_url + path, timeout=60) as answer:
            content = answer.read()
            suggested = _file_name(answer.headers.get("Content-Disposition", ""))
        target = self._choose("save", suggested)
        if not target:
            return None
        Path(target).write_bytes(content)
        return Path(target)

    def choose_upload(self) -> ChosenFile | None:
        """Let the person pick a file; return its name and bytes (None: cancelled)."""
        chosen = self._choose("open", "")
        if not chosen:
            return None
        path = Path(chosen)
        with path.open("rb") as opened:
            content = opened.read(self._limit + 1)
        if len(content) > self._limit:
            raise FileTooBig(FileTooBig.__doc__)
        return ChosenFile(path.name, content)


def _file_name(disposition: str) -> str:
    """Return the file name a Content-Disposition header suggests, or a plain default."""
    header = email.message.Message()
    header["Content-Disposition"] = disposition
    name = header.get_filename() or "ourmoney-export"
    return Path(name).name
