"""Apply changes from another device in one write: dedupe, merge per field, log, all or nothing."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from ourmoney.clock import hlc_time, utc_now_text, utc_text
from ourmoney.db import bulk
from ourmoney.db.entities import ENTITIES, Entity
from ourmoney.services.book import Book
from ourmoney.services.ledger import ACKED_SQL
from ourmoney.services.sync import turns
from ourmoney.services.sync.values import check_changes
from ourmoney.sync.merge import RowState, create, fold, is_creation
from ourmoney.sync.protocol import Change, PushResult, node_of

CHUNK = 500
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
DEFAULTS: dict[str, dict[str, Any]] = {
    "transaction": {"category": None, "member": None, "notes": "", "deleted": False},
    "category": {"color": "#7f7f7f", "deleted": False},
    "member": {"deleted": False},
    "budget": {"deleted": False},
}
AfterApply = Callable[[sqlite3.Cursor], None]
# New transaction fields in bulk.INSERT_TRANSACTION order (none is a bool, which needs 0/1).
_NEW_TRANSACTION_FIELDS = ("occurred_on", "description", "type", "amount", "category", "member",
                           "notes", "created_at")
_NEW_TRANSACTION = itemgetter(*_NEW_TRANSACTION_FIELDS)


@dataclass
class _Rows:
    """The rows one lot of changes touches, in memory while they are folded."""

    entity: Entity
    acked: int  # how far some peer holds this device's log
    stored: dict[str, RowState] = field(default_factory=dict)
    pending: dict[str, bool] = field(default_factory=dict)  # a local edit not yet acknowledged
    fresh: dict[str, RowState] = field(default_factory=dict)
    written: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    rebased: set[str] = field(default_factory=set)
    created: list[tuple[Any, ...]] = field(default_factory=list)  # new transactions, as rows


def apply_changes(book: Book, changes: Sequence[Change], *, sender: str,
                  after: AfterApply | None = None, checked: bool = False) -> PushResult:
    """Apply changes received from `sender` and run `after` in the same transaction.

    Their values are checked first, unless the caller already did (`checked`).
    """
    if not checked:
        check_changes(changes)
    with book.write() as cursor:
        result = apply_in(book, cursor, changes, sender)
        if after:
            after(cursor)
    return result


def apply_in(book: Book, cursor: sqlite3.Cursor, changes: Sequence[Change],
             sender: str) -> PushResult:
    """Apply checked changes inside the caller's write."""
    fresh, duplicates = _unseen(cursor, changes)
    held, ready = _too_far_ahead(book, fresh)
    _quarantine(cursor, held, sender)
    if ready:
        book.clock.merge(max(c.hlc for c in ready))
        acked = _acked(cursor)
        by_entity: dict[str, list[Change]] = defaultdict(list)
        for change in ready:
            by_entity[change.entity].append(change)
        # Logged first: the rest of the write ends with long set-wise statements (see turns).
        cursor.executemany(bulk.INSERT_CHANGE, [
            (c.hlc, c.origin, c.entity, c.row, c.fields_text()) for c in ready])
        for name, group in by_entity.items():
            if name in ENTITIES:
                _fold_entity(book, cursor, ENTITIES[name], group, acked)
    return PushResult(len(ready), duplicates, len(held))


def _too_far_ahead(book: Book, fresh: list[Change]) -> tuple[list[Change], list[Change]]:
    """Split changes into (held: clocks too far ahead, ready); one check when none is."""
    # HLC strings sort in time order, so if the newest is not too far ahead, none is.
    if not fresh or not book.clock.too_far_ahead(max(c.hlc for c in fresh)):
        return [], fresh
    held = [c for c in fresh if book.clock.too_far_ahead(c.hlc)]
    return held, [c for c in fresh if not book.clock.too_far_ahead(c.hlc)]


def release_quarantine(book: Book) -> int:
    """Apply quarantined changes whose time has come (clocks caught up); return how many."""
    with book.write() as cursor:
        rows = cursor.execute("SELECT hlc, origin, entity, row_id, fields, sender FROM quarantine"
                              " ORDER BY hlc").fetchall()
        due = [(Change(h, o, e, r, json.loads(f)), s) for h, o, e, r, f, s in rows
               if not book.clock.too_far_ahead(h)]
        if not due:
            return 0
        cursor.executemany("DELETE FROM quarantine WHERE hlc = ?", [(c.hlc,) for c, _ in due])
        for change, sender in due:
            apply_in(book, cursor, [change], sender)
    return len(due)


def _unseen(cursor: sqlite3.Cursor, changes: Sequence[Change]) -> tuple[list[Change], int]:
    """Drop changes already logged or held (and repeats within the lot); count them."""
    known: set[str] = set()
    holding = cursor.execute("SELECT 1 FROM quarantine LIMIT 1").fetchone() is not None
    for start in range(0, len(changes), CHUNK):
        stamps = [c.hlc for c in changes[start:start + CHUNK]]
        marks = ",".join("?" * len(stamps))
        held = f" UNION ALL SELECT hlc FROM quarantine WHERE hlc IN ({marks})" if holding else ""
        known.update(r[0] for r in cursor.execute(
            f"SELECT hlc FROM change WHERE hlc IN ({marks}){held}",
            stamps * 2 if holding else stamps))
    fresh = []
    for change in changes:
        if change.hlc not in known:
            known.add(change.hlc)
            fresh.append(change)
    return fresh, len(changes) - len(fresh)


def _quarantine(cursor: sqlite3.Cursor, held: list[Change], sender: str) -> None:
    now = utc_now_text()
    cursor.executemany(
        "INSERT OR IGNORE INTO quarantine (hlc, origin, entity, row_id, fields, sender,"
        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(c.hlc, c.origin, c.entity, c.row, c.fields_text(), sender, now) for c in held])


def _acked(cursor: sqlite3.Cursor) -> int:
    return int(cursor.execute(ACKED_SQL).fetchone()[0])


def _fold_entity(book: Book, cursor: sqlite3.Cursor, entity: Entity, changes: list[Change],
                 acked: int) -> None:
    rows = _Rows(entity, acked)
    ids = [c.row for c in changes]
    _load(cursor, rows, set(ids))
    waiting = _waiting(cursor, entity, set(ids) - set(rows.stored))
    # A new transaction that nothing else here touches needs no folding: straight to its row.
    alone = {row for row, n in Counter(ids).items() if n == 1} - set(rows.stored) - set(waiting) \
        if entity.name == "transaction" else set()
    for change in changes:
        if change.row in alone and is_creation(change) and not change.fields.get("deleted"):
            rows.created.append(_created_transaction(change))
        else:
            _fold_one(book, cursor, rows, change, waiting)
    cursor.executemany("INSERT OR IGNORE INTO sync_waiting (hlc, entity, row_id) VALUES (?, ?, ?)",
                       [(c.hlc, c.entity, c.row) for parked in waiting.values() for c in parked])
    _insert(cursor, rows)
    _update(cursor, rows)


def _fold_one(book: Book, cursor: sqlite3.Cursor, rows: _Rows, change: Change,
              waiting: dict[str, list[Change]]) -> None:
    """Fold one change into its row; an edit of a row not here yet waits for its creation."""
    names = rows.entity.columns
    state = rows.stored.get(change.row) or rows.fresh.get(change.row)
    if state is None:
        if not is_creation(change):
            waiting.setdefault(change.row, []).append(change)
            return
        state = rows.fresh[change.row] = create(change, DEFAULTS[rows.entity.name])
        early = waiting.pop(change.row, [])
        for edit in sorted(early, key=lambda c: c.hlc):
            fold(state, edit, names)
        if early:
            cursor.execute("DELETE FROM sync_waiting WHERE entity = ? AND row_id = ?",
                           (rows.entity.name, change.row))
        return
    before = {name: state.clock(name) for name in change.fields}
    base = state.base
    won = fold(state, change, names)
    if change.row in rows.stored:
        rows.written[change.row].update(won)
        if state.base != base:
            rows.rebased.add(change.row)
        if rows.pending.get(change.row):
            _notice(book, cursor, rows.entity, change,
                    [n for n in won
                     if n in before and _unacknowledged(book, cursor, before[n], rows.acked)])


def _unacknowledged(book: Book, cursor: sqlite3.Cursor, hlc: str, acked: int) -> bool:
    """Tell whether a clock is this device's own edit that no peer has acknowledged yet."""
    if node_of(hlc) != book.device_id:
        return False
    seq = cursor.execute("SELECT seq FROM change WHERE hlc = ?", (hlc,)).fetchone()
    return bool(seq) and seq[0] > acked


def _notice(book: Book, cursor: sqlite3.Cursor, entity: Entity, change: Change,
            lost: list[str]) -> None:
    """Remember that another device's edit replaced a local one not yet acknowledged."""
    now = utc_now_text()
    cursor.executemany(
        "INSERT INTO sync_notice (entity, row_id, field, origin, hlc, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(entity.name, change.row, name, change.origin, change.hlc, now) for name in lost])


def _load(cursor: sqlite3.Cursor, rows: _Rows, ids: Iterable[str]) -> None:
    """Read the stored state of the rows these changes touch."""
    names = list(rows.entity.columns)
    columns = ", ".join(rows.entity.columns[n] for n in names)
    wanted = list(ids)
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start:start + CHUNK]
        for row_id, base, clocks, seq, *values in cursor.execute(
                f"SELECT id, hlc, field_hlc, local_seq, {columns} FROM {rows.entity.table}"
                f" WHERE id IN ({','.join('?' * len(part))})", part):
            state = RowState(base, json.loads(clocks) if clocks else {},
                             dict(zip(names, values, strict=True)))
            state.values["deleted"] = bool(state.values["deleted"])
            rows.stored[row_id] = state
            rows.pending[row_id] = seq > rows.acked


def _waiting(cursor: sqlite3.Cursor, entity: Entity, missing: set[str]) -> dict[str, list[Change]]:
    """Return stored changes that arrived before the creation of rows still missing."""
    if not missing or cursor.execute("SELECT 1 FROM sync_waiting LIMIT 1").fetchone() is None:
        return {}
    found: dict[str, list[Change]] = defaultdict(list)
    for row_id in missing:
        for hlc, origin, fields in cursor.execute(
                "SELECT c.hlc, c.origin, c.fields FROM sync_waiting w JOIN change c"
                " ON c.hlc = w.hlc WHERE w.entity = ? AND w.row_id = ?", (entity.name, row_id)):
            found[row_id].append(Change(hlc, origin, entity.name, row_id, json.loads(fields)))
    return dict(found)


def _column_values(entity: Entity, state: RowState, names: Iterable[str]) -> list[Any]:
    return [int(v) if isinstance(v, bool) else v
            for v in (state.values.get(name) for name in names)]


def _clocks_text(state: RowState) -> str | None:
    return _ENCODE(state.clocks) if state.clocks else None


def _new_transaction(row_id: str, state: RowState) -> tuple[Any, ...]:
    """Return a created transaction as a bulk.INSERT_TRANSACTION row."""
    try:
        values = _NEW_TRANSACTION(state.values)
    except KeyError:  # not reached for checked changes (required fields and defaults)
        values = tuple(state.values.get(name) for name in _NEW_TRANSACTION_FIELDS)
    return (row_id, *values, _updated_at(state.last()), state.base, 0)


def _created_transaction(change: Change) -> tuple[Any, ...]:
    """Return the bulk.INSERT_TRANSACTION row of a change creating a transaction (checked).

    What create() and _new_transaction() would make of it, with DEFAULTS for what it leaves out.
    """
    fields = change.fields
    return (change.row, fields["occurred_on"], fields["description"], fields["type"],
            fields["amount"], fields.get("category"), fields.get("member"),
            fields.get("notes", ""), fields["created_at"], _updated_at(change.hlc), change.hlc, 0)


def _updated_at(hlc: str) -> str:
    """Return the wall time of a checked HLC value (its first 13 digits are milliseconds)."""
    return utc_text(int(hlc[:13]))


def _insert(cursor: sqlite3.Cursor, rows: _Rows) -> None:
    """Insert rows created by these changes (transactions through the bulk path)."""
    if not rows.fresh and not rows.created:
        return
    entity = rows.entity
    if entity.name == "transaction":
        bulk.insert_transactions(cursor, [*rows.created, *(
            _new_transaction(row_id, state) for row_id, state in rows.fresh.items())],
            before_upkeep=turns.give_turn)
        cursor.executemany(
            "UPDATE transactions SET deleted = ?, field_hlc = ? WHERE id = ?",
            [(int(bool(state.values["deleted"])), _clocks_text(state), row_id)
             for row_id, state in rows.fresh.items() if state.clocks or state.values["deleted"]])
        return
    names = list(entity.columns)
    columns = ", ".join(entity.columns[n] for n in names)
    cursor.executemany(
        f"INSERT INTO {entity.table} (id, {columns}, updated_at, hlc, field_hlc, local_seq)"
        f" VALUES (?, {', '.join('?' * len(names))}, ?, ?, ?, 0)",
        [(row_id, *_column_values(entity, state, names), hlc_time(state.last()), state.base,
          _clocks_text(state)) for row_id, state in rows.fresh.items()])


def _update(cursor: sqlite3.Cursor, rows: _Rows) -> None:
    """Write the fields these changes won on rows that were already here."""
    entity = rows.entity
    for row_id, won in rows.written.items():
        if not won and row_id not in rows.rebased:
            continue
        state = rows.stored[row_id]
        names = sorted(won)
        sets = "".join(f"{entity.columns[n]} = ?, " for n in names)
        cursor.execute(
            f"UPDATE {entity.table} SET {sets}hlc = ?, field_hlc = ?, updated_at = ? WHERE id = ?",
            (*_column_values(entity, state, names), state.base, _clocks_text(state),
             hlc_time(state.last()), row_id))
