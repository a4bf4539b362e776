"""Checks of the values people and devices send the hub: each returns the clean value or refuses."""

from __future__ import annotations

import re

from hub.errors import HubError

ROLES = ("owner", "editor", "viewer")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{1,63}")
_DEVICE_ID = re.compile(r"[0-9a-f]{16}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_INVITE = re.compile(r"[A-Z2-9]{4}-?[A-Z2-9]{4}-?[A-Z2-9]{4}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


def email(value: object) -> str:
    """Return an email address in lower case, or refuse it."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if len(text) > 254 or not _EMAIL.fullmatch(text) or _CONTROL.search(text):
        raise HubError("email must be an address like name@example.org")
    return text


def password(value: object) -> str:
    """Return a password of 8 to 1024 characters, or refuse it."""
    if not isinstance(value, str) or not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise HubError(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return value


def role(value: object) -> str:
    """Return one of the roles owner, editor, viewer, or refuse it."""
    if value not in ROLES:
        raise HubError("role must be owner, editor or viewer")
    return str(value)


def name(value: object, what: str, limit: int) -> str:
    """Return a name of 1 to `limit` characters without control characters, or refuse it."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > limit or _CONTROL.search(text):
        raise HubError(f"{what} must be 1 to {limit} characters without control characters")
    return text


def device_id(value: object) -> str:
    """Return a device id (16 lower-case hex digits), or refuse it."""
    if not isinstance(value, str) or not _DEVICE_ID.fullmatch(value):
        raise HubError("device_id must be 16 lower-case hexadecimal digits")
    return value


def invite_code(value: object) -> str:
    """Return an invite code without its dashes, in upper case, or refuse it."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _INVITE.fullmatch(text):
        raise HubError("invite must be a code like ABCD-EFGH-JKLM")
    return text.replace("-", "")
