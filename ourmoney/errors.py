"""Typed errors whose docstring is the message shown to the user."""

from __future__ import annotations


class OurMoneyError(Exception):
    """Something went wrong."""

    status = 400

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or (self.__doc__ or "").strip()
        self.field = field
        super().__init__(self.message)


class InvalidInput(OurMoneyError):
    """The input is not valid."""


class InvalidAmount(InvalidInput):
    """Amount must be a positive number with at most two decimals."""


class InvalidDate(InvalidInput):
    """Date must be a real calendar date written YYYY-MM-DD."""


class InvalidCursor(InvalidInput):
    """The page cursor is not valid; start again from the first page."""


class NotFound(OurMoneyError):
    """That item does not exist."""

    status = 404


class Conflict(OurMoneyError):
    """That change conflicts with the current data."""

    status = 409
