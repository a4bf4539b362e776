"""A reverse proxy on loopback that serves a site under a path, as a hub is served behind one."""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from tests.support.wsgi import serving

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "host", "content-length"}


@contextmanager
def path_proxy(target: str, prefix: str) -> Iterator[str]:
    """Serve `target` under `prefix` ("/hub/"): strip it and forward; 404 for any other path.

    Yields the proxy's address with the prefix (http://127.0.0.1:PORT/hub/).
    """
    upstream = urlsplit(target)

    def forward(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if not path.startswith(prefix):
            start("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not here"]
        query = f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else ""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {key[5:].replace("_", "-"): value for key, value in environ.items()
                   if key.startswith("HTTP_") and key[5:].replace("_", "-").lower()
                   not in HOP_BY_HOP}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        client = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        try:
            client.request(environ["REQUEST_METHOD"], "/" + path[len(prefix):] + query, body,
                           headers)
            answer = client.getresponse()
            data = answer.read()
        finally:
            client.close()
        start(f"{answer.status} {answer.reason}",
              [(name, value) for name, value in answer.getheaders()
               if name.lower() not in HOP_BY_HOP])
        return [data]

    with serving(forward) as address:
        yield address.rstrip("/") + prefix
