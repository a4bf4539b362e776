"""For tests: drive the real window with a JSON list of steps, record the answers, then close it.

`OURMONEY_DESKTOP_SCRIPT=steps.json` makes the app run, once its window is open:
`{"wait": "JS expression"}` (poll until truthy, default 20 s), `{"eval": "JS expression"}`
(its value is recorded) and `{"close": true}`; the answers go to `steps.json.out` as JSON
(`{"answers": [...], "error": null}`), written before the window closes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Protocol

SCRIPT_VARIABLE = "OURMONEY_DESKTOP_SCRIPT"


class Page(Protocol):
    """What a script needs of the window."""

    def evaluate(self, script: str) -> Any:
        """Run JavaScript in the page and return its result."""

    def close(self) -> None:
        """Close the window."""


def script_path() -> Path | None:
    """Return the steps file named in the environment, if any."""
    named = os.environ.get(SCRIPT_VARIABLE)
    return Path(named) if named else None


def run_steps(page: Page, path: Path) -> None:
    """Run the steps in `path` against the page and write the answers beside it."""
    answers: list[Any] = []
    error = None
    closing = False
    try:
        for step in json.loads(path.read_text(encoding="utf-8")):
            if "wait" in step:
                _wait(page, step["wait"], float(step.get("timeout", 20)))
            elif "eval" in step:
                answers.append(page.evaluate(step["eval"]))
            closing = closing or bool(step.get("close"))
    except Exception as problem:  # report whatever went wrong to the test, then close
        error = f"{type(problem).__name__}: {problem}"
        closing = True
    Path(f"{path}.out").write_text(json.dumps({"answers": answers, "error": error}),
                                   encoding="utf-8")
    if closing:
        page.close()


def _wait(page: Page, condition: str, timeout: float) -> None:
    """Poll a JavaScript condition until it is truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"!!({condition})"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g} s for {condition}")
        time.sleep(0.02)  # fine enough for bench/bench_desktop.py to time the page's arrival
