"""What a request needs from the app: the book and the settings."""

from __future__ import annotations

from datetime import date

from flask import current_app, g

from ourmoney.services.book import Book
from ourmoney.settings import Settings


def book() -> Book:
    """Return the ledger this app serves."""
    found: Book = current_app.extensions["ourmoney"]["book"]
    return found


def settings() -> Settings:
    """Return the settings this app runs with."""
    found: Settings = current_app.extensions["ourmoney"]["settings"]
    return found


def today() -> date:
    """Return today's date on this device (the user's local date, not UTC)."""
    return date.today()  # noqa: DTZ011 - a local calendar date is what the user means


def me(household_me: str | None) -> str | None:
    """Return who new transactions are for: a signed-in phone's member, else this device's."""
    phone = g.get("phone")
    return str(phone.member_id) if phone is not None else household_me
