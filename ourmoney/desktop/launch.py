"""Start the desktop app: the server in a thread, the window in front, all stopped together.

A second launch on the same data folder shows the running app's window instead. Where no window
can open (no display, no GUI library) the app says so in one line, opens the system browser and
keeps serving until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import webbrowser
from collections.abc import Callable

from waitress import wasyncore

from ourmoney import server
from ourmoney.desktop import instance, routes, script
from ourmoney.desktop.files import FileBridge
from ourmoney.desktop.window import Window, no_window_reason
from ourmoney.server import RunningApp
from ourmoney.settings import Settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def launch(settings: Settings, say: Callable[[str], None]) -> None:
    """Run the desktop app on `settings` until its window closes (or show the running one)."""
    stopping = threading.Event()
    _route_signals_to(stopping)
    held = instance.claim(settings.data_path)
    if held is None:
        port = instance.show_running(settings.data_path)
        say(f"OurMoney is already open at http://127.0.0.1:{port}/; showing its window.")
        return
    try:
        _run(settings, held, stopping, say)
    finally:
        held.release()
    _exit_if_stuck()


def _run(settings: Settings, held: instance.Claim, stopping: threading.Event,
         say: Callable[[str], None]) -> None:
    """Serve in a thread while the window (or the browser) is open."""
    running = server.start(settings)
    reason = no_window_reason()
    window = None if reason else Window(running.url)
    routes.add_routes(running.app, held.token,
                      window.bring_forward if window else lambda: _browse(running.url),
                      FileBridge(running.url, window.choose_file) if window else None)
    held.publish(int(running.server.effective_port))
    serving = threading.Thread(target=running.serve, name="ourmoney-server", daemon=True)
    serving.start()
    try:
        if window:
            say(f"OurMoney running at {running.url} in its window")
            _show_window(window, stopping)
        else:
            say(f"OurMoney cannot open a window here ({reason}); opened {running.url} in "
                "your browser instead (Ctrl-C stops it).")
            _browse(running.url)
            stopping.wait()
    finally:
        _stop_serving(running, serving)


def _show_window(window: Window, stopping: threading.Event) -> None:
    """Run the window until it closes; a stop signal closes it too."""
    steps = script.script_path()

    def when_open(opened: Window) -> None:
        def close_on_stop() -> None:
            stopping.wait()
            opened.close()

        threading.Thread(target=close_on_stop, daemon=True, name="ourmoney-stop").start()
        if steps:
            script.run_steps(opened, steps)

    window.run(when_open)


def _browse(url: str) -> None:
    """Open the app in the system browser."""
    webbrowser.open(url)


def _stop_serving(running: RunningApp, serving: threading.Thread) -> None:
    """Finish requests under way, close every connection, then stop threads and database."""
    waitress = running.server
    waitress.task_dispatcher.shutdown()
    if serving.is_alive():  # a loop that already ended has closed its trigger too
        connections = getattr(waitress, "_map", None) or waitress.map
        with contextlib.suppress(OSError):  # the loop ended between the check and the pull
            waitress.trigger.pull_trigger(lambda: wasyncore.close_all(connections))
        serving.join(5)
    running.stop()


def _exit_if_stuck(wait_s: float = 2.0) -> None:
    """End the process now if a thread outlives the window (pywebview can leave one waiting on
    the closed window forever); everything of ours is already stopped and closed."""
    deadline = time.monotonic() + wait_s
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() and not t.daemon for t in threading.enumerate()
           if t is not threading.current_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _route_signals_to(stopping: threading.Event) -> None:
    """Turn Ctrl-C and SIGTERM into `stopping` (a GUI loop would not see Python's handlers)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: closing the window stops the app
        return
    # Blocked here, before any thread starts, so every later thread inherits the mask and
    # only the waiter below receives the signals.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)

    def wait_for_signal() -> None:
        signal.sigwait(STOP_SIGNALS)
        stopping.set()

    threading.Thread(target=wait_for_signal, name="ourmoney-signals", daemon=True).start()

