"""Keep an uploaded file in the data folder's `uploads/` under a random token until it is imported.

The web import takes a few steps (format, columns, preview, confirm), so the file waits on
disk between them: copied in chunks (memory stays flat), refused past a size limit, and
forgotten a day later if nobody finishes the import.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ourmoney.errors import N_, InvalidInput, NotFound
from ourmoney.services.importing.formats import FORMATS, detect

UPLOAD_LIMIT = 50 * 1024 * 1024
MAX_AGE_SECONDS = 24 * 60 * 60
CHUNK = 1024 * 1024
HEAD = 4096
FOLDER = "uploads"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]+")


class UploadTooLarge(InvalidInput):
    __doc__ = N_("The file is too large to upload.")

    status = 413


@dataclass(frozen=True)
class Upload:
    """A file waiting to be imported: its token, original name, size and detected format."""

    token: str
    name: str
    size: int
    detected: str
    path: Path

    def open(self) -> IO[bytes]:
        """Open the stored bytes for reading (buffered, so readers can peek)."""
        return self.path.open("rb")


def too_large(limit: int = UPLOAD_LIMIT) -> UploadTooLarge:
    """Return the error for a file over the limit, saying what to do instead."""
    return UploadTooLarge(N_("The file is larger than %(limit)d MB. Import it with the command"
                             " line instead: ourmoney import FILE"), field="file",
                          limit=limit // (1024 * 1024))


def save_upload(data_dir: Path, name: str, stream: IO[bytes], *,
                limit: int = UPLOAD_LIMIT) -> Upload:
    """Copy an uploaded file into `uploads/`, detect its format, and return it; refuse bad files."""
    folder = data_dir / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    clean_uploads(data_dir)
    token = secrets.token_urlsafe(18)
    path = folder / f"{token}.upload"
    try:
        size, head = _copy(stream, path, limit)
        detected = detect(name, head)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    upload = Upload(token, safe_name(name), size, detected, path)
    _meta_path(upload.path).write_text(json.dumps(
        {"name": upload.name, "size": size, "detected": detected}), encoding="utf-8")
    return upload


def _copy(stream: IO[bytes], path: Path, limit: int) -> tuple[int, bytes]:
    """Write the stream to `path` in chunks; return its size and first bytes."""
    size, head = 0, b""
    with path.open("xb") as out:
        path.chmod(0o600)
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            if len(head) < HEAD:
                head += chunk[:HEAD - len(head)]
            out.write(chunk)
    if size == 0:
        raise InvalidInput(N_("The file is empty."), field="file")
    return size, head


def safe_name(name: str) -> str:
    """Return the file's own name without folders or control characters (for display only)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return _UNSAFE_NAME.sub("", base).strip()[:200] or "upload"


def open_upload(data_dir: Path, token: str) -> Upload:
    """Return a stored upload, or a clear error when it is gone (imported, expired, mistyped)."""
    path = data_dir / FOLDER / f"{token}.upload"
    meta = _meta_path(path)
    if not _TOKEN.match(token) or not path.is_file() or not meta.is_file():
        raise NotFound(N_("That upload is no longer here; upload the file again."),
                       field="upload")
    found = json.loads(meta.read_text(encoding="utf-8"))
    return Upload(token, str(found["name"]), int(found["size"]), str(found["detected"]), path)


def remove_upload(upload: Upload) -> None:
    """Forget an upload once it is imported."""
    upload.path.unlink(missing_ok=True)
    _meta_path(upload.path).unlink(missing_ok=True)


def clean_uploads(data_dir: Path, *, max_age: float = MAX_AGE_SECONDS) -> int:
    """Delete uploads older than `max_age` seconds and return how many files went."""
    folder = data_dir / FOLDER
    if not folder.is_dir():
        return 0
    oldest = time.time() - max_age
    removed = 0
    for path in folder.iterdir():
        if path.suffix in (".upload", ".json") and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def format_choice(given: str | None) -> str | None:
    """Return the format the user picked, or None for "auto" (use the detected one)."""
    word = (given or "auto").strip().lower()
    if word == "auto":
        return None
    if word not in FORMATS:
        raise InvalidInput(N_("Format must be auto or one of %(formats)s."), field="format",
                           formats=", ".join(FORMATS))
    return word


def _meta_path(path: Path) -> Path:
    return path.with_suffix(".json")
