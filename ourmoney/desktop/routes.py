"""The desktop app's own requests: "show the window" from a second launch, and file dialogs.

They exist only in the desktop app and pass `web.security` first: loopback only (phones are
refused), Host allow-list, same-origin writes with the CSRF token from the page. The show
request comes from another process, so it carries the app's secret token instead.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from urllib.parse import quote

from flask import Flask, Response, jsonify, request

from ourmoney.desktop.files import FileBridge, FileTooBig, NotOwnDownload
from ourmoney.desktop.instance import SHOW_PATH

Answer = Response | tuple[Response, int]


def add_routes(app: Flask, token: str, show: Callable[[], None],
               files: FileBridge | None) -> None:
    """Add the show route and, with a window, the file-dialog routes (before serving)."""

    def post_show() -> Answer:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return jsonify(error="Not allowed."), 403
        show()
        return Response(status=204)

    app.add_url_rule(SHOW_PATH, "desktop.post_show", post_show, methods=["POST"])
    if files is not None:
        app.add_url_rule("/desktop/v1/save", "desktop.post_save",
                         lambda: post_save(files), methods=["POST"])
        app.add_url_rule("/desktop/v1/open", "desktop.post_open",
                         lambda: post_open(files), methods=["POST"])


def post_save(files: FileBridge) -> Answer:
    """Save the download at JSON `{"path": ...}` through the save dialog."""
    sent = request.get_json(silent=True)
    try:
        saved = files.save_download(sent.get("path") if isinstance(sent, dict) else None)
    except NotOwnDownload as problem:
        return jsonify(error=str(problem)), 400
    return jsonify(saved=str(saved) if saved else None)


def post_open(files: FileBridge) -> Answer:
    """Answer the file picked in the open dialog (204 when cancelled)."""
    try:
        chosen = files.choose_upload()
    except FileTooBig as problem:
        return jsonify(error=str(problem)), 413
    if chosen is None:
        return Response(status=204)
    return Response(chosen.content, mimetype="application/octet-stream",
                    headers={"X-File-Name": quote(chosen.name)})
