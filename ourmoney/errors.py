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


class Message(str):
    """An English message (the text) that keeps its template and values for translation.

    Readers put these in RowProblem and the like, which hold plain text: the API and the CLI
    show the English text, pages show `message.translated(gettext)`. A value may itself be a
    Message or a Term, translated with it.
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Message:
        text = super().__new__(cls, template % values if values else template)
        text.template, text.values = template, values
        return text

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        return (self.template,), self.values

    @classmethod
    def joined(cls, separator: str, messages: list[str]) -> Message:
        """Return several messages as one, each translated on its own."""
        template = separator.join(f"%(m{n})s" for n in range(len(messages)))
        return cls(template, **{f"m{n}": message for n, message in enumerate(messages)})

    def translated(self, gettext: Callable[[str], str]) -> str:
        """Return the message in the language of `gettext`, values filled in and translated."""
        return _translated(gettext, self.template, self.values, str(self))


def _translated(gettext: Callable[[str], str], template: str, values: dict[str, Any],
                english: str) -> str:
    text = gettext(template)
    if not values:
        return text
    shown = {name: _value(gettext, value) for name, value in values.items()}
    try:
        return text % shown
    except (KeyError, ValueError, TypeError):  # a broken translation: English beats a crash
        return english


def _value(gettext: Callable[[str], str], value: Any) -> Any:
    if isinstance(value, Message):
        return value.translated(gettext)
    return gettext(value) if isinstance(value, Term) else value


class OurMoneyError(Exception):
    __doc__ = N_("Something went wrong.")

    status = 400

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 **values: Any) -> None:
        self.template = message or (self.__doc__ or "").strip()
        self.values = values
        self.message = Message(self.template, **values)
        self.field = field
        super().__init__(self.message)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """Return the message in the language of `gettext`, values filled in (Terms translated)."""
        return self.message.translated(gettext)


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
