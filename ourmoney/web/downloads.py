"""Stream an export while it is written: the exporter runs in a thread that feeds a pipe.

Exporters push bytes into a file object; a WSGI response pulls them. A small bounded queue
between the two keeps memory flat whatever the size, and a client that goes away stops
the exporter at its next write.
"""

from __future__ import annotations

import contextlib
import io
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

from flask import Response

from ourmoney.services import exporting
from ourmoney.services.book import Book
from ourmoney.services.models import TransactionFilter
from ourmoney.web import context

CHUNK = 64 * 1024
QUEUED_CHUNKS = 16
WAIT_SECONDS = 0.5
log = logging.getLogger(__name__)


class _Gone(Exception):
    """The client stopped reading; the exporter should stop writing."""


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file whose bytes go into a bounded queue, 64 KB at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: queue.Queue[bytes | None] = queue.Queue(QUEUED_CHUNKS)
        self.buffer = bytearray()
        self.reader_gone = threading.Event()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self._send(bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def finish(self) -> None:
        """Send what is left and the end mark."""
        if self.buffer:
            self._send(bytes(self.buffer))
        self._send(None)

    def end(self) -> None:
        """Send the end mark after a failure, unless the reader is already gone."""
        with contextlib.suppress(_Gone):
            self._send(None)

    def _send(self, item: bytes | None) -> None:
        while True:
            if self.reader_gone.is_set():
                raise _Gone
            try:
                self.queue.put(item, timeout=WAIT_SECONDS)
                return
            except queue.Full:
                continue


class _Download:
    """The response body: the pipe's chunks; closing it (the client left) stops the writer."""

    def __init__(self, pipe: _Pipe) -> None:
        self.pipe = pipe

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        item = self.pipe.queue.get()
        if item is None:
            raise StopIteration
        return item

    def close(self) -> None:
        """Called by the server when the response ends or the client goes away."""
        self.pipe.reader_gone.set()


def _write(book: Book, selection: TransactionFilter, file_format: str, pipe: _Pipe) -> None:
    try:
        exporting.export(book, selection, file_format, pipe)  # type: ignore[arg-type]
        pipe.finish()
    except _Gone:
        pass
    except Exception:  # the headers are sent: all we can do is end the file early, and say why
        log.exception("export failed")
        pipe.end()
    finally:
        book.close()  # this thread's database connection


def export_response(selection: TransactionFilter, file_format: str) -> Response:
    """Return the filtered transactions as a file download, streamed as it is written."""
    pipe = _Pipe()
    threading.Thread(target=_write, args=(context.book(), selection, file_format, pipe),
                     name="export", daemon=True).start()
    name = f"ourmoney-{context.today().isoformat()}.{file_format}"
    return Response(_Download(pipe), mimetype=exporting.MEDIA_TYPES[file_format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
