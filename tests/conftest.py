"""Shared fixtures. Real services are used when their URL is set; with
KIPINA_REQUIRE_SERVICES=1 (CI) a test that needs a missing service fails instead of skipping."""

import base64
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from engagement.network.models import Organisation
from learning_records.models import LrsClient
from learning_records.services import lrs_client_create
from tests.sendgrid_loopback import FakeSendGrid

REQUIRE_SERVICES = os.environ.get("KIPINA_REQUIRE_SERVICES", "") in {"1", "true", "yes"}
XAPI_VERSION = "1.0.3"


def need_service(name: str, url_variable: str) -> str:
    """The URL of a service a test needs: skip without it, or fail when CI requires it."""
    url = os.environ.get(url_variable, "")
    if not url:
        message = f"{name} is needed: set {url_variable}"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (KIPINA_REQUIRE_SERVICES=1 makes this a failure)")
        pytest.skip(message)
    return url


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 at its production cost makes every made client take 0.5 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_failed_authentication_limit(settings: Any) -> None:
    # The failure counts live in the cache, which outlives a test (under CI it is Redis,
    # shared by the workers), and many tests send wrong credentials on purpose. The tests of
    # the limits (test_ratelimit*.py, test_auth_rate_limit.py) set the limits they test.
    settings.KIPINA_AUTH_FAILURES_PER_ACCOUNT = 1_000_000
    settings.KIPINA_AUTH_FAILURES_PER_ADDRESS = 1_000_000


@pytest.fixture
def organisation(db: None) -> Organisation:
    return Organisation.objects.create(slug="savonia", name_en="Savonia UAS", kind="uas")


@pytest.fixture
def other_organisation(db: None) -> Organisation:
    return Organisation.objects.create(slug="valmet", name_en="Valmet Automotive", kind="company")


class XapiClient:
    """A test client that speaks xAPI: Basic credentials and the version header on each call."""

    def __init__(self, key: str, secret: str, version: str = XAPI_VERSION) -> None:
        self.http = Client()
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": version,
        }

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {**self.headers, **(extra or {})}

    def get(
        self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        return self.http.get(path, params or {}, headers=self._headers(headers))

    def post(
        self,
        path: str,
        body: Any,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.http.post(path, data, content_type=content_type, headers=self._headers(headers))

    def put(
        self,
        path: str,
        body: Any,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.http.put(path, data, content_type=content_type, headers=self._headers(headers))


def make_lrs_client(
    organisation: Organisation, key: str, **kwargs: Any
) -> tuple[LrsClient, XapiClient]:
    client, secret = lrs_client_create(
        organisation=organisation, name=f"LMS {key}", key=key, **kwargs
    )
    return client, XapiClient(key, secret)


@pytest.fixture
def lrs(organisation: Organisation) -> XapiClient:
    """An xAPI client of `organisation` with every scope."""
    return make_lrs_client(organisation, "moodle-savonia")[1]


@pytest.fixture
def other_lrs(other_organisation: Organisation) -> XapiClient:
    """An xAPI client of another tenant."""
    return make_lrs_client(other_organisation, "valmet-lms")[1]


@pytest.fixture
def lrs_2_0(organisation: Organisation) -> XapiClient:
    _, client = make_lrs_client(organisation, "cmi5-player")
    client.headers["X-Experience-API-Version"] = "2.0.0"
    return client


@pytest.fixture
def sendgrid(settings: Any) -> Iterator[FakeSendGrid]:
    """SendGrid's v3 API on 127.0.0.1 (tests/sendgrid_loopback.py), and anymail's SendGrid
    backend pointed at it: the only stand-in in the suite (SendGrid cannot be reached)."""
    fake = FakeSendGrid().start()
    settings.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    settings.ANYMAIL = {
        "SENDGRID_API_KEY": "SG.loopback-test-key",
        "SENDGRID_API_URL": fake.url,
        "REQUESTS_TIMEOUT": 0.5,
    }
    yield fake
    fake.close()


@pytest.fixture
def tasks_in_process(settings: Any) -> Any:
    """Fanned-out tasks run in this process, so the test sees what they did. With a real
    broker (CI sets REDIS_URL) `.delay` would queue them for a worker the test has not got.
    Celery reads CELERY_TASK_ALWAYS_EAGER from Django's settings on each use; a value set on
    `app.conf.task_always_eager` does not stick (Celery 5.6)."""
    from backend.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert app.conf.task_always_eager
    return settings
