"""Start real processes for tests: the OurMoney server, or any helper process.

Usable from any test (browser, CLI, benchmarks)::

    from tests.support.server import start_server

    with start_server(tmp_path / "data") as srv:
        requests.get(srv.url + "api/health", timeout=5)

``start_server`` runs ``python -m ourmoney serve --port 0 --data-dir DIR``
with the current interpreter, waits for the line
``OurMoney running at http://127.0.0.1:PORT/`` on stdout and returns a
:class:`RunningServer`. Both output pipes are drained by background threads
for the whole life of the process, so it never blocks on a full pipe, and
everything it printed stays available for failure messages.
:meth:`ManagedProcess.stop` sends SIGTERM, waits, then kills, and leaves no
open pipe or un-reaped child behind (the suite turns ResourceWarning into an
error).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
READY_LINE = re.compile(r"OurMoney running at (http://127\.0\.0\.1:(\d+)/)")


class ProcessStartError(RuntimeError):
    """The process exited, or printed no ready line in time.

    The message holds the command, the exit status and the captured output.
    """


class ManagedProcess:
    """A child process whose stdout and stderr are captured line by line."""

    def __init__(
        self,
        args: Iterable[str | os.PathLike[str]],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self.args = [os.fspath(a) for a in args]
        full_env = dict(os.environ)
        full_env["PYTHONUNBUFFERED"] = "1"  # ready lines must not sit in a buffer
        if env:
            full_env.update(env)
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._cond = threading.Condition()
        self._stdout_eof = False
        self.process = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            env=full_env,
            cwd=cwd,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._threads = [
            threading.Thread(
                target=self._drain,
                args=(self.process.stdout, self.stdout_lines, True),
                name=f"drain-stdout-{self.process.pid}",
                daemon=True,
            ),
            threading.Thread(
                target=self._drain,
                args=(self.process.stderr, self.stderr_lines, False),
                name=f"drain-stderr-{self.process.pid}",
                daemon=True,
            ),
        ]
        for thread in self._threads:
            thread.start()

    # -- output ---------------------------------------------------------------

    def _drain(self, pipe: IO[str], sink: list[str], is_stdout: bool) -> None:
        # The reading thread owns the pipe and closes it at EOF, so nothing
        # ever closes a file another thread is blocked reading.
        try:
            with pipe:
                for line in pipe:
                    with self._cond:
                        sink.append(line.rstrip("\r\n"))
                        self._cond.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self._cond:
                if is_stdout:
                    self._stdout_eof = True
                self._cond.notify_all()

    def wait_for_line(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        """Block until a stdout line matches ``pattern``; return the match.

        Raises ProcessStartError if stdout closes (the process exited) or
        ``timeout`` seconds pass first.
        """
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                while seen < len(self.stdout_lines):
                    match = pattern.search(self.stdout_lines[seen])
                    seen += 1
                    if match:
                        return match
                if self._stdout_eof:
                    problem = "closed its stdout (exited?) before printing"
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    problem = f"printed no line within {timeout:g}s matching"
                    break
                self._cond.wait(remaining)
        self.stop()
        raise ProcessStartError(f"process {problem} {pattern.pattern!r}\n{self.describe()}")

    def output(self, last: int | None = 200) -> str:
        """Captured stdout and stderr (the last ``last`` lines of each)."""
        with self._cond:
            out = self.stdout_lines[-last:] if last else list(self.stdout_lines)
            err = self.stderr_lines[-last:] if last else list(self.stderr_lines)
        return "--- stdout ---\n" + "\n".join(out) + "\n--- stderr ---\n" + "\n".join(err)

    def describe(self) -> str:
        return (
            f"command: {' '.join(self.args)}\nexit status: {self.process.poll()}\n" + self.output()
        )

    # -- lifetime ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, wait ``timeout`` s, then SIGKILL; reap; finish draining.

        Safe to call more than once. Returns the exit status.
        """
        if self.process.poll() is None:
            try:
                self.process.terminate()
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        returncode = self.process.wait()
        for thread in self._threads:
            # EOF arrives once the process is gone (unless a grandchild still
            # holds the pipe; the threads are daemons, so do not hang on it).
            thread.join(timeout=5)
        return returncode

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class RunningServer(ManagedProcess):
    """An ``ourmoney serve`` process that has printed its ready line."""

    url: str
    port: int
    data_dir: Path

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *extra_args: str,
        timeout: float = READY_TIMEOUT,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        super().__init__(
            [
                sys.executable,
                "-m",
                "ourmoney",
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(self.data_dir),
                *extra_args,
            ],
            # Tests sync when they say so; pass env={"OURMONEY_AUTO_SYNC": "true"} for more.
            env={"OURMONEY_AUTO_SYNC": "false", **(env or {})},
            cwd=cwd,
        )
        match = self.wait_for_line(READY_LINE, timeout)
        self.url = match.group(1)
        self.port = int(match.group(2))

    def __repr__(self) -> str:
        return f"<RunningServer {self.url} pid={self.process.pid} data_dir={self.data_dir}>"


def start_server(
    data_dir: str | os.PathLike[str],
    *extra_args: str,
    timeout: float = READY_TIMEOUT,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> RunningServer:
    """Start ``python -m ourmoney serve`` on a free port; return once it is ready.

    Call ``.stop()`` (or use it as a context manager) when done.
    """
    return RunningServer(data_dir, *extra_args, timeout=timeout, env=env, cwd=cwd)


def start_process(
    args: Iterable[str | os.PathLike[str]],
    ready: re.Pattern[str] | str,
    *,
    timeout: float = READY_TIMEOUT,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> tuple[ManagedProcess, re.Match[str]]:
    """Start any process and wait for a stdout line matching ``ready``."""
    proc = ManagedProcess(args, env=env, cwd=cwd)
    pattern = re.compile(ready) if isinstance(ready, str) else ready
    return proc, proc.wait_for_line(pattern, timeout)
