"""Typed errors whose docstring is the message shown to the user.

Messages are English. `error.message` is what the API and the CLI show, always in English;
web pages show `error.translated(gettext)` in the reader's language. So that
`pybabel extract -k N_` finds them, messages are wrapped in `N_` where they are written
(an error's default message is its `__doc__`, assigned through `N_`). A message that
carries values is a template with `%(name)s` placeholders, the values given as keyword
arguments: `NotFound(N_("There is no member called %(name)s."), name=given)`. The template
is the msgid, so the catalog can match it whatever the values are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation; translated where shown."""
    return message


class Term(str):
    """A fixed word used as a message value, such as a field's name; translated with it."""

    __slots__ = ()


class OurMoneyError(Exception):
    __doc__ = N_("Something went wrong.")

    status = 400

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 **values: Any) -> None:
        self.template = message or (self.__doc__ or "").strip()
        self.values = values
        self.message = self.template % values if values else self.template
        self.field = field
        super().__init__(self.message)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """Return the message in the language of `gettext`, values filled in (Terms translated)."""
        text = gettext(self.template)
        if not self.values:
            return text
        values = {name: gettext(value) if isinstance(value, Term) else value
                  for name, value in self.values.items()}
        try:
            return text % values
        except (KeyError, ValueError, TypeError):  # a broken translation: English beats a crash
            return self.message


class InvalidInput(OurMoneyError):
    __doc__ = N_("The input is not valid.")


class InvalidAmount(InvalidInput):
    __doc__ = N_("Amount must be a positive number with at most two decimals.")


class InvalidDate(InvalidInput):
    __doc__ = N_("Date must be a real calendar date written YYYY-MM-DD.")


class InvalidCursor(InvalidInput):
    __doc__ = N_("The page cursor is not valid; start again from the first page.")


class NotFound(OurMoneyError):
    __doc__ = N_("That item does not exist.")

    status = 404


class Conflict(OurMoneyError):
    __doc__ = N_("That change conflicts with the current data.")

    status = 409
