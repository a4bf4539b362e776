"""The native window (pywebview: WebKitGTK or Qt on Linux, WebKit on macOS, WebView2 on Windows)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

TITLE = "OurMoney"
IMPORT_TYPES = ("Bank files (*.csv;*.tsv;*.txt;*.json;*.xlsx;*.ofx;*.qfx;*.qif;*.sta;*.mt940)",
                "All files (*.*)")


def no_window_reason() -> str | None:
    """Return why no window can open here (no display, no GUI library), or None if one can."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return "no display"
    try:
        import webview  # noqa: F401
    except ImportError:
        return "pywebview is not installed (pip install 'ourmoney[desktop]')"
    return None


class Window:
    """The app's one window: shows the server's page and ends the app when closed."""

    def __init__(self) -> None:
        import webview

        self._webview = webview
        # Created empty, so the window and its web engine start while the server does.
        self.native: Any = webview.create_window(
            TITLE, width=1100, height=760, min_size=(360, 480), text_select=True)

    def show_page(self, url: str) -> None:
        """Load the app's page at `url` (once the server listens there)."""
        self.native.load_url(url)

    def wait_for_page(self, timeout: float = 20.0) -> bool:
        """Wait until the page has loaded (True), or the window closed or `timeout` ran out."""
        events = self.native.events
        deadline = time.monotonic() + timeout
        while not events.closed.is_set() and time.monotonic() < deadline:
            if events.loaded.wait(0.1):
                return True
        return False

    def run(self, when_open: Callable[[Window], None] | None = None) -> None:
        """Show the window and block until it is closed (must run on the main thread)."""
        args = (self,) if when_open else None
        self._webview.start(when_open, args, private_mode=True)

    def bring_forward(self) -> None:
        """Show and raise the window (a second launch asked for it)."""
        self.native.restore()
        self.native.show()

    def close(self) -> None:
        """Close the window, which ends `run`."""
        self.native.destroy()

    def evaluate(self, expression: str) -> Any:
        """Return the value of a JavaScript expression in the page (JSON-able values only)."""
        # run_js, not evaluate_js: the latter wraps the code in eval(), which our CSP refuses.
        answer = self.native.run_js(f"JSON.stringify(({expression}))")
        return json.loads(answer) if isinstance(answer, str) else answer

    def choose_file(self, kind: str, suggested: str) -> str | None:
        """Ask for a file with the system's dialog; return its path or None when cancelled."""
        dialogs = self._webview.FileDialog
        if kind == "save":
            chosen = self.native.create_file_dialog(dialogs.SAVE, save_filename=suggested)
        else:
            chosen = self.native.create_file_dialog(dialogs.OPEN, file_types=IMPORT_TYPES)
        if not chosen:
            return None
        return str(chosen if isinstance(chosen, str) else chosen[0])
