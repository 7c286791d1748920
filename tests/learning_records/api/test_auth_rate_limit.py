"""Failed HTTP Basic authentication on the LRS is limited (backend/ratelimit.py): 10 wrong
secrets per client key and address, 100 per address, in 15-minute windows, then 429."""

import base64
import datetime as dt
import secrets
from unittest import mock

import pytest
import time_machine
from django.test import Client

from learning_records.auth import client_authenticate
from learning_records.models import Statement
from learning_records.services import lrs_client_create
from tests.conftest import make_lrs_client
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
# A window starts at 12:00:00 (900 s windows are aligned to the epoch).
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


def an_address() -> str:
    # Counts outlive a test in CI's Redis: each test guesses from addresses of its own.
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


@pytest.fixture
def lms(organisation):
    """The client's secret."""
    return lrs_client_create(organisation=organisation, name="Moodle", key="moodle-savonia")[1]


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def post(authorization: str, address: str, **meta):
    return Client(REMOTE_ADDR=address).post(
        STATEMENTS,
        new_statement(),
        content_type="application/json",
        headers={"Authorization": authorization, "X-Experience-API-Version": "1.0.3"},
        **meta,
    )


def hammer(address: str, times: int, key: str = "moodle-savonia", **meta) -> None:
    """Wrong secrets: refused with 401 up to the limit, with 429 past it."""
    statuses = [post(basic(key, "guess"), address, **meta).status_code for _ in range(times)]
    assert statuses == sorted(statuses)
    assert set(statuses) <= {401, 429}


def test_it_refuses_the_eleventh_wrong_secret_with_429_and_retry_after(lms, clock):
    address = an_address()
    hammer(address, 10)

    response = post(basic("moodle-savonia", "guess"), address)

    assert response.status_code == 429
    assert response["Retry-After"] == "800"
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert "too many failed authentications" in response.json()["message"]


def test_past_the_limit_even_the_right_secret_is_refused_so_guesses_get_no_answer(lms, clock):
    address = an_address()
    hammer(address, 10)

    response = post(basic("moodle-savonia", lms), address)

    assert response.status_code == 429
    assert not Statement.objects.exists()


def test_a_working_lms_is_not_locked_out_by_guesses_from_its_own_address(lms, clock):
    """Someone behind the same NAT guesses at the key: the LMS whose secret this process has
    already checked goes on storing statements (an unchecked secret still waits, above)."""
    address = an_address()
    assert post(basic("moodle-savonia", lms), address).status_code == 200
    hammer(address, 30)

    assert post(basic("moodle-savonia", lms), address).status_code == 200
    assert Statement.objects.count() == 2


def test_the_right_secret_works_from_another_address_while_one_is_hammered(lms, clock):
    hammer(an_address(), 30)

    assert post(basic("moodle-savonia", lms), an_address()).status_code == 200


def test_another_client_on_the_same_address_is_not_kept_out_by_the_account_limit(
    lms, organisation, clock
):
    _, other = make_lrs_client(organisation, "itslearning")
    address = an_address()
    hammer(address, 20)

    response = other.http.post(
        STATEMENTS,
        new_statement(),
        content_type="application/json",
        headers=other.headers,
        REMOTE_ADDR=address,
    )

    assert response.status_code == 200


def test_the_limit_lifts_when_the_window_ends(lms, clock):
    address = an_address()
    hammer(address, 10)
    clock.shift(dt.timedelta(seconds=799))
    assert post(basic("moodle-savonia", lms), address).status_code == 429

    clock.shift(dt.timedelta(seconds=1))

    assert post(basic("moodle-savonia", lms), address).status_code == 200


def test_the_address_limit_catches_a_guesser_who_spreads_over_keys(lms, clock):
    address = an_address()
    for number in range(100):
        hammer(address, 1, key=f"guessed-key-{number}")

    assert post(basic("moodle-savonia", lms), address).status_code == 429
    assert post(basic("moodle-savonia", lms), an_address()).status_code == 200


def test_a_success_forgets_the_accounts_failures_from_that_address(lms, clock):
    address = an_address()
    hammer(address, 9)
    assert post(basic("moodle-savonia", lms), address).status_code == 200

    hammer(address, 9)

    assert post(basic("moodle-savonia", lms), address).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer abc", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()],
    ids=["none", "other-scheme", "bad-base64", "no-colon"],
)
def test_requests_without_usable_credentials_guess_nothing_and_are_not_counted(
    lms, clock, authorization
):
    address = an_address()
    for _ in range(15):
        assert post(authorization, address).status_code == 401

    assert post(basic("moodle-savonia", lms), address).status_code == 200


def test_ipv6_addresses_count_by_their_64(lms, clock):
    prefix = f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}"
    for host in range(1, 11):
        hammer(f"{prefix}::{host}", 1)

    assert post(basic("moodle-savonia", lms), f"{prefix}::99").status_code == 429


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(lms, clock):
    address = an_address()
    for _ in range(10):
        hammer(address, 1, HTTP_X_FORWARDED_FOR=an_address())

    response = post(basic("moodle-savonia", lms), address, HTTP_X_FORWARDED_FOR=an_address())

    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(lms, clock, settings):
    settings.KIPINA_TRUSTED_PROXY_COUNT = 1
    balancer, hammered = an_address(), an_address()
    # What the client put in the header itself (left of the proxy's entry) is not trusted.
    hammer(balancer, 10, HTTP_X_FORWARDED_FOR=f"{an_address()}, {hammered}")

    from_hammered = post(basic("moodle-savonia", lms), balancer, HTTP_X_FORWARDED_FOR=hammered)
    from_another = post(basic("moodle-savonia", lms), balancer, HTTP_X_FORWARDED_FOR=an_address())

    assert from_hammered.status_code == 429
    assert from_another.status_code == 200


def test_the_check_adds_no_database_query(lms, django_assert_num_queries):
    with django_assert_num_queries(1):  # the client's row, as before
        client_authenticate(basic("moodle-savonia", lms), address=an_address())


def test_with_the_cache_down_the_lrs_still_authenticates(lms):
    failing = mock.Mock(side_effect=ConnectionError("Redis is down"))
    with (
        mock.patch("backend.ratelimit.cache.get_many", failing),
        mock.patch("backend.ratelimit.cache.add", failing),
    ):
        address = an_address()
        hammer(address, 12)
        assert post(basic("moodle-savonia", lms), address).status_code == 200
