"""Structured logs: one JSON object a line on standard error, one line per request."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Request, Response

access = logging.getLogger("hub.request")


class JsonLines(logging.Formatter):
    """Format a log record as one JSON object: time, level, logger, message and its fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str) -> None:
    """Send the hub's logs to standard error as JSON lines, at `level` and above."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger("hub")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    logging.getLogger("waitress").setLevel(logging.ERROR)


def log_request(request: Request, response: Response, g: Any) -> None:
    """Log one finished request: method, path, status, time taken, and who asked."""
    started = getattr(g, "started", None)
    caller = getattr(g, "caller", None)
    fields: dict[str, Any] = {
        "method": request.method, "path": request.path, "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "remote": request.remote_addr}
    if caller is not None:
        fields.update(household=caller.household_id, device=caller.device_id)
    fields.update(getattr(g, "log_fields", {}))
    level = logging.WARNING if response.status_code >= 500 else logging.INFO
    access.log(level, "request", extra={"fields": fields})
