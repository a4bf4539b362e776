"""Other JSON shapes banks and apps export (PSD2/GoCardless, Schwab, YNAB); filled in per format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from ourmoney.services.importing.rows import ImportRow, RowProblem


def read(stream: IO[bytes]) -> Iterator[ImportRow | RowProblem]:
    """Read a JSON object export from a bank or another app."""
    yield RowProblem(1, "This JSON file is not an export OurMoney knows.")
