"""The OpenAPI description of the device-to-device endpoints under /sync/v1."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
DEVICE_ID = {"type": "string", "pattern": "^[0-9a-f]{16}$", "description": "Device id."}
TOKEN = {"type": "string", "pattern": "^[A-Za-z0-9_-]{32,128}$"}
NAME = {"type": "string", "minLength": 1, "maxLength": 60, "description": "Device name."}
ROOT = [{"url": "/", "description": "Device-to-device endpoints live at the server's root."}]
ERRORS = {
    400: "The body is not a JSON object of the expected fields; `field` names the culprit.",
    401: "No device token, or a wrong or revoked one.",
    403: "The code is wrong, expired or used (or a foreign Host header).",
    409: "A device cannot pair with itself.",
    413: "The request body is too large.",
    429: "Too many wrong codes in a row: every code is refused for 15 minutes.",
}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _closed(properties: Schema, required: tuple[str, ...]) -> Schema:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}


def _json(description: str, schema: Schema) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(operation_id: str, summary: str, ok: tuple[int, str, Schema],
              errors: tuple[int, ...] = (), body: str | None = None,
              device_token: bool = False) -> Schema:
    """Return an operation on a /sync/v1 path: its success, its errors, its body and auth."""
    status, description, schema = ok
    found: Schema = {"operationId": operation_id, "summary": summary,
                     "responses": {str(status): _json(description, schema)},
                     "security": [{"deviceToken": []}] if device_token else [{}]}
    for code in errors:
        found["responses"][str(code)] = _json(ERRORS[code], _ref("Error"))
    if body:
        found["requestBody"] = {"required": True,
                                "content": {"application/json": {"schema": _ref(body)}}}
    return found


def schemas() -> dict[str, Schema]:
    """Return the component schemas of the device-to-device endpoints."""
    return {
        "DeviceInfo": _closed({
            "device_id": DEVICE_ID, "name": NAME,
            "version": {"type": "string", "description": "App version."},
            "protocol": {"type": "integer", "minimum": 1, "description": "Sync protocol."},
        }, ("device_id", "name", "version", "protocol")),
        "PairingRequest": _closed({
            "code": {"type": "string", "maxLength": 40,
                     "description": "The one-time code the other device shows (ABCD-EFGH;"
                                    " any case, dash optional)."},
            "device_id": DEVICE_ID | {"description": "The id of the device asking to pair."},
            "name": NAME,
            "url": {"type": ["string", "null"], "maxLength": 200,
                    "description": "Where the asking device's server answers, if it has one."},
            "token": TOKEN | {"description": "A random token the asking device made; this"
                                             " device presents it when calling it."},
        }, ("code", "device_id", "name", "token")),
        "PushResult": _closed({
            "accepted": {"type": "integer", "minimum": 0, "description": "Applied and logged."},
            "duplicates": {"type": "integer", "minimum": 0, "description": "Already held."},
            "quarantined": {"type": "integer", "minimum": 0,
                            "description": "Held back: their clock is over 10 minutes ahead."},
        }, ("accepted", "duplicates", "quarantined")),
        "PairingAnswer": _closed({
            "device_id": DEVICE_ID, "name": NAME,
            "token": TOKEN | {"description": "The token to present to this device"
                                             " (Authorization: Bearer)."},
        }, ("device_id", "name", "token")),
    }


def paths() -> dict[str, Schema]:
    """Return the /sync/v1 paths."""
    return {
        "/sync/v1/info": {
            "servers": ROOT,
            "get": operation("get_info", "Say which device this is (no secrets, no token).",
                             (200, "This device.", _ref("DeviceInfo"))),
        },
        "/sync/v1/pair": {
            "servers": ROOT,
            "post": operation("post_pair", "Pair with a one-time code; each side then holds a"
                              " token for the other.",
                              (200, "Paired.", _ref("PairingAnswer")),
                              (400, 403, 409, 413, 429), body="PairingRequest"),
        },
        "/sync/v1/changes": {"servers": ROOT, "get": _pull(), "post": _push()},
    }


def _ndjson(description: str) -> Schema:
    return {"description": description,
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}


def _pull() -> Schema:
    """GET /sync/v1/changes: a page of this device's change log."""
    found = operation("get_changes", "Pull a page of changes logged after `since`.",
                      (200, "", {}), (400, 401), device_token=True)
    found["responses"]["200"] = _ndjson(
        'One change a line ({"hlc", "origin", "entity", "row", "fields"}), then the line'
        ' {"next": SEQ, "more": true|false}; ask again from `next` while `more`. Changes that'
        " the asking device made itself are left out. X-OurMoney-Last-Seq gives the newest"
        " seq, for progress.")
    found["parameters"] = [
        {"name": "since", "in": "query", "description": "The seq the asker holds up to.",
         "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {"name": "limit", "in": "query", "description": "Changes per page.",
         "schema": {"type": "integer", "minimum": 1, "maximum": 5000, "default": 1000}},
        {"name": "X-OurMoney-Pulled", "in": "header", "description": "How far the asker holds"
         " this device's log, when less than `since` (it asks for the next page while still"
         " applying this one); without it, `since` is acknowledged.",
         "schema": {"type": "integer", "minimum": 0}}]
    return found


def _push() -> Schema:
    """POST /sync/v1/changes: changes for this device to apply (idempotent)."""
    found = operation("post_changes", "Push changes; the receiver dedupes on hlc, so a retry"
                      " is always safe.", (200, "What the receiver did.", _ref("PushResult")),
                      (400, 401, 413), device_token=True)
    found["requestBody"] = {"required": True, "content": {"application/x-ndjson": {
        "schema": {"type": "string", "description": 'One change a line, then {"count": N};'
                   " a body cut short is refused whole."}}}}
    found["parameters"] = [
        {"name": "X-OurMoney-Pulled", "in": "header", "description": "How far the pusher"
         " holds this device's log (acknowledges it).",
         "schema": {"type": "integer", "minimum": 0}}]
    return found


def security_schemes() -> dict[str, Schema]:
    """Return the device token scheme."""
    return {"deviceToken": {"type": "http", "scheme": "bearer",
                            "description": "The token received when pairing."}}
