"""A realistic synthetic household history, for trying the app, screenshots and benchmarks."""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from ourmoney.clock import utc_now_text, utc_text, wall_ms
from ourmoney.db import bulk
from ourmoney.errors import Conflict, InvalidInput
from ourmoney.ids import new_id
from ourmoney.services import categories, household, members
from ourmoney.services.book import Book

BATCH = 50_000
# The change fields of a demo row; ids, dates and kinds are plain ASCII, texts are quoted.
_FIELDS = ('{"occurred_on":"%s","description":%s,"type":"%s","amount":%d,"category":"%s",'
           '"member":"%s","notes":%s,"deleted":false,"created_at":"%s"}')
HOUR_MS = 3_600_000
SPAN_DAYS = 1000  # a little under three years
MAX_TRANSACTIONS = 10_000_000
PEOPLE = ("Ana", "Bruno", "Carla", "Diogo")

# name, kind, relative weight of everyday entries, typical amount, payees
SPENDING = (
    ("Groceries", 30, 45.0, ("Pingo Doce", "Continente", "Lidl", "Aldi", "Farmers market")),
    ("Restaurants", 12, 28.0, ("Pizzeria Roma", "Sushi Bar", "Café Central", "Burger Joint")),
    ("Coffee", 10, 3.2, ("Starbucks", "Corner café", "Bakery")),
    ("Transport", 9, 12.0, ("Metro card", "Bus ticket", "Taxi", "Uber")),
    ("Fuel", 5, 60.0, ("Galp", "BP", "Repsol")),
    ("Health", 3, 45.0, ("Dentist", "Clinic", "Optician")),
    ("Pharmacy", 4, 14.0, ("Pharmacy",)),
    ("Clothing", 4, 55.0, ("Zara", "H&M", "Decathlon", "Shoe shop")),
    ("Entertainment", 5, 22.0, ("Cinema", "Concert", "Books", "Museum")),
    ("Home", 4, 38.0, ("IKEA", "Hardware store", "Leroy Merlin")),
    ("Kids", 3, 25.0, ("School supplies", "Toy shop", "Swimming lessons")),
    ("Pets", 2, 30.0, ("Vet", "Pet food")),
    ("Gifts", 2, 40.0, ("Birthday present", "Flowers")),
    ("Travel", 1, 180.0, ("Hotel", "Flights", "Train tickets", "Car rental")),
    ("Education", 1, 90.0, ("Online course", "Language school")),
)
MONTHLY = (  # name, kind, day of month, amount, description
    ("Rent", "expense", 1, "950.00", "Rent"),
    ("Utilities", "expense", 8, "85.40", "Electricity"),
    ("Utilities", "expense", 12, "32.10", "Water"),
    ("Internet & Phone", "expense", 15, "44.99", "Fibre and mobile"),
    ("Subscriptions", "expense", 5, "13.99", "Netflix"),
    ("Subscriptions", "expense", 7, "10.99", "Spotify"),
    ("Insurance", "expense", 20, "62.50", "Home insurance"),
)
INCOME = ("Salary", "Freelance", "Interest", "Refunds")
SEASON = {1: 0.9, 2: 0.85, 3: 0.95, 4: 1.0, 5: 1.0, 6: 1.1, 7: 1.25, 8: 1.3, 9: 1.0,
          10: 0.95, 11: 1.05, 12: 1.45}


@dataclass(frozen=True)
class DemoResult:
    """What the demo created."""

    transactions: int
    first_day: date
    last_day: date


def fill(book: Book, count: int, *, today: date, seed: int = 2024,
         progress: Callable[[int], None] | None = None) -> DemoResult:
    """Create `count` transactions over the last 2+ years in an empty ledger."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_TRANSACTIONS:
        raise InvalidInput(f"The number of transactions must be between 1 and {MAX_TRANSACTIONS}.")
    if book.store.value("SELECT 1 FROM transactions LIMIT 1"):
        raise Conflict("This ledger already has transactions;"
                       " use an empty --data-dir for the demo.")
    rng = random.Random(seed)
    people = _people(book)
    category_ids = _categories(book)
    first_day = today - timedelta(days=span_days(count))
    rows = _rows(rng, count, first_day, today, people, category_ids)
    written = 0
    for batch in _encoded(_batches(rows, BATCH)):
        _insert(book, batch)
        written += len(batch)
        if progress:
            progress(written)
    return DemoResult(written, first_day, today)


def span_days(count: int) -> int:
    """Spread small demos over fewer days so everyday spending still outnumbers fixed bills."""
    return max(31, min(SPAN_DAYS, count * SPAN_DAYS // 1000))


def _people(book: Book) -> list[str]:
    existing = {m.name: m.id for m in members.list_members(book, counts=False)}
    with book.write() as cursor:
        ids = [existing.get(name) or members.insert(book, cursor, name).id for name in PEOPLE]
    household.save_preferences(book, me=ids[0])
    return ids


def _categories(book: Book) -> dict[str, str]:
    names = [(n, "expense") for n, *_ in SPENDING] + [(m[0], "expense") for m in MONTHLY]
    names += [(n, "income") for n in INCOME]
    with book.write() as cursor:
        return {name: categories.ensure(book, cursor, name, kind).id for name, kind in names}


Row = tuple[str, str, str, str, int, str, str, str, str]


def _rows(rng: random.Random, count: int, first: date, last: date, people: list[str],
          category_ids: dict[str, str]) -> Iterator[Row]:
    """Yield the history day by day: fixed monthly entries, salaries and weighted spending."""
    fixed: dict[date, list[Row]] = {}
    for row in list(_fixed(rng, first, last, people, category_ids))[:count]:
        fixed.setdefault(date.fromisoformat(row[1]), []).append(row)
    days = [first + timedelta(d) for d in range((last - first).days + 1)]
    weights = [SEASON[d.month] * (1.3 if d.weekday() >= 5 else 1.0) for d in days]
    everyday = count - sum(map(len, fixed.values()))
    per_day = Counter(rng.choices(range(len(days)), weights, k=everyday))
    spending_weights = [s[1] for s in SPENDING]
    for index, day in enumerate(days):
        todays = fixed.get(day, []) + [
            _spending(rng, day, choice, people, category_ids)
            for choice in rng.choices(SPENDING, spending_weights, k=per_day[index])]
        yield from sorted(todays, key=lambda row: row[0])


def _spending(rng: random.Random, day: date, choice: tuple[str, int, float, tuple[str, ...]],
              people: list[str], category_ids: dict[str, str]) -> Row:
    name, _weight, typical, payees = choice
    cents = max(50, int(rng.lognormvariate(0, 0.55) * typical * 100))
    if name == "Gifts" and day.month == 12:
        cents *= 2
    return _row(rng, day, rng.choice(payees), "expense", cents, category_ids[name],
                rng.choice(people), "")


def _fixed(rng: random.Random, first: date, last: date, people: list[str],
           category_ids: dict[str, str]) -> Iterator[Row]:
    month = date(first.year, first.month, 1)
    while month <= last:
        for name, kind, day, amount, description in MONTHLY:
            when = month.replace(day=day)
            if first <= when <= last:
                cents = int(amount.replace(".", ""))
                yield _row(rng, when, description, kind, cents, category_ids[name], people[0], "")
        yield from _income(rng, month, first, last, people, category_ids)
        month = (month + timedelta(days=32)).replace(day=1)


def _income(rng: random.Random, month: date, first: date, last: date, people: list[str],
            category_ids: dict[str, str]) -> Iterator[Row]:
    for person, salary in ((people[0], 265000), (people[1], 231000)):
        when = month.replace(day=25)
        if first <= when <= last:
            bonus = salary if month.month in (6, 12) else 0
            yield _row(rng, when, "Salary", "income", salary + bonus, category_ids["Salary"],
                       person, "Holiday bonus included" if bonus else "")
    if rng.random() < 0.45:
        when = month.replace(day=rng.randint(1, 28))
        if first <= when <= last:
            yield _row(rng, when, "Freelance project", "income", rng.randint(20000, 120000),
                       category_ids["Freelance"], people[1], "Invoice paid")
    when = month.replace(day=28)
    if first <= when <= last:
        yield _row(rng, when, "Savings interest", "income", rng.randint(300, 2500),
                   category_ids["Interest"], people[0], "")


def _row(rng: random.Random, day: date, description: str, kind: str, cents: int,
         category_id: str, member_id: str, notes: str) -> Row:
    """Make one row, entered between 07:00 and 23:00 UTC that day (never in the future)."""
    offset = rng.randrange(7 * HOUR_MS, 23 * HOUR_MS)
    midnight, day_text = _midnight(day)
    ms = midnight + offset
    if ms > wall_ms():
        ms = wall_ms()
        entered = utc_text(ms)
    else:  # plain arithmetic: strftime per row is a third of the demo's Python time
        seconds, millis = divmod(offset, 1000)
        minutes, second = divmod(seconds, 60)
        entered = f"{day_text}T{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}.{millis:03d}Z"
    return (new_id(ms, rng.getrandbits(74)), day_text, description, kind, cents,
            category_id, member_id, notes, entered)


@lru_cache(maxsize=8192)
def _midnight(day: date) -> tuple[int, str]:
    """Return a day's UTC midnight in epoch milliseconds and its ISO text."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000, \
        day.isoformat()


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


Encoded = tuple[Row, str]


def _encoded(batches: Iterator[list[Row]]) -> Iterator[list[Encoded]]:
    """Pair each row with the JSON of its change fields, filled into a template (fast)."""
    quote = json.encoder.encode_basestring
    for batch in batches:
        yield [(row, _FIELDS % (row[1], quote(row[2]), row[3], row[4], row[5], row[6],
                                quote(row[7]), row[8])) for row in batch]


def _insert(book: Book, batch: list[Encoded]) -> None:
    """Write one batch of transactions and their changes in one transaction (raw executemany)."""
    with book.write() as cursor:
        _insert_batch(book, cursor, batch)


def _insert_batch(book: Book, cursor: sqlite3.Cursor, batch: list[Encoded]) -> None:
    """Stamp and insert one batch inside the write, so no other writer can reuse the stamps."""
    stamps = list(book.clock.ticks(len(batch)))
    now = utc_now_text()
    first_seq = bulk.next_seq(cursor)
    cursor.executemany(bulk.INSERT_CHANGE, [
        (stamp, book.device_id, "transaction", row[0], fields)
        for stamp, (row, fields) in zip(stamps, batch, strict=True)])
    bulk.insert_transactions(cursor, [
        (*row, now, stamp, first_seq + offset)
        for offset, ((row, _fields), stamp) in enumerate(zip(batch, stamps, strict=True))])
