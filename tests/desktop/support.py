"""Run the desktop app for tests: a real Xvfb display, the app as a process, its answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.support.server import ManagedProcess

SHOTS = Path("/tmp/shots")
WINDOW_CHECK = ("import gi; gi.require_version('Gtk', '3.0'); gi.require_version('WebKit2', '4.1');"
                " from gi.repository import Gtk, WebKit2; import webview")


def unavailable(reason: str) -> NoReturn:
    """Skip locally; under CI=true a missing window backend is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def window_backend_missing() -> str | None:
    """Return what is missing for a real window here (Xvfb, GTK, WebKitGTK, pywebview)."""
    if shutil.which("Xvfb") is None:
        return "Xvfb is not installed (apt-get install xvfb; ./bin/test does it under CI=true)"
    found = subprocess.run([sys.executable, "-c", WINDOW_CHECK], capture_output=True, text=True,
                           timeout=60, check=False)
    if found.returncode != 0:
        last = (found.stderr.strip().splitlines() or ["?"])[-1]
        return (f"no GTK/WebKitGTK window backend ({last}): apt-get install gir1.2-webkit2-4.1 "
                "libgirepository1.0-dev libcairo2-dev pkg-config, then pip install '.[desktop]'")
    return None


@contextmanager
def xvfb() -> Iterator[str]:
    """Start Xvfb on a free display number (it picks one: -displayfd); yield ':N'."""
    reader, writer = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(writer), "-screen", "0", "1280x800x24",
                               "-nolisten", "tcp"], pass_fds=(writer,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(writer)
    try:
        with os.fdopen(reader, encoding="ascii") as numbers:
            number = numbers.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def desktop_env(display: str, **extra: str) -> dict[str, str]:
    """Return the environment for the app on `display` (no session bus, no discovery)."""
    env = {"DISPLAY": display, "OURMONEY_DISCOVERY": "false", "OURMONEY_AUTO_SYNC": "false",
           "WEBKIT_DISABLE_COMPOSITING_MODE": "1", "NO_AT_BRIDGE": "1"}
    env.update(extra)
    return env


def start_desktop(command: Sequence[str], data_dir: Path, env: dict[str, str]) -> ManagedProcess:
    """Start the app (`command` is the program: python -m ourmoney, or the binary)."""
    return ManagedProcess([*command, "--data-dir", str(data_dir)], env=env)


@dataclass(frozen=True)
class ScriptRun:
    """What a scripted window run gave: the exit status, the page's answers, the output."""

    returncode: int
    answers: list[Any]
    error: str | None
    output: str


def run_script(command: Sequence[str], data_dir: Path, display: str, steps: list[dict[str, Any]],
               timeout: float = 90) -> ScriptRun:
    """Run the app with a script of page steps (ourmoney/desktop/script.py) until it exits."""
    script = data_dir.parent / f"{data_dir.name}-steps.json"
    script.write_text(json.dumps(steps), encoding="utf-8")
    env = desktop_env(display, OURMONEY_DESKTOP_SCRIPT=str(script))
    with start_desktop(command, data_dir, env) as app:
        try:
            returncode = app.process.wait(timeout)
        except subprocess.TimeoutExpired:
            returncode = app.stop()
            pytest.fail(f"the app did not end in {timeout:g} s\n{app.describe()}")
        app.stop()
        output = app.output()
    answered = Path(f"{script}.out")
    result = json.loads(answered.read_text(encoding="utf-8")) if answered.exists() else {
        "answers": [], "error": "no answers written"}
    return ScriptRun(returncode, result["answers"], result["error"], output)


def screenshot(display: str, name: str) -> Path | None:
    """Save the whole screen as a PNG under /tmp/shots (when ImageMagick is there)."""
    if shutil.which("import") is None:
        return None
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    subprocess.run(["import", "-window", "root", str(path)], env={**os.environ, "DISPLAY": display},
                   check=True, timeout=30, capture_output=True)
    return path
