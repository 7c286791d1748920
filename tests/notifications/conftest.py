"""Fixtures of the delivery tests: people, notifications, and a loopback stand-in for
SendGrid's v3 mail/send API (the only stand-in: everything of ours runs for real)."""

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from engagement.network.models import Person
from notifications import services
from notifications.models import Notification, Topic
from notifications.services import notification_create
from tests.factories import PersonFactory, UserFactory
from tests.sendgrid_loopback import TIMEOUT, FakeSendGrid, sendgrid_v3_problems

# Imported by the tests (TIMEOUT) and tests/e2e (sendgrid_v3_problems) from here.
__all__ = ["TIMEOUT", "FakeSendGrid", "sendgrid_v3_problems"]

# Wednesday 4 March 2026, 12:00 in Helsinki (EET, UTC+2): outside the default quiet hours.
NOON = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _locmem_email(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KIPINA_PUBLIC_URL = "https://kipina.example"


@pytest.fixture(autouse=True)
def _no_provider_pause(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A 429's pause lives in the cache (notifications.services.email_pause), which would
    carry it from one test into the next, and in CI's Redis from one xdist worker into the
    other's test running at the same time: each test gets a pause key of its own."""
    key = f"{services.EMAIL_PAUSE_KEY}:{uuid.uuid4().hex}"
    monkeypatch.setattr(services, "EMAIL_PAUSE_KEY", key)
    yield
    cache.delete(key)


@pytest.fixture
def aino(db: None) -> Person:
    return PersonFactory.create(given_name="Aino", family_name="Virtanen", email="aino@example.fi")


@pytest.fixture
def mikko(db: None) -> Person:
    return PersonFactory.create(
        given_name="Mikko", family_name="Korhonen", email="mikko@example.fi"
    )


_serial = iter(range(1, 1_000_000))


def nudge(
    person: Person,
    *,
    topic: str = Topic.STUDY_REMINDERS,
    at: dt.datetime = NOON,
    key: str | None = None,
) -> Notification:
    """A notification due at `at` (a study reminder unless told)."""
    return notification_create(
        person=person,
        topic=topic,
        template="come_back",
        idempotency_key=key or f"test:{next(_serial)}",
        not_before=at,
    )


def signed_in(person: Person) -> Client:
    """A test client logged in as `person` (given a user account first)."""
    person.user = UserFactory.create()
    person.save()
    client = Client()
    client.force_login(person.user)
    return client
