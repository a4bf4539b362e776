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
from collections.abc import Callable
from typing import TYPE_CHECKING

from ourmoney.desktop import instance, script
from ourmoney.desktop.window import Window, no_window_reason
from ourmoney.settings import Settings

if TYPE_CHECKING:  # the server (Flask, pages, services) is imported on the thread starting it
    from ourmoney.server import RunningApp

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
    reason = no_window_reason()
    if reason is None:
        _run_in_window(settings, held, stopping, say)
        return
    from ourmoney import server
    from ourmoney.desktop import routes

    running = server.start(settings)
    routes.add_routes(running.app, held.token, lambda: _browse(running.url), None)
    held.publish(int(running.server.effective_port))
    serving = threading.Thread(target=running.serve, name="ourmoney-server", daemon=True)
    serving.start()
    try:
        say(f"OurMoney cannot open a window here ({reason}); opened {running.url} in "
            "your browser instead (Ctrl-C stops it).")
        _browse(running.url)
        stopping.wait()
    finally:
        _stop_serving(running, serving)


def _run_in_window(settings: Settings, held: instance.Claim, stopping: threading.Event,
                   say: Callable[[str], None]) -> None:
    """Open the window at once and start the server beside it: the page loads as soon as the
    server answers, and discovery starts once the page shows."""
    window = Window()
    startup = _Startup(settings, held, window, say)
    starting = threading.Thread(target=startup.run, name="ourmoney-start", daemon=True)
    starting.start()  # before the window's GUI loop, which then starts while Flask is imported
    try:
        _show_window(window, stopping)
    finally:
        starting.join()
        if startup.running and startup.serving:
            _stop_serving(startup.running, startup.serving)
    if startup.error:
        raise startup.error


class _Startup:
    """The server's start beside the opening window (on its own thread)."""

    def __init__(self, settings: Settings, held: instance.Claim, window: Window,
                 say: Callable[[str], None]) -> None:
        self.settings, self.held, self.window, self.say = settings, held, window, say
        self.running: RunningApp | None = None
        self.serving: threading.Thread | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        """Start serving, show the page in the window, then start discovery."""
        try:
            from ourmoney import server
            from ourmoney.desktop import routes
            from ourmoney.desktop.files import FileBridge

            self.running = running = server.start(self.settings, discover=False)
        except Exception as error:  # the window closes and the app says why
            self.error = error
            self.window.close()
            return
        routes.add_routes(running.app, self.held.token, self.window.bring_forward,
                          FileBridge(running.url, self.window.choose_file))
        self.held.publish(int(running.server.effective_port))
        self.serving = threading.Thread(target=running.serve, name="ourmoney-server",
                                        daemon=True)
        self.serving.start()
        self.window.show_page(running.url)
        self.say(f"OurMoney running at {running.url} in its window")
        if self.window.wait_for_page():
            running.discover()


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
    import webbrowser  # here, not at start: only the browser fallback needs it

    webbrowser.open(url)


def _stop_serving(running: RunningApp, serving: threading.Thread) -> None:
    """Finish requests under way, close every connection, then stop threads and database."""
    from waitress import wasyncore

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

