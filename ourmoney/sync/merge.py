"""Last writer wins per field: fold a change into a row's state by comparing clocks.

Pure, so the rule can be tested on its own. A row's state is its creation clock (`base`),
the clocks of the fields written since (`clocks`) and the field values. `created_at` is
written once: when two devices create the same row (the same file imported on both, or
the same category name), the earlier creation keeps it and the later one's other fields win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ourmoney.sync.protocol import Change

CREATED = "created_at"


@dataclass(slots=True)
class RowState:
    """What a device holds of one row: the creation clock, later field clocks and values."""

    base: str
    clocks: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def clock(self, name: str) -> str:
        """Return the clock of the write that set a field."""
        return self.clocks.get(name, self.base)

    def last(self) -> str:
        """Return the latest clock of any field (the row's version)."""
        if not self.clocks:
            return self.base
        return max(self.base, *self.clocks.values())


def is_creation(change: Change) -> bool:
    """Tell whether a change creates its row (it carries created_at)."""
    return CREATED in change.fields


def create(change: Change, defaults: dict[str, Any]) -> RowState:
    """Return the state of a row that a creating change brings into being."""
    return RowState(change.hlc, {}, {**defaults, **change.fields})


def fold(state: RowState, change: Change, names: Iterable[str]) -> list[str]:
    """Apply a change to a row's state in place; return the fields it wrote (their clocks moved)."""
    won: list[str] = []
    if is_creation(change) and change.hlc < state.base:
        # An earlier creation of the same row: it becomes the base, and every field written
        # by the later creation keeps that later clock, so it still wins below.
        for name in names:
            if name != CREATED:
                state.clocks.setdefault(name, state.base)
        state.base = change.hlc
        state.values[CREATED] = change.fields[CREATED]
        won.append(CREATED)
    for name, value in change.fields.items():
        if name != CREATED and change.hlc > state.clock(name):
            state.clocks[name] = change.hlc
            state.values[name] = value
            won.append(name)
    return won
