"""Failed-authentication counting (backend.ratelimit): the client address it counts against,
and counts that hold under concurrent attempts."""

import secrets
import threading
from collections.abc import Callable

import pytest
from django.test import RequestFactory

from backend import ratelimit
from backend.ratelimit import attempt_start, attempt_succeeded, attempt_withdrawn, client_address


def request(remote: str, forwarded: str | None = None):
    made = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return made


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3", "198.51.100.1"),
        (2, "10.0.0.2", "198.51.100.1", "10.0.0.2"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "not-an-address", "not-an-address"),
        (1, "10.0.0.2", "198.51.100.1:51234", "198.51.100.1"),
        (1, "10.0.0.2", "[2001:db8:1:2::9]:51234", "2001:db8:1:2::/64"),
        (0, "2001:db8:1:2:3:4:5:6", None, "2001:db8:1:2::/64"),
        (0, "::ffff:203.0.113.9", None, "203.0.113.9"),
        (0, "", None, "unknown"),
    ],
)
def test_it_counts_the_address_the_outermost_trusted_proxy_saw(
    settings, proxies, remote, forwarded, expected
):
    """Entries left of the trusted proxies' own come from the client and may be forged."""
    settings.KIPINA_TRUSTED_PROXY_COUNT = proxies

    assert client_address(request(remote, forwarded)) == expected


# --- Counting -----------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    settings.KIPINA_AUTH_FAILURES_PER_ACCOUNT = 10
    settings.KIPINA_AUTH_FAILURES_PER_ADDRESS = 100
    settings.KIPINA_AUTH_FAILURE_WINDOW_SECONDS = 900


def an_address() -> str:
    # Counts outlive a test in CI's Redis: each test guesses from addresses of its own.
    return f"192.0.2.{secrets.randbelow(254) + 1}-{secrets.token_hex(4)}"


def at_once(attempts: int, attempt: Callable[[], None]) -> None:
    start = threading.Barrier(attempts)

    def run() -> None:
        start.wait()
        attempt()

    threads = [threading.Thread(target=run) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_passwords_guessed_all_at_once_get_no_more_checks_than_the_limit(limits):
    """A password attempt is counted before its (slow) check, atomically in the cache: of 40
    concurrent guesses at one account from one address, exactly 10 are checked."""
    address = an_address()
    checked: list[bool] = []

    def guess() -> None:
        attempt = attempt_start(scope="login", account="aino", address=address, count_first=True)
        checked.append(attempt.retry_after is None)

    at_once(40, guess)

    assert checked.count(True) == 10
    assert attempt_start(scope="login", account="aino", address=address).retry_after


def test_an_lms_checking_its_right_secret_in_many_processes_at_once_is_not_refused(limits):
    """An LRS secret is counted only when wrong: 40 checks of the right one at once (a deploy
    of many processes) all go through, and leave no count behind."""
    address = an_address()
    checked: list[bool] = []

    def check() -> None:
        attempt = attempt_start(scope="xapi", account="moodle", address=address)
        checked.append(attempt.retry_after is None)
        attempt_succeeded(attempt)

    at_once(40, check)

    assert checked.count(True) == 40
    after = attempt_start(scope="xapi", account="moodle", address=address)
    assert (after.account_failures, after.address_failures) == (0, 0)


def test_a_right_password_takes_its_attempt_back_from_the_address(limits, settings):
    settings.KIPINA_AUTH_FAILURES_PER_ADDRESS = 3
    address = an_address()
    for _ in range(2):  # wrong: counted first, never taken back
        attempt_start(scope="login", account="guessed", address=address, count_first=True)
    for _ in range(5):
        right = attempt_start(scope="login", account="aino", address=address, count_first=True)
        attempt_succeeded(right)

    third = attempt_start(scope="login", account="guessed", address=address, count_first=True)
    assert third.retry_after is None  # two failures counted, not seven attempts
    assert attempt_start(scope="login", account="other", address=address).retry_after


def test_attempts_refused_for_the_limit_do_not_count_against_the_address(limits, settings):
    settings.KIPINA_AUTH_FAILURES_PER_ACCOUNT = 2
    settings.KIPINA_AUTH_FAILURES_PER_ADDRESS = 5
    address = an_address()
    for _ in range(2):
        attempt_start(scope="login", account="forgetful", address=address, count_first=True)
    refused = [
        attempt_start(scope="login", account="forgetful", address=address, count_first=True)
        for _ in range(9)
    ]

    assert all(attempt.retry_after for attempt in refused)
    colleague = attempt_start(scope="login", account="colleague", address=address, count_first=True)
    assert colleague.retry_after is None


def test_a_check_that_could_not_be_made_is_taken_back(limits):
    address = an_address()
    for _ in range(12):
        attempt_withdrawn(
            attempt_start(scope="login", account="aino", address=address, count_first=True)
        )

    assert attempt_start(scope="login", account="aino", address=address).retry_after is None


def test_a_cache_failing_between_the_two_counts_leaves_neither(limits, monkeypatch):
    address = an_address()
    increment = ratelimit._increment

    def address_count_fails(key: str) -> int:
        if "address" in key:
            raise ConnectionError("the cache went away")
        return increment(key)

    monkeypatch.setattr(ratelimit, "_increment", address_count_fails)
    attempt = attempt_start(scope="login", account="aino", address=address, count_first=True)
    monkeypatch.undo()

    assert (attempt.retry_after, attempt.counted) == (None, False)
    after = attempt_start(scope="login", account="aino", address=address)
    assert (after.account_failures, after.address_failures) == (0, 0)
