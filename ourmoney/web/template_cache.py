"""Templates compiled when the desktop binary is built, so its first page does not compile them.

ourmoney.spec compiles every template with the app's own Jinja environment (`compile_all`) into
one file that ships beside the templates (one file: every start unpacks the bundle, and each
file costs more to create than its bytes); `init_app` points Jinja at it when it is there.
Jinja checks every entry against the template's source (and its own and Python's version), so
an entry that does not match is compiled again, never used.
"""

from __future__ import annotations

import marshal
from pathlib import Path

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from ourmoney.resources import resource_dir

FOLDER = "template-cache"
FILE = "templates.marshal"


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates by name, kept in one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, bytes] | None = None

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        # The name alone: the binary's own folder, in Jinja's usual key, changes every start.
        return name

    def load_bytecode(self, bucket: Bucket) -> None:
        entry = self.entries().get(bucket.key)
        if entry is not None:
            bucket.bytecode_from_string(entry)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.entries()[bucket.key] = bucket.bytecode_to_string()

    def entries(self) -> dict[str, bytes]:
        """Return the compiled templates by name, read from the file the first time."""
        if self._entries is None:
            found = marshal.loads(self.path.read_bytes()) if self.path.exists() else {}
            self._entries = found if isinstance(found, dict) else {}
        return self._entries

    def save(self) -> None:
        """Write every entry to the file."""
        self.path.write_bytes(marshal.dumps(self.entries()))


def init_app(app: Flask) -> None:
    """Use the compiled templates shipped with the app, when there are any."""
    try:
        folder = resource_dir(FOLDER)
    except FileNotFoundError:
        return
    app.jinja_env.bytecode_cache = CompiledTemplates(folder / FILE)


def compile_all(app: Flask, folder: Path) -> list[str]:
    """Compile every template of `app` into `folder`/FILE; return their names."""
    folder.mkdir(parents=True, exist_ok=True)
    cache = CompiledTemplates(folder / FILE)
    app.jinja_env.bytecode_cache = cache
    names = sorted(app.jinja_env.list_templates())
    for name in names:
        app.jinja_env.get_template(name)
    cache.save()
    return names
