"""The synced tables: which wire field of a change lands in which column."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    """A kind of synced row: its table and the column behind each field of its changes."""

    name: str
    table: str
    columns: Mapping[str, str]
    required: tuple[str, ...]

    def update_sql(self, fields: tuple[str, ...]) -> str:
        """Return an UPDATE that sets `fields`, their clocks, updated_at and local_seq by id."""
        sets = ", ".join(f"{self.columns[name]} = ?" for name in fields)
        clocks = ", ".join(f"'$.{name}', ?" for name in fields)
        return (f"UPDATE {self.table} SET {sets}, updated_at = ?, local_seq = ?,"
                f" field_hlc = json_set(coalesce(field_hlc, '{{}}'), {clocks}) WHERE id = ?")


TRANSACTION = Entity(
    "transaction", "transactions",
    {"occurred_on": "occurred_on", "description": "description", "type": "type",
     "amount": "amount", "category": "category_id", "member": "member_id", "notes": "notes",
     "deleted": "deleted", "created_at": "created_at"},
    ("occurred_on", "description", "type", "amount", "created_at"))
CATEGORY = Entity(
    "category", "category",
    {"name": "name", "kind": "kind", "color": "color", "deleted": "deleted",
     "created_at": "created_at"},
    ("name", "kind", "created_at"))
MEMBER = Entity(
    "member", "member", {"name": "name", "deleted": "deleted", "created_at": "created_at"},
    ("name", "created_at"))
BUDGET = Entity(  # the row id is the budgeted category's id
    "budget", "budget", {"amount": "amount", "deleted": "deleted", "created_at": "created_at"},
    ("amount", "created_at"))
ENTITIES: Mapping[str, Entity] = {e.name: e for e in (TRANSACTION, CATEGORY, MEMBER, BUDGET)}
