"""Many writers on one ledger file: server threads sharing a Book, and the CLI's own Book."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from pathlib import Path

from ourmoney.clock import parse
from ourmoney.services import categories, ledger, listing, members
from ourmoney.services.book import Book
from ourmoney.services.models import TransactionFilter
from tests.support.books import daily_totals, draft, ledger_at, recomputed_totals

PER_THREAD = 60


def run_together(*jobs: Callable[[], None]) -> list[BaseException]:
    """Run jobs in threads started at the same moment; return what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def writer(book: Book, name: str) -> Callable[[], None]:
    """A job adding, editing and deleting transactions, then closing its thread's connection."""
    def job() -> None:
        try:
            for n in range(PER_THREAD):
                txn = ledger.add_transaction(book, draft(f"{name} {n}", "1.00",
                                                         category=f"{name} {n % 3}"))
                if n % 5 == 0:
                    ledger.update_transaction(book, txn.id, {"notes": "edited"})
                if n % 10 == 0:
                    ledger.delete_transaction(book, txn.id)
        finally:
            book.close()
    return job


def reader(book: Book) -> Callable[[], None]:
    """A job listing and totalling while the writers write."""
    def job() -> None:
        try:
            for _ in range(30):
                listing.list_transactions(book, TransactionFilter(), limit=20)
                listing.totals(book, TransactionFilter())
        finally:
            book.close()
    return job


def test_server_threads_and_the_cli_write_together(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    with ledger_at(path) as server, ledger_at(path) as cli:
        assert server.device_id == cli.device_id and server.clock is not cli.clock
        errors = run_together(writer(server, "web1"), writer(server, "web2"), writer(cli, "cli"),
                              reader(server), reader(cli))
        assert errors == []
        writers = ("web1", "web2", "cli")
        count = server.store.value("SELECT count(*) FROM transactions")
        assert count == 3 * PER_THREAD
        assert {d for (d,) in server.store.rows("SELECT description FROM transactions")} == {
            f"{w} {n}" for w in writers for n in range(PER_THREAD)}
        live = server.store.value("SELECT count(*) FROM transactions WHERE deleted = 0")
        assert live == 3 * (PER_THREAD - PER_THREAD // 10)
        seqs = [s for (s,) in server.store.rows("SELECT seq FROM change ORDER BY seq")]
        per_writer = PER_THREAD + PER_THREAD // 5 + PER_THREAD // 10
        assert len(seqs) == len(set(seqs)) == 3 * per_writer + 9  # + 3 categories each
        assert seqs == list(range(1, len(seqs) + 1))
        stamps = [h for (h,) in server.store.rows("SELECT hlc FROM change ORDER BY seq")]
        assert stamps == sorted(stamps), "a later change never carries an earlier clock"
        assert server.store.value("SELECT clock FROM node") == stamps[-1]
        assert daily_totals(server) == recomputed_totals(server)
        assert len(categories.list_categories(server)) == 9


def test_second_book_continues_the_clock(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    with ledger_at(path) as server, ledger_at(path) as cli:
        for n in range(20):  # the same millisecond on both: only the shared clock tells them apart
            members.add_member(cli, f"Member {n}")
            ledger.add_transaction(server, draft())
        stamps = [h for (h,) in server.store.rows("SELECT hlc FROM change ORDER BY seq")]
        assert len(stamps) == 40
        assert all(parse(a) < parse(b) for a, b in itertools.pairwise(stamps))
        assert server.clock.last == stamps[-1]
        assert cli.clock.last == stamps[-2]
