"""Runtime hook of the single-file binary: pytz reads its time zones from one zip in the bundle.

ourmoney.spec packs pytz's ~600 zone files into pytz-zoneinfo.zip, so every start unpacks one
file instead of 600 (creating those files in the temporary folder took ~0.2 s of each start on
a busy disk). pytz opens a zone's file only when the zone is asked for: Babel asks for the
computer's own zone once, Flask-Babel only for UTC, which needs no file.
"""

import io
import os
import sys
import zipfile

import pytz

BUNDLE = sys._MEIPASS  # type: ignore[attr-defined]
_ZONES = zipfile.ZipFile(os.path.join(BUNDLE, "pytz-zoneinfo.zip"))
_NAMES = frozenset(_ZONES.namelist())


def _open_resource(name: str) -> io.BytesIO:
    """Open a zone's file from the zip (pytz's own open_resource opens it from its folder)."""
    try:
        return io.BytesIO(_ZONES.read(name.lstrip("/")))
    except KeyError:
        raise FileNotFoundError(f"no time zone {name!r} in the bundle") from None


def _resource_exists(name: str) -> bool:
    """Say whether the zip has a zone (pytz opens each of its ~600 files to build its list)."""
    return name.lstrip("/") in _NAMES


pytz.open_resource = _open_resource
pytz.resource_exists = _resource_exists
