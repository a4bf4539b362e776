"""Write imported rows: one transaction for the whole import, deduplicated, logged, undoable.

The whole import is one SQLite transaction, so a crash or kill leaves the ledger as it
was; rows are written in chunks with raw executemany so memory stays flat.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from ourmoney.clock import utc_now_text
from ourmoney.db import bulk
from ourmoney.errors import Conflict, NotFound
from ourmoney.ids import new_id
from ourmoney.money import MAX_AMOUNT
from ourmoney.services import categories, members
from ourmoney.services.book import Book
from ourmoney.services.household import preferences
from ourmoney.services.importing.rows import (
    CategoryRow,
    ImportRow,
    ImportSummary,
    MemberRow,
    PreviewRow,
    RowProblem,
    normalise_description,
)
from ourmoney.services.validation import MAX_DESCRIPTION, MAX_NOTES

CHUNK = 2000
MAX_LISTED_PROBLEMS = 1000
PREVIEW_ROWS = 50
UNCATEGORISED = "Uncategorised"
NO_DESCRIPTION = "(no description)"
ID_NAMESPACE = uuid.UUID("0d5bb2a4-8f0e-4d6a-9a57-6b0f4b1c2e11")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


Entry = ImportRow | CategoryRow | MemberRow | RowProblem


class _RollBack(Exception):
    """Undo everything this import wrote (invalid rows without --skip-invalid, or a dry run)."""


@dataclass
class _Prepared:
    row: ImportRow
    id: str
    key: str
    kind: str
    minor: int
    description: str
    notes: str


@dataclass
class _Import:
    book: Book
    cursor: sqlite3.Cursor
    summary: ImportSummary
    precision: int
    now: str
    seen: int = 0
    occurrences: Counter[str] = field(default_factory=Counter)
    category_ids: dict[str, str] = field(default_factory=dict)
    member_ids: dict[str, str] = field(default_factory=dict)
    remembered: dict[str, str] = field(default_factory=dict)


def run_import(book: Book, rows: Iterable[Entry], *, source: str,
               file_format: str, dry_run: bool = False, skip_invalid: bool = False,
               progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import rows as one batch; with invalid rows and no skip_invalid, import nothing."""
    summary = ImportSummary(batch_id=new_id(), format=file_format, source=source,
                            dry_run=dry_run)
    try:
        with book.write() as cursor:
            job = _Import(book, cursor, summary, preferences(book).precision, utc_now_text())
            for chunk in _chunks(rows, CHUNK):
                _write_chunk(job, chunk)
                if progress:
                    progress(job.seen)
            if dry_run or (summary.errors and not skip_invalid):
                raise _RollBack
            _record_batch(job)
    except _RollBack:
        if summary.errors and not skip_invalid and not dry_run:
            summary.added, summary.sum_added = 0, Decimal(0)
    return summary


def _chunks(rows: Iterable[Entry],
            size: int) -> Iterator[list[Entry]]:
    chunk: list[Entry] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_chunk(job: _Import, chunk: list[Entry]) -> None:
    prepared = []
    for item in chunk:
        job.seen += 1
        if isinstance(item, ImportRow):
            ready = _prepare(job, item)
            if ready:
                prepared.append(ready)
        elif isinstance(item, RowProblem):
            _problem(job, item)
        else:
            _listed(job, item)
    fresh = _deduplicate(job, prepared)
    if fresh:
        _insert(job, fresh)


def _listed(job: _Import, item: CategoryRow | MemberRow) -> None:
    """Create a category or member listed in our own export, keeping its id."""
    if isinstance(item, CategoryRow):
        job.category_ids[item.id] = categories.ensure(
            job.book, job.cursor, item.name[:60], item.kind, item.color, category_id=item.id).id
    else:
        job.member_ids[item.id] = members.ensure(job.book, job.cursor, item.name[:60], item.id)


def _problem(job: _Import, problem: RowProblem) -> None:
    job.summary.errors += 1
    if len(job.summary.problems) < MAX_LISTED_PROBLEMS:
        job.summary.problems.append(problem)
    _preview(job, PreviewRow(problem.line, "error", problem.message))


def _preview(job: _Import, row: PreviewRow) -> None:
    if len(job.summary.preview) < PREVIEW_ROWS:
        job.summary.preview.append(row)


def _prepare(job: _Import, row: ImportRow) -> _Prepared | None:
    """Round the amount once (half-even), pick the kind and the dedupe key; None if unusable."""
    step = Decimal(1).scaleb(-job.precision)
    if not row.amount.is_finite() or abs(row.amount) > MAX_AMOUNT:
        _problem(job, RowProblem(row.line, "Amount is not a sane number."))
        return None
    amount = row.amount.quantize(step, ROUND_HALF_EVEN)
    if amount == 0:
        job.summary.ignored += 1
        job.summary.reasons["zero amount"] += 1
        _preview(job, PreviewRow(row.line, "ignored", "zero amount", row.occurred_on,
                                 row.description, amount))
        return None
    kind = row.kind or ("income" if amount > 0 else "expense")
    description = _clean(row.description, MAX_DESCRIPTION) or _clean(row.notes, MAX_DESCRIPTION)
    transaction_id, key = _identity(job, row, amount)
    return _Prepared(row, transaction_id, key, kind, int(abs(amount).scaleb(job.precision)),
                     description or NO_DESCRIPTION, _clean(row.notes, MAX_NOTES))


def _clean(text: str | None, limit: int) -> str:
    return " ".join(_CONTROL.sub(" ", text or "").split())[:limit]


def _identity(job: _Import, row: ImportRow, amount: Decimal) -> tuple[str, str]:
    """Return the new row's id and its dedupe key (own id, bank id or counted fingerprint)."""
    if row.id:
        own = own_id(row.id)
        return own, "id:" + own
    if row.bank_id:
        base = f"bank:{row.account or ''}:{row.bank_id}"
    else:
        base = f"fp:{row.occurred_on.isoformat()}:{amount}:{normalise_description(row.description)}"
    job.occurrences[base] += 1
    count = job.occurrences[base]
    key = base if row.bank_id and count == 1 else f"{base}#{count}"
    return new_id(), key


def own_id(given: str) -> str:
    """Keep a UUID as it is; turn any other id (the seed app's) into a stable UUID."""
    try:
        return str(uuid.UUID(given))
    except ValueError:
        return str(uuid.uuid5(ID_NAMESPACE, given))


def _deduplicate(job: _Import, prepared: list[_Prepared]) -> list[_Prepared]:
    known_keys = _existing(job.cursor, "SELECT key FROM import_item WHERE key IN",
                           [p.key for p in prepared])
    known_ids = _existing(job.cursor, "SELECT id FROM transactions WHERE deleted = 0 AND id IN",
                          [p.id for p in prepared if p.key.startswith("id:")])
    fresh: list[_Prepared] = []
    batch_ids: set[str] = set()
    for ready in prepared:
        reason = _duplicate_reason(ready, known_keys, known_ids, batch_ids)
        if reason:
            job.summary.duplicates += 1
            job.summary.reasons[reason] += 1
        else:
            fresh.append(ready)
            batch_ids.add(ready.id)
        _preview(job, PreviewRow(ready.row.line, "duplicate" if reason else "new", reason or "",
                                 ready.row.occurred_on, ready.description,
                                 ready.row.amount, ready.row.category))
    return fresh


def _duplicate_reason(ready: _Prepared, known_keys: set[str], known_ids: set[str],
                      batch_ids: set[str]) -> str:
    if ready.key.startswith("id:") and (ready.id in known_ids or ready.id in batch_ids):
        return "same id already in the ledger"
    if ready.key in known_keys:
        if ready.key.startswith("bank:"):
            return "same bank transaction id already imported"
        return "same date, amount and description already imported"
    return ""


def _existing(cursor: sqlite3.Cursor, sql: str, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 500):
        part = values[start:start + 500]
        marks = ",".join("?" * len(part))
        found.update(r[0] for r in cursor.execute(f"{sql} ({marks})", part))
    return found


def _insert(job: _Import, fresh: list[_Prepared]) -> None:
    # Categories and members first: creating one logs a change, which would shift the seqs.
    owners = [(_category(job, ready), _member(job, ready.row)) for ready in fresh]
    stamps = list(job.book.clock.ticks(len(fresh)))
    first_seq = bulk.next_seq(job.cursor)
    changes, rows, items, remember = [], [], [], {}
    for offset, (ready, stamp, (category_id, member_id)) in enumerate(
            zip(fresh, stamps, owners, strict=True)):
        created = ready.row.created_at if _TIMESTAMP.match(ready.row.created_at or "") else job.now
        day = ready.row.occurred_on.isoformat()
        fields = {"occurred_on": day, "description": ready.description, "type": ready.kind,
                  "amount": ready.minor, "category": category_id, "member": member_id,
                  "notes": ready.notes, "deleted": False, "created_at": created}
        changes.append((stamp, job.book.device_id, "transaction", ready.id,
                        json.dumps(fields, separators=(",", ":"))))
        rows.append((ready.id, day, ready.description, ready.kind, ready.minor, category_id,
                     member_id, ready.notes, created, job.now, stamp, first_seq + offset))
        items.append((ready.key, job.summary.batch_id, ready.id))
        if ready.row.category:
            remember[normalise_description(ready.description)] = category_id
        job.summary.added += 1
        job.summary.sum_added += ready.row.amount.quantize(Decimal(1).scaleb(-job.precision),
                                                           ROUND_HALF_EVEN)
    job.cursor.executemany(bulk.INSERT_CHANGE, changes)
    bulk.insert_transactions(job.cursor, rows, revive=True)
    job.cursor.executemany("INSERT INTO import_item (key, batch_id, transaction_id)"
                           " VALUES (?, ?, ?)", items)
    categories.remember(job.cursor, remember)
    job.remembered.update(remember)


def _category(job: _Import, ready: _Prepared) -> str:
    """Use the file's category; else the one last used for this description; else Uncategorised."""
    row = ready.row
    if row.category_id and row.category:
        return _named_category(job, row.category, ready.kind, row.category_id)
    if row.category:
        return _named_category(job, row.category, ready.kind)
    key = normalise_description(ready.description)
    if key not in job.remembered:
        found = job.cursor.execute("SELECT category_id FROM description_category"
                                   " WHERE description = ?", (key,)).fetchone()
        job.remembered[key] = found[0] if found else ""
    return job.remembered[key] or _named_category(job, UNCATEGORISED, "expense")


def _named_category(job: _Import, name: str, kind: str, category_id: str | None = None) -> str:
    key = category_id or categories.normalise(name)
    if key not in job.category_ids:
        job.category_ids[key] = categories.ensure(job.book, job.cursor, name[:60], kind,
                                                  category_id=category_id).id
    return job.category_ids[key]


def _member(job: _Import, row: ImportRow) -> str | None:
    if not row.member:
        return None
    key = row.member_id or row.member.casefold()
    if key not in job.member_ids:
        job.member_ids[key] = members.ensure(job.book, job.cursor, row.member[:60],
                                             member_id=row.member_id)
    return job.member_ids[key]


def _record_batch(job: _Import) -> None:
    if not job.summary.added:
        return
    summary = job.summary
    job.cursor.execute(
        "INSERT INTO import_batch (id, created_at, source, format, added, duplicates, errors)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (summary.batch_id, job.now, summary.source[:200], summary.format, summary.added,
         summary.duplicates, summary.errors))


def undo_import(book: Book, batch_id: str) -> int:
    """Delete every transaction a batch added (tombstones that sync) and forget its keys."""
    with book.write() as cursor:
        found = cursor.execute("SELECT undone_at FROM import_batch WHERE id = ?",
                               (batch_id,)).fetchone()
        if found is None:
            raise NotFound("There is no import with that batch id.", field="batch")
        if found[0]:
            raise Conflict("That import was already undone.", field="batch")
        ids = [r[0] for r in cursor.execute("SELECT transaction_id FROM import_item"
                                            " WHERE batch_id = ?", (batch_id,))]
        _tombstone(book, cursor, ids)
        cursor.execute("DELETE FROM import_item WHERE batch_id = ?", (batch_id,))
        cursor.execute("UPDATE import_batch SET undone_at = ? WHERE id = ?",
                       (utc_now_text(), batch_id))
    return len(ids)


def _tombstone(book: Book, cursor: sqlite3.Cursor, ids: list[str]) -> None:
    now = utc_now_text()
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        stamps = list(book.clock.ticks(len(part)))
        first_seq = bulk.next_seq(cursor)
        cursor.executemany(bulk.INSERT_CHANGE, [
            (stamp, book.device_id, "transaction", transaction_id, '{"deleted":true}')
            for transaction_id, stamp in zip(part, stamps, strict=True)])
        cursor.executemany(
            "UPDATE transactions SET deleted = 1, updated_at = ?, hlc = ?, local_seq = ?"
            " WHERE id = ? AND deleted = 0",
            [(now, stamp, first_seq + n, transaction_id)
             for n, (transaction_id, stamp) in enumerate(zip(part, stamps, strict=True))])


@dataclass(frozen=True)
class Batch:
    """A past import, for the list of imports that can be undone."""

    id: str
    created_at: str
    source: str
    format: str
    added: int
    duplicates: int
    errors: int
    undone_at: str | None


def list_batches(book: Book, limit: int = 20) -> list[Batch]:
    """Return the most recent imports, newest first."""
    rows = book.store.rows("SELECT id, created_at, source, format, added, duplicates, errors,"
                           " undone_at FROM import_batch ORDER BY created_at DESC, id DESC"
                           " LIMIT ?", (limit,))
    return [Batch(*row) for row in rows]


def first_day(rows: Iterable[ImportRow]) -> date | None:
    """Return the earliest date among rows (for summaries)."""
    return min((row.occurred_on for row in rows), default=None)
