"""Build the single-file binary once per content (cached by hash under .build-cache/)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".build-cache"
INPUTS = ("ourmoney", "templates", "static", "translations", "packaging", "ourmoney.spec",
          "pyproject.toml")


def content_hash() -> str:
    """Hash every file the binary is built from."""
    digest = hashlib.sha256()
    for name in INPUTS:
        top = ROOT / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()
                                                   and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def pyinstaller_missing() -> str | None:
    """Return why the binary cannot be built here, or None."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        return "PyInstaller is not installed (pip install '.[package]'; bin/test does it in CI)"
    return None


def built_binary() -> Path:
    """Return the binary for the current sources, building it first when needed."""
    folder = CACHE / content_hash()
    binary = folder / "dist" / ("ourmoney.exe" if sys.platform == "win32" else "ourmoney")
    if binary.exists():
        return binary
    if CACHE.exists():  # keep one build: older ones are for sources that are gone
        for old in CACHE.iterdir():
            shutil.rmtree(old, ignore_errors=True)
    built = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(folder / "dist"), "--workpath", str(folder / "work"),
         str(ROOT / "ourmoney.spec")], cwd=ROOT, capture_output=True, text=True, timeout=900,
        check=False)
    if built.returncode != 0 or not binary.exists():
        raise RuntimeError(f"PyInstaller failed:\n{built.stdout[-3000:]}\n{built.stderr[-5000:]}")
    shutil.rmtree(folder / "work", ignore_errors=True)
    return binary
