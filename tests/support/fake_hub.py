"""A small in-memory stand-in for the hub (docs/hub.md), served over real HTTP, for device tests.

It speaks the hub's JSON and NDJSON and can be told to misbehave (answer 503, say hostile
things); tests of the real hub process, on PostgreSQL, use tests/support/hub.py instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request

from ourmoney.sync.protocol import page_trailer, parse_push
from tests.support.wsgi import serving

HUB_ID = "0123456789abcdef"
EMAIL, PASSWORD, INVITE = "ana@example.org", "correct horse", "ABCD-EFGH-JKLM"


@dataclass
class FakeHub:
    """What the fake hub holds and how it is told to behave."""

    household: str = "Home"
    role: str = "editor"
    hub_id: str = HUB_ID
    down: int = 0  # when set, every answer is this status (a sleeping hub's proxy)
    answer: dict[str, Any] | None = None  # when set, /hub/v1/join answers this
    elsewhere: bool = False  # a device with a live token belongs to another household: 409
    tokens: dict[str, str] = field(default_factory=dict)  # token -> device id
    left: list[str] = field(default_factory=list)  # device ids that left
    joins: list[dict[str, Any]] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (hlc, origin, line)
    received: int = 0  # change lines pushed, duplicates included

    def app(self) -> Flask:
        """Return the WSGI app answering as this hub."""
        app = Flask("fake_hub")
        app.before_request(self._maybe_down)
        app.add_url_rule("/sync/v1/info", view_func=self._info)
        app.add_url_rule("/hub/v1/join", view_func=self._join, methods=["POST"])
        app.add_url_rule("/hub/v1/leave", view_func=self._leave, methods=["POST"])
        app.add_url_rule("/hub/v1/status", view_func=self._status)
        app.add_url_rule("/sync/v1/changes", view_func=self._pull)
        app.add_url_rule("/sync/v1/changes", "push", self._push, methods=["POST"])
        return app

    def _maybe_down(self) -> tuple[Response, int] | None:
        if self.down:
            return jsonify(error="the database is unavailable"), self.down
        return None

    def _info(self) -> Response:
        return jsonify(device_id=self.hub_id, name="hub", kind="hub", version="0", protocol=1)

    def _join(self) -> Response | tuple[Response, int]:
        body = request.get_json()
        self.joins.append(body)
        signed_in = body.get("invite") == INVITE or (
            body.get("email") == EMAIL and body.get("password") == PASSWORD)
        if not signed_in:
            return jsonify(error="wrong email or password"), 401
        if self.answer is not None:
            return jsonify(self.answer)
        if self.elsewhere and body["device_id"] in self.tokens.values():
            return jsonify(error="this device already belongs to another household on this hub;"
                                 " leave it there first"), 409
        token = secrets.token_urlsafe(32)
        self.tokens = {t: d for t, d in self.tokens.items() if d != body["device_id"]}
        self.tokens[token] = body["device_id"]
        return jsonify(device_id=self.hub_id, name="hub", token=token, household=self.household,
                       role=self.role, email=EMAIL)

    def _caller(self) -> str | None:
        return self.tokens.get(request.headers.get("Authorization", "")[len("Bearer "):])

    def _leave(self) -> Response | tuple[Response, int]:
        device = self._caller()
        if device is None:
            return jsonify(error="the device token is wrong or was revoked"), 401
        self.left.append(device)
        self.tokens = {t: d for t, d in self.tokens.items() if d != device}
        return jsonify(left=True)

    def _status(self) -> Response | tuple[Response, int]:
        device = self._caller()
        if device is None:
            return jsonify(error="the device token is wrong or was revoked"), 401
        return jsonify(household=self.household, role=self.role, email=EMAIL, device_id=device,
                       last_seq=len(self.changes),
                       devices=[{"device_id": d} for d in sorted(set(self.tokens.values()))])

    def _pull(self) -> Response | tuple[Response, int]:
        device = self._caller()
        if device is None:
            return jsonify(error="the device token is wrong or was revoked"), 401
        since = int(request.args.get("since", 0))
        lines = [line for hlc, origin, line in self.changes[since:] if origin != device]
        body = "".join(line + "\n" for line in lines)
        body += page_trailer(len(self.changes), False) + "\n"
        return Response(body, mimetype="application/x-ndjson",
                        headers={"X-OurMoney-Last-Seq": str(len(self.changes))})

    def _push(self) -> Response | tuple[Response, int]:
        if self._caller() is None:
            return jsonify(error="the device token is wrong or was revoked"), 401
        changes = parse_push(request.get_data().split(b"\n"))
        if changes and self.role == "viewer":
            return jsonify(error="a viewer can read this household's changes but not push"), 403
        self.received += len(changes)
        held = {hlc for hlc, _origin, _line in self.changes}
        fresh = [c for c in changes if c.hlc not in held]
        self.changes.extend((c.hlc, c.origin, c.line()) for c in fresh)
        return jsonify(accepted=len(fresh), duplicates=len(changes) - len(fresh),
                       quarantined=0)


@contextmanager
def fake_hub(**settings: Any) -> Iterator[tuple[FakeHub, str]]:
    """Serve a fake hub on a free loopback port; yield it and its address."""
    hub = FakeHub(**settings)
    with serving(hub.app()) as url:
        yield hub, url
