"""Write imported rows: one transaction for the whole import, deduplicated, logged, undoable.

The whole import is one SQLite transaction, so a crash or kill leaves the ledger as it
was; rows are written in chunks with raw executemany so memory stays flat.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from itertools import count, islice
from typing import Any

from ourmoney.clock import utc_now_text
from ourmoney.db import bulk
from ourmoney.errors import N_, Message
from ourmoney.ids import derived_id, new_id
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
from ourmoney.services.importing.undo import Batch, list_batches, undo_import
from ourmoney.services.validation import MAX_DESCRIPTION, MAX_NAME, MAX_NOTES

__all__ = ["Batch", "list_batches", "own_id", "run_import", "undo_import"]

CHUNK = 2000
MAX_LISTED_PROBLEMS = 1000
PREVIEW_ROWS = 50
UNCATEGORISED = "Uncategorised"
NO_DESCRIPTION = "(no description)"
ID_NAMESPACE = uuid.UUID("0d5bb2a4-8f0e-4d6a-9a57-6b0f4b1c2e11")
SAME_ID = "same id already in the ledger"
SAME_ID_IN_FILE = "same id earlier in this file"
SAME_BANK_ID = "same bank transaction id already imported"
SAME_FINGERPRINT = "same date, amount and description already imported"
DELETED_SINCE = "imported before and deleted since"
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_QUOTE = json.encoder.encode_basestring_ascii  # what json.dumps writes for a string
# A change's fields filled in as text: json.dumps per row was a tenth of the import's time.
_FIELDS = ('{"occurred_on":"%s","description":%s,"type":"%s","amount":%d,"category":%s,'
           '"member":%s,"notes":%s,"deleted":false,"created_at":"%s"}')
REMEMBERED_LIMIT = 100_000
# Control characters and lone surrogates (JSON can carry them; UTF-8 cannot store them).
_UNSTORABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]+")
INSERT_ITEM = "INSERT INTO import_item (key, batch_id, transaction_id) VALUES (?, ?, ?)"

Entry = ImportRow | CategoryRow | MemberRow | RowProblem


class _RollBack(Exception):
    """Undo everything this import wrote (invalid rows without --skip-invalid, or a dry run)."""


@dataclass
class _Prepared:
    row: ImportRow
    id: str
    key: str
    kind: str
    amount: Decimal
    minor: int
    description: str
    notes: str
    created: str | None  # the file's created_at in the stored form, else None
    revives: bool = False  # its own id names a deleted row an undone import had added


@dataclass
class _Import:
    book: Book
    cursor: sqlite3.Cursor
    summary: ImportSummary
    precision: int
    now: str
    step: Decimal = Decimal("0.01")
    first_seq: int = 0  # the first change-log seq this import writes
    seen: int = 0
    occurrences: Counter[str] = field(default_factory=Counter)
    category_ids: dict[str, str] = field(default_factory=dict)
    member_ids: dict[str, str] = field(default_factory=dict)
    remembered: dict[str, str] = field(default_factory=dict)
    learned: dict[str, str] = field(default_factory=dict)
    json_texts: dict[str | None, str] = field(default_factory=dict)
    preview_full: bool = False


def run_import(book: Book, rows: Iterable[Entry], *, source: str,
               file_format: str, dry_run: bool = False, skip_invalid: bool = False,
               progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import rows as one batch; with invalid rows and no skip_invalid, import nothing."""
    summary = ImportSummary(batch_id=new_id(), format=file_format, source=source,
                            dry_run=dry_run)
    try:
        with book.write() as cursor:
            precision = preferences(book).precision
            job = _Import(book, cursor, summary, precision, utc_now_text(),
                          Decimal(1).scaleb(-precision), bulk.next_seq(cursor))
            for chunk in _chunks(rows, CHUNK):
                _write_chunk(job, chunk)
                if progress:
                    progress(job.seen)
            if dry_run or (summary.errors and not skip_invalid):
                raise _RollBack
            _record_batch(job)
    except _RollBack:
        if summary.errors and not skip_invalid:
            summary.added, summary.sum_added = 0, Decimal(0)
    return summary


def _chunks(rows: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    """Yield lists of up to `size` rows, reading the rows lazily."""
    remaining = iter(rows)
    while chunk := list(islice(remaining, size)):
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
    preview = job.summary.preview
    preview.sort(key=lambda shown: shown.line)
    del preview[PREVIEW_ROWS:]
    job.preview_full = len(preview) == PREVIEW_ROWS


def _listed(job: _Import, item: CategoryRow | MemberRow) -> None:
    """Create a category or member listed in our own export, keeping its id."""
    name = _clean(item.name, MAX_NAME) or item.id[:MAX_NAME]
    if isinstance(item, CategoryRow):
        job.category_ids[item.id] = categories.ensure(
            job.book, job.cursor, name, item.kind, item.color, category_id=item.id).id
    else:
        job.member_ids[item.id] = members.ensure(job.book, job.cursor, name, item.id)


def _problem(job: _Import, problem: RowProblem) -> None:
    job.summary.errors += 1
    if len(job.summary.problems) < MAX_LISTED_PROBLEMS:
        job.summary.problems.append(problem)
    _preview(job, PreviewRow(problem.line, "error", problem.message))


def _preview(job: _Import, row: PreviewRow) -> None:
    """Note how a row is treated; each chunk keeps the first PREVIEW_ROWS lines, in order."""
    if not job.preview_full:
        job.summary.preview.append(row)


def _prepare(job: _Import, row: ImportRow) -> _Prepared | None:
    """Round the amount once (half-even), pick the kind and the dedupe key; None if unusable."""
    if not row.amount.is_finite() or abs(row.amount) > MAX_AMOUNT:
        _problem(job, RowProblem(row.line, Message(N_("Amount is not a finite number."))
                                 if not row.amount.is_finite() else Message(
                                     N_("Amount %(amount)s is too large."),
                                     amount=str(abs(row.amount))[:40])))
        return None
    amount = row.amount.quantize(job.step, ROUND_HALF_EVEN)
    if amount == 0:
        job.summary.ignored += 1
        job.summary.reasons["zero amount"] += 1
        _preview(job, PreviewRow(row.line, "ignored", "zero amount", row.occurred_on,
                                 row.description, amount))
        return None
    kind = row.kind or ("income" if amount > 0 else "expense")
    description = _clean(row.description, MAX_DESCRIPTION) or _clean(row.notes, MAX_DESCRIPTION)
    created = row.created_at if row.created_at and _TIMESTAMP.match(row.created_at) else None
    transaction_id, key = _identity(job, row, amount, created)
    return _Prepared(row, transaction_id, key, kind, amount,
                     int(abs(amount).scaleb(job.precision)), description or NO_DESCRIPTION,
                     _clean_notes(row.notes), created)


def _clean(text: str | None, limit: int) -> str:
    """Fold control characters and runs of spaces into single spaces, and cut to `limit`."""
    if not text:
        return ""
    if text.isascii() and text.isprintable() and "  " not in text \
            and text[0] != " " and text[-1] != " ":  # already clean: most rows, at C speed
        return text[:limit]
    return " ".join(_UNSTORABLE.sub(" ", unicodedata.normalize("NFC", text or "")).split())[:limit]


def _clean_notes(text: str) -> str:
    """Clean notes like the notes field does: line breaks kept, each line's spacing folded."""
    if not text:
        return ""
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    kept = (" ".join(_UNSTORABLE.sub(" ", line).split()) for line in lines.split("\n"))
    return "\n".join(kept).strip()[:MAX_NOTES]


def _identity(job: _Import, row: ImportRow, amount: Decimal,
              created: str | None) -> tuple[str, str]:
    """Return the new row's id and its dedupe key (own id, bank id or counted fingerprint)."""
    if row.id:
        own = _own_id(row.id, created)
        return own, "id:" + own
    if row.bank_id:
        base = f"bank:{row.account or ''}:{row.bank_id}"
    else:
        base = f"fp:{row.occurred_on.isoformat()}:{amount}:{_payee(row.description)}"
    job.occurrences[base] += 1
    times = job.occurrences[base]
    key = base if row.bank_id and times == 1 else f"{base}#{times}"
    return new_id(), key


def own_id(given: str, created_at: str | None = None) -> str:
    """Keep a UUID as it is (lower case); turn any other id (the seed app's) into a stable UUID.

    With the moment the row was created, the UUID starts with it (ids.derived_id), so a
    file written in time order appends to the indexes instead of writing all over them.
    """
    return _own_id(given, created_at if created_at and _TIMESTAMP.match(created_at) else None)


def _own_id(given: str, created: str | None) -> str:
    """own_id for a created_at already checked to be in the stored form (or None)."""
    if len(given) == 36 and _UUID.fullmatch(given):
        return given.lower()
    hour = _hour_ms(created[:13]) if created else None
    if created is None or hour is None:
        return str(uuid.uuid5(ID_NAMESPACE, given))
    return derived_id(hour + int(created[14:16]) * 60_000 + int(created[17:19]) * 1000
                      + int(created[20:23]), given)


@lru_cache(maxsize=4096)
def _hour_ms(day_and_hour: str) -> int | None:
    """Return the epoch ms of "2025-01-20T14" (None for an impossible date); rows share hours."""
    try:
        day = date.fromisoformat(day_and_hour[:10])
    except ValueError:
        return None
    return (day.toordinal() - _EPOCH_ORDINAL) * 86_400_000 + int(day_and_hour[11:]) * 3_600_000


@lru_cache(maxsize=16384)
def _payee(description: str) -> str:
    """Return the normalised description (payees repeat, so remember the latest few)."""
    return normalise_description(description)


def _deduplicate(job: _Import, prepared: list[_Prepared]) -> list[_Prepared]:
    """Keep the rows that are new; count the others as duplicates with their reason."""
    batches = {key: batch for key, batch in _existing(
        job.cursor, "SELECT key, batch_id FROM import_item WHERE key IN",
        [p.key for p in prepared])}
    ledger = _OwnIds.find(job, [p.id for p in prepared if p.key.startswith("id:")], batches)
    fresh: list[_Prepared] = []
    for ready in prepared:
        reason = _duplicate_reason(ready, batches, ledger)
        if reason:
            job.summary.duplicates += 1
            job.summary.reasons[reason] += 1
        else:
            fresh.append(ready)
            ready.revives = ready.id in ledger.deleted
            ledger.live.add(ready.id)
            ledger.mine.add(ready.id)
            batches[ready.key] = job.summary.batch_id
        if not job.preview_full:
            _preview(job, PreviewRow(ready.row.line, "duplicate" if reason else "new", reason,
                                     ready.row.occurred_on, ready.description,
                                     ready.amount, ready.row.category))
    return fresh


@dataclass
class _OwnIds:
    """What the ledger holds for a chunk's own ids (rows imported with an id of their own)."""

    live: set[str]
    mine: set[str]  # live rows this import wrote
    deleted: set[str]
    kept: set[str]  # deleted by someone since a standing import added them: stay deleted

    @classmethod
    def find(cls, job: _Import, ids: list[str], batches: dict[str, str]) -> _OwnIds:
        """Look the ids up; a deleted row stays deleted unless an undone import had added it."""
        found = cls(set(), set(), set(), set())
        for row_id, deleted, seq in _existing(
                job.cursor, "SELECT id, deleted, local_seq FROM transactions WHERE id IN", ids):
            if deleted:
                found.deleted.add(row_id)
            else:
                found.live.add(row_id)
                if seq >= job.first_seq:
                    found.mine.add(row_id)
        found.kept = {row_id for row_id in found.deleted
                      if "id:" + row_id in batches or _added_by_standing_import(job, row_id)}
        return found


def _added_by_standing_import(job: _Import, transaction_id: str) -> bool:
    """Say whether the import whose change created this row is still in place (not undone)."""
    return job.cursor.execute(
        "SELECT 1 FROM transactions t JOIN change c ON c.hlc = t.hlc"
        " JOIN import_batch b ON c.seq BETWEEN b.first_seq AND b.last_seq"
        " WHERE t.id = ? AND b.undone_at IS NULL LIMIT 1", (transaction_id,)).fetchone() is not None


def _duplicate_reason(ready: _Prepared, batches: dict[str, str], ledger: _OwnIds) -> str:
    """Say why a row is already in the ledger, or return "" for a new row."""
    if ready.key.startswith("id:"):
        if ready.id in ledger.live:
            return SAME_ID_IN_FILE if ready.id in ledger.mine else SAME_ID
        return DELETED_SINCE if ready.id in ledger.kept else ""
    if ready.key in batches:
        return SAME_BANK_ID if ready.key.startswith("bank:") else SAME_FINGERPRINT
    return ""


def _existing(cursor: sqlite3.Cursor, sql: str, values: list[str]) -> list[tuple[Any, ...]]:
    """Run `sql ... IN (values)` in slices SQLite accepts and return every row found."""
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), 500):
        part = values[start:start + 500]
        found += cursor.execute(f"{sql} ({','.join('?' * len(part))})", part).fetchall()
    return found


def _insert(job: _Import, fresh: list[_Prepared]) -> None:
    """Write a chunk of new rows, their changes and their batch items with executemany."""
    # Categories and members first: creating one logs a change, which would shift the seqs.
    owners = [(_category(job, ready), _member(job, ready.row)) for ready in fresh]
    stamps = job.book.clock.ticks(len(fresh))
    first_seq = bulk.next_seq(job.cursor)
    changes, rows = [], []
    for seq, ready, stamp, owner in zip(count(first_seq), fresh, stamps, owners):
        change, values = _records(job, ready, owner, stamp, seq)
        changes.append(change)
        rows.append(values)
    job.summary.sum_added += sum(ready.amount for ready in fresh)
    job.summary.added += len(fresh)
    job.cursor.executemany(bulk.INSERT_CHANGE, changes)
    bulk.insert_transactions(job.cursor, rows, revive=True)
    # A row with its own id needs no item (its id dedupes it; undo finds it by its change),
    # unless it revives a deleted row: then the item says this import added it again.
    job.cursor.executemany(INSERT_ITEM, [(ready.key, job.summary.batch_id, ready.id)
                                         for ready in fresh
                                         if ready.revives or not ready.key.startswith("id:")])
    categories.remember(job.cursor, job.learned)
    job.learned.clear()
    if len(job.remembered) > REMEMBERED_LIMIT:  # all stored: later rows find them in the table
        job.remembered.clear()


def _records(job: _Import, ready: _Prepared, owner: tuple[str | None, str | None], stamp: str,
             seq: int) -> tuple[tuple[str, ...], tuple[object, ...]]:
    """Return a new row's change (for the log) and its values (INSERT_TRANSACTION order)."""
    category_id, member_id = owner
    created = ready.created or job.now
    day = ready.row.occurred_on.isoformat()
    texts = job.json_texts
    fields = _FIELDS % (day, _QUOTE(ready.description), ready.kind, ready.minor,
                        texts.get(category_id) or _json_text(texts, category_id),
                        texts.get(member_id) or _json_text(texts, member_id),
                        _QUOTE(ready.notes), created)
    change = (stamp, job.book.device_id, "transaction", ready.id, fields)
    return change, (ready.id, day, ready.description, ready.kind, ready.minor, category_id,
                    member_id, ready.notes, created, job.now, stamp, seq)


def _json_text(texts: dict[str | None, str], value: str | None) -> str:
    """Return (and remember) a category's or member's id as JSON: ids repeat on every row."""
    texts[value] = "null" if value is None else _QUOTE(value)
    return texts[value]


def _category(job: _Import, ready: _Prepared) -> str | None:
    """Use the file's category; else the one last used for this description; else Uncategorised."""
    row, key = ready.row, _payee(ready.description)
    name = _clean(row.category, MAX_NAME)
    if name:
        chosen = _named_category(job, name, ready.kind, row.category_id)
        job.remembered[key] = job.learned[key] = chosen
        return chosen
    if row.own:
        return None
    if key not in job.remembered:
        found = job.cursor.execute("SELECT category_id FROM description_category"
                                   " WHERE description = ?", (key,)).fetchone()
        job.remembered[key] = found[0] if found else ""
    return job.remembered[key] or _named_category(job, UNCATEGORISED, "expense")


def _named_category(job: _Import, name: str, kind: str, category_id: str | None = None) -> str:
    """Return the id of a category by its listed id or its name, creating it once."""
    key = category_id or "name:" + name
    found = job.category_ids.get(key)
    if found is None:
        found = job.category_ids[key] = categories.ensure(job.book, job.cursor, name, kind,
                                                          category_id=category_id).id
    return found


def _member(job: _Import, row: ImportRow) -> str | None:
    name = _clean(row.member, MAX_NAME)
    if not name:
        return None
    key = row.member_id or name.casefold()
    if key not in job.member_ids:
        job.member_ids[key] = members.ensure(job.book, job.cursor, name, member_id=row.member_id)
    return job.member_ids[key]


def _record_batch(job: _Import) -> None:
    if not job.summary.added:
        return
    summary = job.summary
    job.cursor.execute(
        "INSERT INTO import_batch (id, created_at, source, format, added, duplicates, errors,"
        " first_seq, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (summary.batch_id, job.now, summary.source[:200], summary.format, summary.added,
         summary.duplicates, summary.errors, job.first_seq, bulk.next_seq(job.cursor) - 1))
