"""Turns at the interpreter between the thread applying a pulled page and a helper thread.

Python runs one thread at a time (the GIL); SQLite lets go of it while a statement or a
commit runs, so the next page can be parsed on the second CPU meanwhile for free. But while
the applying thread runs Python, or binds rows one at a time (executemany takes the GIL back
for every row), a busy helper makes it wait for the interpreter over and over, which costs
far more than the helper saves. So the applying thread gives its turn away when it goes
inside SQLite for long (or waits for the helper) and takes it back before running Python;
the helper waits for the turn, for a bounded time so that it never waits for good.

There is one GIL per process, so there is one turn per process.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

TURN_WAIT = 5.0  # seconds a helper waits at most (a pull that stopped half way)
QUICK_SWITCH = 0.0005  # seconds a thread keeps the interpreter while another waits (Python: 0.005)

_turn = threading.Event()


class _Switches:
    """How many pulls want quick switches now, and the interval to put back after the last."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.before = sys.getswitchinterval()


_switches = _Switches()


def give_turn() -> None:
    """Let the helper run Python: this thread is going inside SQLite, or waiting for it."""
    _turn.set()


def take_turn() -> None:
    """Keep the helper waiting: this thread is about to run Python."""
    _turn.clear()


def wait_for_turn(timeout: float | None = None) -> bool:
    """Wait until the applying thread gives its turn (or TURN_WAIT is up); return whether it did."""
    return _turn.wait(TURN_WAIT if timeout is None else timeout)


@contextmanager
def quick_switches() -> Iterator[None]:
    """Hand the interpreter over within QUICK_SWITCH, not 5 ms, while the helper may run.

    The applying thread takes the interpreter back for a moment between two statements;
    with Python's default it could wait 5 ms each time.
    """
    with _switches.lock:
        if _switches.users == 0:
            _switches.before = sys.getswitchinterval()
            sys.setswitchinterval(QUICK_SWITCH)
        _switches.users += 1
    try:
        yield
    finally:
        with _switches.lock:
            _switches.users -= 1
            if _switches.users == 0:
                sys.setswitchinterval(_switches.before)
