"""The relay itself: store pushed changes of a household in seq order, serve them in pages.

Each push locks its household's row (SELECT ... FOR UPDATE) before it numbers its changes
and holds the lock until it commits. So two pushes to one household never interleave, and
seq order is commit order: a reader that has seen seq N has seen every seq below N, and
never skips a change that committed late. Households do not wait on each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg2.extras import execute_values

from hub.db import Cursor, Database
from hub.devices import Caller
from hub.errors import ClockAhead, Conflict, Forbidden
from ourmoney.clock import wall_ms
from ourmoney.sync.protocol import Change, PushResult, page_trailer

MAX_AHEAD_MS = 60 * 60 * 1000
# Which of the pushed clocks the household holds already: one probe of the (household, hlc)
# index per pushed change, at any size of the log. (`hlc = ANY(...)`, or a join with the
# pushed clocks, let the planner scan the household's whole log instead when its statistics
# were stale or the log mid-sized: for 1,000 pushed clocks up to 31 ms at 50k changes and
# 578 ms at 1M; this takes ~2 ms at any size.)
HELD = ("SELECT pushed.hlc FROM unnest(%s::text[]) AS pushed (hlc) CROSS JOIN LATERAL"
        " (SELECT 1 FROM change c WHERE c.household_id = %s AND c.hlc = pushed.hlc LIMIT 1)"
        " AS held")


@dataclass(frozen=True)
class Stored:
    """A page of a household's changes as stored lines, the seq to go on from, and if more wait."""

    lines: list[str]
    next: int
    more: bool
    last_seq: int

    def ndjson(self) -> str:
        """Return the page as NDJSON text, ending with its trailer."""
        return "".join(line + "\n" for line in self.lines) + page_trailer(self.next,
                                                                         self.more) + "\n"


def push(db: Database, caller: Caller, changes: Sequence[Change], pulled: int | None,
         now_ms: int | None = None) -> PushResult:
    """Store the changes the hub does not hold yet, under the household's lock; all or nothing."""
    if changes and caller.role == "viewer":
        raise Forbidden("a viewer can read this household's changes but not push any")
    _refuse_future(changes, wall_ms() if now_ms is None else now_ms)
    unique = list({change.hlc: change for change in changes}.values())

    def work(cur: Cursor) -> PushResult:
        if pulled is not None:
            _note_pulled(cur, caller, pulled)
        if not unique:
            return PushResult(0, len(changes), 0)
        cur.execute("SELECT last_seq FROM household WHERE id = %s FOR UPDATE",
                    (caller.household_id,))
        row = cur.fetchone()
        assert row is not None
        last = int(row[0])
        cur.execute(HELD, ([change.hlc for change in unique], caller.household_id))
        held = {found[0] for found in cur.fetchall()}
        new = [change for change in unique if change.hlc not in held]
        execute_values(cur, "INSERT INTO change (household_id, seq, hlc, origin, line) VALUES %s",
                       [(caller.household_id, last + n, change.hlc, change.origin, change.line())
                        for n, change in enumerate(new, start=1)], page_size=1000)
        if new:
            cur.execute("UPDATE household SET last_seq = %s WHERE id = %s",
                        (last + len(new), caller.household_id))
        return PushResult(len(new), len(changes) - len(new), 0)
    return db.run(work)


def pull(db: Database, caller: Caller, since: int, limit: int,
         held: int | None = None) -> Stored:
    """Return the household's changes after `since`, leaving out the caller's own."""
    def work(cur: Cursor) -> Stored:
        _note_pulled(cur, caller, since if held is None else min(since, held))
        cur.execute("SELECT last_seq FROM household WHERE id = %s", (caller.household_id,))
        row = cur.fetchone()
        assert row is not None
        if since > int(row[0]):
            raise Conflict(f"this device has read the hub up to {since}, but the hub holds"
                           f" only {row[0]} changes (was it restored from a backup?): leave"
                           " the hub and join it again to sync everything again")
        cur.execute("SELECT seq, origin, line FROM change WHERE household_id = %s AND seq > %s"
                    " ORDER BY seq LIMIT %s", (caller.household_id, since, limit + 1))
        rows = cur.fetchall()
        more, rows = len(rows) > limit, rows[:limit]
        lines = [line for _seq, origin, line in rows if origin != caller.device_id]
        return Stored(lines, int(rows[-1][0]) if rows else since, more, int(row[0]))
    return db.run(work)


def _note_pulled(cur: Cursor, caller: Caller, seq: int) -> None:
    """Remember how far the device holds the household's log (for the owner's status page)."""
    cur.execute("UPDATE device SET pulled_seq = %s WHERE device_id = %s AND pulled_seq < %s",
                (seq, caller.device_id, seq))


def _refuse_future(changes: Sequence[Change], now_ms: int) -> None:
    """Refuse the whole push if a change is stamped more than an hour ahead of the hub."""
    for number, change in enumerate(changes, start=1):
        ahead = int(change.hlc[:13]) - now_ms
        if ahead > MAX_AHEAD_MS:
            raise ClockAhead(f"line {number}: the change is stamped {ahead // 60000} minutes"
                             " ahead of the hub's clock; check the device's clock")
