"""Errors the hub answers with: each carries its HTTP status and a message for the device."""

from __future__ import annotations


class HubError(Exception):
    """A refusal with a message for the caller; the default is a bad request."""

    status = 400

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class NotSignedIn(HubError):
    """No token, or a wrong or revoked one."""

    status = 401


class Forbidden(HubError):
    """The caller's role does not allow this."""

    status = 403


class NotFound(HubError):
    """Nothing of that name in the caller's household."""

    status = 404


class Conflict(HubError):
    """The request clashes with what the hub holds."""

    status = 409


class TooLarge(HubError):
    """The request body is over the limit."""

    status = 413


class ClockAhead(HubError):
    """A pushed change is stamped too far in the future."""

    status = 422


class TooMany(HubError):
    """Too many attempts or requests; try again after `retry_after` seconds."""

    status = 429


class DatabaseDown(HubError):
    """PostgreSQL does not answer; the caller should retry shortly."""

    status = 503
