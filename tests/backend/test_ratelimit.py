"""Failed-authentication counting (backend.ratelimit): the client address it counts against,
and counts that hold under concurrent attempts."""

import secrets
import threading

import pytest
from django.test import RequestFactory

from backend.ratelimit import attempt_start, attempt_succeeded, client_address


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


def test_guesses_sent_all_at_once_get_no_more_checks_than_the_limit(limits):
    """Each attempt is counted before its (slow) check, atomically in the cache: of 40
    concurrent guesses at one key from one address, exactly 10 are let through."""
    address, start = an_address(), threading.Barrier(40)
    let_through: list[bool] = []

    def guess() -> None:
        start.wait()
        attempt = attempt_start(scope="test", account="moodle", address=address)
        let_through.append(attempt.retry_after is None)

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert let_through.count(True) == 10
    assert attempt_start(scope="test", account="moodle", address=address).retry_after


def test_a_success_takes_its_attempt_back_from_the_address(limits, settings):
    settings.KIPINA_AUTH_FAILURES_PER_ADDRESS = 3
    address = an_address()
    for _ in range(2):
        attempt_start(scope="test", account="guessed", address=address)  # failed
    for _ in range(5):
        attempt_succeeded(attempt_start(scope="test", account="moodle", address=address))

    third = attempt_start(scope="test", account="guessed", address=address)
    assert third.retry_after is None  # two failures counted, not seven attempts
    assert attempt_start(scope="test", account="other", address=address).retry_after


def test_attempts_refused_for_the_limit_do_not_count_against_the_address(limits, settings):
    settings.KIPINA_AUTH_FAILURES_PER_ACCOUNT = 2
    settings.KIPINA_AUTH_FAILURES_PER_ADDRESS = 5
    address = an_address()
    for _ in range(2):
        attempt_start(scope="test", account="forgetful", address=address)
    refused = [attempt_start(scope="test", account="forgetful", address=address) for _ in range(9)]

    assert all(attempt.retry_after for attempt in refused)
    assert attempt_start(scope="test", account="colleague", address=address).retry_after is None
