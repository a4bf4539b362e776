"""ourmoney.services.codes: one-time codes, hashed, single use, expiring, guarded."""

from __future__ import annotations

import hmac
import re

import pytest

from ourmoney.errors import InvalidInput
from ourmoney.services import codes
from ourmoney.services.book import Book
from ourmoney.services.codes import TooManyAttempts, Verdict, WrongCode

T0 = 1_800_000_000_000
MINUTE = 60_000


class FakeClock:
    """A wall clock in epoch ms that tests move by hand."""

    def __init__(self, ms: int = T0) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def redeem(book: Book, code: object, at: int, purpose: str = "device") -> Verdict:
    with book.store.write() as cursor:
        return codes.redeem(cursor, purpose, code, at)


def test_a_code_is_eight_unambiguous_characters_shown_with_a_dash(book: Book) -> None:
    issued = codes.issue(book.store, "device", now=FakeClock())
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", issued.code)
    assert not set(issued.code) & set("01ILO")
    assert issued.expires_ms == T0 + 10 * MINUTE


def test_only_the_hash_is_stored(book: Book) -> None:
    issued = codes.issue(book.store, "device", now=FakeClock())
    stored = book.store.rows("SELECT code_hash, purpose FROM one_time_code")
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{64}", stored[0][0])
    raw = issued.code.replace("-", "")
    assert raw not in stored[0][0] and issued.code not in stored[0][0]


@pytest.mark.parametrize("typed", ["{}", "{lower}", "{plain}", " {head} {tail} ", "{head}-{tail}"])
def test_any_case_with_or_without_dash_is_accepted(book: Book, typed: str) -> None:
    issued = codes.issue(book.store, "device", now=FakeClock())
    head, tail = issued.code.split("-")
    text = typed.format(issued.code, lower=issued.code.lower(), plain=head + tail,
                        head=head.lower(), tail=tail)
    assert redeem(book, text, T0 + 1) is Verdict.ACCEPTED


def test_a_code_works_once(book: Book) -> None:
    issued = codes.issue(book.store, "device", now=FakeClock())
    assert redeem(book, issued.code, T0 + 1) is Verdict.ACCEPTED
    assert redeem(book, issued.code, T0 + 2) is Verdict.WRONG


def test_a_code_expires_after_ten_minutes(book: Book) -> None:
    issued = codes.issue(book.store, "device", now=FakeClock())
    assert redeem(book, issued.code, T0 + 10 * MINUTE) is Verdict.WRONG
    second = codes.issue(book.store, "device", now=FakeClock())
    assert redeem(book, second.code, T0 + 10 * MINUTE - 1) is Verdict.ACCEPTED


def test_a_code_is_only_good_for_its_purpose(book: Book) -> None:
    issued = codes.issue(book.store, "device", now=FakeClock())
    assert redeem(book, issued.code, T0 + 1, purpose="phone") is Verdict.WRONG
    assert redeem(book, issued.code, T0 + 1) is Verdict.ACCEPTED


@pytest.mark.parametrize("hostile", ["", "ABCD-EFG", "<script>", "' OR 1=1 --", "=1+1", "é" * 8])
def test_wrong_codes_are_wrong(book: Book, hostile: str) -> None:
    codes.issue(book.store, "device", now=FakeClock())
    assert redeem(book, hostile, T0 + 1) is Verdict.WRONG
    assert book.store.value("SELECT count(*) FROM one_time_code WHERE used_ms IS NULL") == 1


@pytest.mark.parametrize("not_text", [None, 12345678, ["ABCD-EFGH"], {"code": 1}, "A" * 41])
def test_a_code_must_be_short_text(book: Book, not_text: object) -> None:
    with pytest.raises(InvalidInput) as error:
        redeem(book, not_text, T0)
    assert error.value.message == "The code must be text such as ABCD-EFGH."


def test_codes_are_compared_in_constant_time(book: Book,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    issued = codes.issue(book.store, "device", now=FakeClock())
    codes.issue(book.store, "device", now=FakeClock())
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)
    assert redeem(book, issued.code, T0 + 1) is Verdict.ACCEPTED
    assert len(compared) == 2  # every live code is compared, even after the match


def test_twenty_wrong_codes_in_a_row_lock_every_code_for_a_while(book: Book) -> None:
    issued = codes.issue(book.store, "device", now=FakeClock())
    for attempt in range(20):
        assert redeem(book, "WRNG-CODE", T0 + attempt) is Verdict.WRONG
    assert redeem(book, issued.code, T0 + 21) is Verdict.LOCKED
    assert redeem(book, issued.code, T0 + 19 + 15 * MINUTE - 1) is Verdict.LOCKED
    assert redeem(book, issued.code, T0 + 19 + 15 * MINUTE) is Verdict.WRONG  # expired by then
    fresh = codes.issue(book.store, "device", now=FakeClock(T0 + 20 * MINUTE))
    assert redeem(book, fresh.code, T0 + 20 * MINUTE + 1) is Verdict.ACCEPTED


def test_a_right_code_resets_the_count(book: Book) -> None:
    clock = FakeClock()
    for _ in range(19):
        assert redeem(book, "WRNG-CODE", T0) is Verdict.WRONG
    assert redeem(book, codes.issue(book.store, "device", now=clock).code, T0) is Verdict.ACCEPTED
    for _ in range(19):
        assert redeem(book, "WRNG-CODE", T0) is Verdict.WRONG
    assert redeem(book, codes.issue(book.store, "device", now=clock).code, T0) is Verdict.ACCEPTED


def test_wrong_codes_spread_beyond_the_window_do_not_lock(book: Book) -> None:
    for attempt in range(40):
        assert redeem(book, "WRNG-CODE", T0 + attempt * MINUTE) is Verdict.WRONG
    issued = codes.issue(book.store, "device", now=FakeClock(T0 + 40 * MINUTE))
    assert redeem(book, issued.code, T0 + 40 * MINUTE) is Verdict.ACCEPTED


def test_the_lock_is_shared_through_the_database(book: Book, tmp_path: object) -> None:
    from ourmoney.services.book import open_book

    issued = codes.issue(book.store, "device", now=FakeClock())
    for attempt in range(20):
        redeem(book, "WRNG-CODE", T0 + attempt)
    other = open_book(book.store.path)  # another process on the same data dir
    try:
        assert redeem(other, issued.code, T0 + 30) is Verdict.LOCKED
    finally:
        other.close()


def test_refusals_raise_the_matching_errors() -> None:
    codes.refuse_unless_accepted(Verdict.ACCEPTED)
    with pytest.raises(WrongCode) as wrong:
        codes.refuse_unless_accepted(Verdict.WRONG)
    assert (wrong.value.status, wrong.value.message) == (
        403, "That code is wrong, expired or already used.")
    with pytest.raises(TooManyAttempts) as locked:
        codes.refuse_unless_accepted(Verdict.LOCKED)
    assert locked.value.status == 429


def test_old_codes_are_cleaned_up_and_live_ones_capped(book: Book) -> None:
    codes.issue(book.store, "device", now=FakeClock())
    codes.issue(book.store, "device", now=FakeClock(T0 + 11 * MINUTE))
    assert book.store.value("SELECT count(*) FROM one_time_code") == 1
    for n in range(25):
        codes.issue(book.store, "device", now=FakeClock(T0 + 12 * MINUTE + n))
    assert book.store.value("SELECT count(*) FROM one_time_code") == codes.MAX_LIVE
