"""Imports running in this process: big files in a background thread whose progress can be read.

The import itself is one SQLite transaction, so stopping the program mid-way leaves the
ledger as it was; this module only tracks who runs what and how far it got.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from ourmoney.errors import N_, OurMoneyError
from ourmoney.services.book import Book
from ourmoney.services.importing.rows import ImportSummary

KEEP_FINISHED = 50
log = logging.getLogger(__name__)


@dataclass
class ImportJob:
    """One import of an upload: how far it is, and its summary or failure once finished."""

    token: str
    size: int
    started: float = field(default_factory=time.monotonic)
    rows_seen: int = 0
    summary: ImportSummary | None = None
    failure: OurMoneyError | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    _fileno: int | None = None

    def watch(self, stream: IO[bytes]) -> None:
        """Follow the position of the file being read, for the progress bar."""
        self._fileno = stream.fileno()

    def count(self, rows_seen: int) -> None:
        """Note how many rows the import has handled so far."""
        self.rows_seen = rows_seen

    @property
    def percent(self) -> int:
        """Return how much of the file has been read, 0 to 100 (100 once finished)."""
        if self.finished.is_set():
            return 100
        try:
            position = os.lseek(self._fileno, 0, os.SEEK_CUR) if self._fileno is not None else 0
        except OSError:  # the file was closed between two looks
            position = self.size
        return min(99, position * 100 // max(self.size, 1))

    @property
    def refused(self) -> bool:
        """Return True when nothing was imported because of a failure or invalid rows."""
        summary = self.summary
        return self.failure is not None or (summary is not None and summary.errors > 0
                                            and not summary.imported)


Work = Callable[[ImportJob], ImportSummary]


class ImportJobs:
    """The imports of this process by upload token; finished ones are kept for their result."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> ImportJob | None:
        """Return the import of an upload, running or finished, if there was one."""
        with self._lock:
            return self._jobs.get(token)

    def start(self, book: Book, token: str, size: int, work: Work, *,
              background: bool) -> ImportJob:
        """Run `work` now or in a thread; an import already running or done is returned as is."""
        with self._lock:
            found = self._jobs.get(token)
            if found is not None and not (found.finished.is_set() and found.refused):
                return found
            job = ImportJob(token, size)
            self._jobs[token] = job
            self._forget_old()
        if background:
            threading.Thread(target=self._run, args=(book, job, work, True),
                             name=f"import-{token[:8]}", daemon=True).start()
        else:
            self._run(book, job, work, False)
        return job

    def _run(self, book: Book, job: ImportJob, work: Work, own_thread: bool) -> None:
        try:
            job.summary = work(job)
        except OurMoneyError as error:
            job.failure = error
        except Exception:  # a bug must not leave the progress bar spinning for ever
            log.exception("import of upload %s failed", job.token)
            job.failure = OurMoneyError(N_("The import stopped unexpectedly; nothing was"
                                           " imported."))
        finally:
            if own_thread:
                book.close()  # this thread's database connection
            job.finished.set()

    def _forget_old(self) -> None:
        finished = [token for token, job in self._jobs.items() if job.finished.is_set()]
        for token in finished[:max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[token]
