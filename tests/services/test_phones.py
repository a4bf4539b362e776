"""Phone sign-in codes, sessions and the wrong-code limit, with a clock the tests move."""

from __future__ import annotations

from typing import Any

import pytest

from ourmoney.errors import InvalidInput, NotFound
from ourmoney.services import members, phones
from ourmoney.services.book import Book

T0 = 1_800_000_000_000
MINUTE = 60_000
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like"
                  " Gecko) Chrome/126.0 Mobile Safari/537.36")


@pytest.fixture
def ana(book: Book) -> str:
    """Return the id of a member called Ana."""
    return members.add_member(book, "Ana").id


def stored(book: Book) -> dict[str, Any]:
    """Return what the sign-in tables hold, to check a refusal changed nothing."""
    return {"codes": book.store.rows("SELECT * FROM one_time_code ORDER BY code_hash"),
            "attempts": book.store.rows("SELECT * FROM code_attempts"),
            "sessions": book.store.rows("SELECT * FROM phone_session ORDER BY id")}


def wrong_code(code: str) -> str:
    """Return a well-formed code that differs from `code` in its first letter."""
    return ("B" if code[0] == "A" else "A") + code[1:]


def test_a_code_signs_a_phone_in_as_its_member(book: Book, ana: str) -> None:
    issued = phones.new_code(book, ana, now_ms=T0)
    assert (issued.member.name, issued.expires_ms) == ("Ana", T0 + 10 * MINUTE)
    assert len(issued.code) == 9 and issued.code[4] == "-"
    assert book.store.value("SELECT count(*) FROM one_time_code WHERE code_hash = ?",
                            (issued.code,)) == 0  # only the hash is stored
    signed = phones.sign_in(book, issued.code.lower(), browser=ANDROID_CHROME, now_ms=T0 + MINUTE)
    assert (signed.session.member_id, signed.session.member_name) == (ana, "Ana")
    assert signed.session.signed_in_ms == T0 + MINUTE
    assert len(signed.token) >= 40
    assert book.store.value("SELECT token_hash FROM phone_session") == phones.digest(signed.token)
    found = phones.session_for(book, signed.token, now_ms=T0 + 2 * MINUTE)
    assert found is not None and found.id == signed.session.id


def test_a_code_works_once(book: Book, ana: str) -> None:
    code = phones.new_code(book, ana, now_ms=T0).code
    phones.sign_in(book, code, now_ms=T0)
    with pytest.raises(phones.WrongCode):
        phones.sign_in(book, code, now_ms=T0 + 1)
    assert len(phones.list_sessions(book, now_ms=T0)) == 1


def test_a_code_expires_after_ten_minutes(book: Book, ana: str) -> None:
    code = phones.new_code(book, ana, now_ms=T0).code
    with pytest.raises(phones.WrongCode) as refused:
        phones.sign_in(book, code, now_ms=T0 + 10 * MINUTE)
    assert refused.value.status == 401
    assert phones.list_sessions(book, now_ms=T0) == []
    code = phones.new_code(book, ana, now_ms=T0).code
    assert phones.sign_in(book, code, now_ms=T0 + 10 * MINUTE - 1).session.member_id == ana


def test_a_new_code_replaces_the_unused_one(book: Book, ana: str) -> None:
    first = phones.new_code(book, ana, now_ms=T0).code
    second = phones.new_code(book, ana, now_ms=T0).code
    with pytest.raises(phones.WrongCode):
        phones.sign_in(book, first, now_ms=T0)
    assert phones.sign_in(book, second, now_ms=T0).session.member_name == "Ana"


def test_a_wrong_code_is_refused_and_counted(book: Book, ana: str) -> None:
    code = phones.new_code(book, ana, now_ms=T0).code
    with pytest.raises(phones.WrongCode):
        phones.sign_in(book, wrong_code(code), now_ms=T0)
    assert book.store.rows("SELECT purpose, wrong FROM code_attempts") == [("phone", 1)]
    phones.sign_in(book, code, now_ms=T0)
    assert book.store.rows("SELECT * FROM code_attempts") == []  # a right code resets the count


@pytest.mark.parametrize("given", [None, 12345678, "", "ABCD", "ABCD-23456", "ABCD-0000",
                                   "<script>", "=1+1-ABCD", "'; DROP TABLE member; --",
                                   ["ABCD2345"]])
def test_malformed_codes_are_refused_without_counting(book: Book, ana: str, given: Any) -> None:
    phones.new_code(book, ana, now_ms=T0)
    before = stored(book)
    with pytest.raises(InvalidInput) as refused:
        phones.sign_in(book, given, now_ms=T0)
    assert refused.value.message == "A sign-in code has 8 letters and digits, like ABCD-2345."
    assert stored(book) == before


def test_twenty_wrong_codes_in_a_row_lock_sign_in(book: Book, ana: str) -> None:
    code = phones.new_code(book, ana, now_ms=T0).code
    for attempt in range(19):
        with pytest.raises(phones.WrongCode):
            phones.sign_in(book, wrong_code(code), now_ms=T0 + attempt)
    assert phones.locked_until(book, now_ms=T0) is None
    with pytest.raises(phones.WrongCode):
        phones.sign_in(book, wrong_code(code), now_ms=T0 + 19)
    assert phones.locked_until(book, now_ms=T0 + 20) == T0 + 19 + 15 * MINUTE
    with pytest.raises(phones.TooManyWrongCodes) as locked:
        phones.sign_in(book, code, now_ms=T0 + 20)  # even the right code
    assert (locked.value.status, locked.value.message) == (
        429, "Too many wrong sign-in codes. Try again in 15 minutes.")
    assert phones.list_sessions(book, now_ms=T0) == []
    with pytest.raises(phones.WrongCode):  # the lock is over (and the code has expired)
        phones.sign_in(book, code, now_ms=T0 + 19 + 15 * MINUTE)


def test_a_right_code_between_wrong_ones_restarts_the_count(book: Book, ana: str) -> None:
    for _ in range(2):
        code = phones.new_code(book, ana, now_ms=T0).code
        for _ in range(19):
            with pytest.raises(phones.WrongCode):
                phones.sign_in(book, wrong_code(code), now_ms=T0)
        phones.sign_in(book, code, now_ms=T0)
    assert phones.locked_until(book, now_ms=T0) is None


def test_a_new_code_from_the_desktop_lifts_the_lock(book: Book, ana: str) -> None:
    code = phones.new_code(book, ana, now_ms=T0).code
    for _ in range(20):
        with pytest.raises(phones.WrongCode):
            phones.sign_in(book, wrong_code(code), now_ms=T0)
    fresh = phones.new_code(book, ana, now_ms=T0 + MINUTE).code
    assert phones.sign_in(book, fresh, now_ms=T0 + MINUTE).session.member_id == ana


def test_a_code_for_an_unknown_member_is_refused(book: Book) -> None:
    with pytest.raises(NotFound):
        phones.new_code(book, "no-such-member", now_ms=T0)
    assert stored(book)["codes"] == []


def test_sign_out_revokes_at_once(book: Book, ana: str) -> None:
    signed = phones.sign_in(book, phones.new_code(book, ana, now_ms=T0).code, now_ms=T0)
    phones.sign_out(book, signed.session.id, now_ms=T0 + 1)
    assert phones.session_for(book, signed.token, now_ms=T0 + 2) is None
    assert phones.list_sessions(book, now_ms=T0 + 2) == []
    with pytest.raises(NotFound):
        phones.sign_out(book, signed.session.id, now_ms=T0 + 3)


@pytest.mark.parametrize("token", [None, "", "x", 42, "' OR 1=1 --"])
def test_unknown_tokens_open_nothing(book: Book, ana: str, token: Any) -> None:
    phones.sign_in(book, phones.new_code(book, ana, now_ms=T0).code, now_ms=T0)
    assert phones.session_for(book, token, now_ms=T0) is None


def test_sessions_are_listed_and_last_seen_is_kept(book: Book, ana: str) -> None:
    ben = members.add_member(book, "Ben").id
    first = phones.sign_in(book, phones.new_code(book, ana, now_ms=T0).code,
                           browser=ANDROID_CHROME, now_ms=T0)
    phones.sign_in(book, phones.new_code(book, ben, now_ms=T0).code, browser="<b>x</b>",
                   now_ms=T0 + MINUTE)
    phones.session_for(book, first.token, now_ms=T0 + 30_000)  # within a minute: not written
    assert [(s.member_name, s.last_seen_ms) for s in phones.list_sessions(book, now_ms=T0)] == [
        ("Ben", T0 + MINUTE), ("Ana", T0)]
    phones.session_for(book, first.token, now_ms=T0 + 2 * MINUTE)
    listed = phones.list_sessions(book, now_ms=T0)
    assert [(s.member_name, s.last_seen_ms) for s in listed] == [
        ("Ana", T0 + 2 * MINUTE), ("Ben", T0 + MINUTE)]
    assert [phones.browser_name(s.browser) for s in listed] == ["Chrome on Android", "<b>x</b>"]


def test_an_idle_session_ends_after_sixty_days(book: Book, ana: str) -> None:
    signed = phones.sign_in(book, phones.new_code(book, ana, now_ms=T0).code, now_ms=T0)
    assert phones.session_for(book, signed.token, now_ms=T0 + phones.SESSION_IDLE_MS) is None


@pytest.mark.parametrize(("agent", "name"), [
    (ANDROID_CHROME, "Chrome on Android"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
     " Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
    ("Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
     "Firefox on Android"),
    ("curl/8.5.0", "curl/8.5.0"), ("", "")])
def test_browser_names(agent: str, name: str) -> None:
    assert phones.browser_name(agent) == name


def test_phone_access_is_off_until_switched_on(book: Book) -> None:
    assert phones.access_on(book) is False
    phones.set_access(book, True)
    assert phones.access_on(book) is True
    phones.set_access(book, False)
    assert phones.access_on(book) is False
