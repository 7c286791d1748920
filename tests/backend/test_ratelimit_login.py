"""Failed log-ins are limited on /accounts/login/ and the admin's login (backend/login.py):
10 per username and address, 100 per address, in 15-minute windows, then refused."""

import datetime as dt
import secrets

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery staple"
WINDOW_START = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def production_limits(settings):
    settings.KIPINA_AUTH_FAILURES_PER_ACCOUNT = 10
    settings.KIPINA_AUTH_FAILURES_PER_ADDRESS = 100
    settings.KIPINA_AUTH_FAILURE_WINDOW_SECONDS = 900


@pytest.fixture
def clock():
    with time_machine.travel(WINDOW_START + dt.timedelta(seconds=100), tick=False) as traveller:
        yield traveller


@pytest.fixture
def aino():
    return get_user_model().objects.create_user("aino", password=PASSWORD, is_staff=True)


def an_address() -> str:
    # Counts outlive a test in CI's Redis: each test logs in from addresses of its own.
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def log_in(address: str, username: str = "aino", password: str = PASSWORD, path: str = LOGIN):
    browser = Client(REMOTE_ADDR=address)
    response = browser.post(path, {"username": username, "password": password})
    return response, browser


def guess(address: str, times: int, username: str = "aino") -> None:
    for _ in range(times):
        assert log_in(address, username, "wrong")[0].status_code in (200, 429)


def is_logged_in(browser: Client) -> bool:
    return "_auth_user_id" in browser.session


def test_the_eleventh_attempt_gets_429_retry_after_and_a_message(aino, clock):
    address = an_address()
    for _ in range(10):
        response, _ = log_in(address, password="wrong")
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content

    response, browser = log_in(address)

    assert response.status_code == 429
    assert response["Retry-After"] == "800"
    assert "Too many failed log-ins from your address. Try again in 14 minutes." in (
        response.content.decode()
    )
    assert b'name="password"' in response.content  # the form is there for later
    assert not is_logged_in(browser)


def test_the_refusal_answers_in_the_asked_language(aino, clock):
    address = an_address()
    guess(address, 10)
    browser = Client(REMOTE_ADDR=address, headers={"Accept-Language": "fi"})

    response = browser.post(LOGIN, {"username": "aino", "password": PASSWORD})

    assert response.status_code == 429
    assert response.headers["Content-Language"] == "fi"
    assert "Liian monta epäonnistunutta kirjautumista" in response.content.decode()


def test_another_person_on_the_same_address_still_logs_in(aino, clock):
    get_user_model().objects.create_user("eero", password=PASSWORD)
    address = an_address()
    guess(address, 20)

    response, browser = log_in(address, username="eero")

    assert response.status_code == 302
    assert is_logged_in(browser)


def test_the_hammered_account_logs_in_from_another_address(aino, clock):
    guess(an_address(), 20)

    response, browser = log_in(an_address())

    assert response.status_code == 302
    assert is_logged_in(browser)


def test_the_limit_lifts_when_the_window_ends(aino, clock):
    address = an_address()
    guess(address, 10)
    clock.shift(dt.timedelta(seconds=800))

    response, browser = log_in(address)

    assert response.status_code == 302
    assert is_logged_in(browser)


def test_the_address_limit_catches_guesses_spread_over_usernames(aino, clock):
    address = an_address()
    for number in range(100):
        guess(address, 1, username=f"user{number}")

    assert log_in(address)[0].status_code == 429


def test_a_log_in_forgets_the_failures_before_it(aino, clock):
    address = an_address()
    guess(address, 9)
    assert log_in(address)[0].status_code == 302

    guess(address, 9)

    assert log_in(address)[0].status_code == 302


def test_usernames_differing_in_case_share_a_count(aino, clock):
    address = an_address()
    guess(address, 5, username="AINO")
    guess(address, 5, username="aino")

    assert log_in(address)[0].status_code == 429


def test_the_admin_login_refuses_the_right_password_past_the_limit(aino, clock):
    address = an_address()
    guess(address, 10)

    response, browser = log_in(address, path="/admin/login/")

    assert response.status_code == 200
    assert not is_logged_in(browser)


def test_failures_on_the_admin_login_count_too(aino, clock):
    address = an_address()
    for _ in range(10):
        log_in(address, password="wrong", path="/admin/login/")

    assert log_in(address)[0].status_code == 429


def test_log_ins_whose_check_failed_do_not_count(aino, clock, monkeypatch):
    """Each attempt is counted before the password check; when the check itself fails (the
    database went away), the attempt is taken back, so the outage locks no one out after."""
    address = an_address()

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(ModelBackend, "authenticate", database_gone)
    for _ in range(12):
        browser = Client(REMOTE_ADDR=address, raise_request_exception=False)
        response = browser.post(LOGIN, {"username": "aino", "password": PASSWORD})
        assert response.status_code >= 500
    monkeypatch.undo()

    response, browser = log_in(address)
    assert response.status_code == 302
    assert is_logged_in(browser)
