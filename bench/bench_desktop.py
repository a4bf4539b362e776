"""Desktop binary: cold start to the first HTTP 200 and to the window showing the page; size.

Run from the repository root (builds the binary first when the sources changed; needs
PyInstaller, and Xvfb + GTK/WebKitGTK for the window figures):

    .venv/bin/python bench/bench_desktop.py [--runs 5]

The floor is the same binary's `--version`: the single-file bootloader unpacking itself and
starting Python, which every launch pays before any OurMoney code runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.desktop.binary import built_binary  # noqa: E402
from tests.desktop.support import desktop_env, window_backend_missing, xvfb  # noqa: E402
from tests.support.server import READY_LINE, ManagedProcess  # noqa: E402

TARGET_S = 2.0
SIZE_TARGET_MB = 80.0
PAGE_SHOWN = "document.readyState === 'complete' && !!document.querySelector('main h1')"


def version_s(binary: Path) -> float:
    """Time `ourmoney --version` (the floor)."""
    started = time.perf_counter()
    subprocess.run([str(binary), "--version"], capture_output=True, check=True, timeout=60)
    return time.perf_counter() - started


def first_200_s(binary: Path, folder: Path) -> float:
    """Time from launching `serve --port 0` to the first HTTP 200 of the home page."""
    started = time.perf_counter()
    with ManagedProcess([binary, "serve", "--port", "0", "--data-dir", folder],
                        env={"OURMONEY_DISCOVERY": "false"}) as served:
        url = served.wait_for_line(READY_LINE, timeout=30).group(1)
        with urllib.request.urlopen(url, timeout=10) as page:
            if page.status != 200:
                raise RuntimeError(f"home page answered {page.status}")
        elapsed = time.perf_counter() - started
    return elapsed


def window_s(binary: Path, folder: Path, display: str) -> float:
    """Time from launching the binary to its window showing the rendered home page."""
    steps = folder.parent / f"{folder.name}-steps.json"
    steps.write_text(json.dumps([{"wait": PAGE_SHOWN, "timeout": 30}, {"close": True}]),
                     encoding="utf-8")
    answered = Path(f"{steps}.out")
    env = desktop_env(display, OURMONEY_DESKTOP_SCRIPT=str(steps))
    started = time.perf_counter()
    with ManagedProcess([binary, "--data-dir", folder], env=env) as app:
        while not answered.exists():
            if not app.running or time.perf_counter() - started > 60:
                raise RuntimeError(f"the window never showed the page\n{app.describe()}")
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
        app.process.wait(30)
    if json.loads(answered.read_text(encoding="utf-8"))["error"]:
        raise RuntimeError(answered.read_text(encoding="utf-8"))
    return elapsed


def timed(runs: int, measure: Callable[[Path], float]) -> list[float]:
    """Run `measure` in a fresh data folder `runs` times."""
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(runs):
            figures.append(measure(Path(scratch) / f"run{run}"))
    return figures


def row(name: str, figures: list[float], target: str, met: bool | None, floor: float) -> str:
    p50, worst = statistics.median(figures), max(figures)
    verdict = "-" if met is None else ("yes" if met else "NO")
    return (f"| {name:<33} | {len(figures):>2} | {p50:7.3f} | {worst:7.3f} | {target:<8} "
            f"| {verdict:<3} | {p50 / floor:5.1f}x |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    binary = built_binary()
    size_mb = binary.stat().st_size / 1e6
    floor = timed(runs, lambda _: version_s(binary))
    floor_p50 = statistics.median(floor)
    lines = ["| measure                           | n  | p50 s   | max s   | target   | met "
             "| /floor |", "|" + "---|" * 7,
             row("--version (floor)", floor, "-", None, floor_p50)]
    served = timed(runs, lambda folder: first_200_s(binary, folder))
    lines.append(row("cold start to first HTTP 200", served, "<= 2 s", max(served) <= TARGET_S,
                     floor_p50))
    missing = window_backend_missing()
    if missing:
        lines.append(f"| window: not measured ({missing}) |")
    else:
        with xvfb() as display:
            shown = timed(runs, lambda folder: window_s(binary, folder, display))
        lines.append(row("cold start to window with page", shown, "<= 2 s",
                         max(shown) <= TARGET_S, floor_p50))
    print("\n".join(lines))
    print(f"\nbinary: {binary.relative_to(ROOT)}  size {size_mb:.1f} MB "
          f"(target <= {SIZE_TARGET_MB:g} MB: {'yes' if size_mb <= SIZE_TARGET_MB else 'NO'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
