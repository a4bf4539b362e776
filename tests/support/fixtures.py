"""The real-world bank files in ../shared/fixtures/imports and what SOURCES.md expects of them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT.parent / "shared" / "fixtures" / "imports"
_NUMBER = re.compile(r"[-\u2212]?\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Expectation:
    """One fixture file: how many transactions and what sum SOURCES.md says it holds."""

    path: Path
    folder: str
    count: int
    total: Decimal | None
    negative: bool
    special: str
    txns_text: str
    sum_text: str

    @property
    def name(self) -> str:
        """Return the file name, for test ids."""
        return self.path.name


def require() -> Path:
    """Return the fixtures folder; skip when it is absent, but fail under CI."""
    if not FOLDER.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared import fixtures are missing: {FOLDER}")
        pytest.skip(f"the shared import fixtures are absent ({FOLDER})")
    return FOLDER


@cache
def expectations() -> tuple[Expectation, ...]:
    """Parse every file row of SOURCES.md (empty when the folder is absent)."""
    sources = FOLDER / "SOURCES.md"
    if not sources.is_file():
        return ()
    found, folder = [], ""
    for line in sources.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+)/", line)
        if heading:
            folder = heading.group(1)
        elif line.startswith("| `") and folder:
            found.append(_row(folder, [cell.strip() for cell in line.strip("|").split("|")]))
    return tuple(found)


def of_folder(folder: str) -> list[Expectation]:
    """Return the expectations of one format folder (ofx, qif, camt, mt940, csv, json)."""
    return [e for e in expectations() if e.folder == folder]


def _row(folder: str, cells: list[str]) -> Expectation:
    name = cells[0].strip("`")
    special, txns, total = cells[-4], cells[-2], cells[-1]
    negative = "negative" in (txns + total).lower() or "NEGATIVE" in special
    count = re.search(r"\d+", txns)
    return Expectation(FOLDER / folder / name, folder, int(count.group()) if count else 0,
                       _total(total), negative, special, txns, total)


def _total(text: str) -> Decimal | None:
    """Return the first signed amount of the Sum column (None for "n/a")."""
    match = _NUMBER.search(text)
    if match is None or text.lower().startswith("n/a"):
        return None
    return Decimal(match.group().replace("\u2212", "-").replace(",", ""))
