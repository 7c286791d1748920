"""A 429's Retry-After is about the SendGrid account, not the refused message: until it has
passed no e-mail is handed to the provider, and the waiting ones spend no attempt."""

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.test import override_settings

from notifications.models import Notification
from notifications.services import email_pause, email_paused_until, notification_deliver
from notifications.tasks import notifications_deliver
from tests.notifications.conftest import NOON, nudge

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]

Status = Notification.Status


def test_it_holds_every_email_until_the_retry_after_has_passed(sendgrid, aino, mikko, settings):
    settings.KIPINA_NOTIFY_BACKOFF_SECONDS = 1
    sendgrid.retry_after = "30"
    sendgrid.answer(429)
    refused, waiting = nudge(aino), nudge(mikko)

    with time_machine.travel(NOON, tick=False):
        notifications_deliver([refused.pk])
        assert email_paused_until(now=NOON) == NOON + dt.timedelta(seconds=30)
        notification_deliver(notification_id=waiting.pk, now=NOON)

    waiting.refresh_from_db()
    assert len(sendgrid.received) == 1
    assert (waiting.status, waiting.attempts) == (Status.PENDING, 0)
    assert waiting.not_before == NOON + dt.timedelta(seconds=30)
    assert waiting.reason.startswith("waiting: the provider asked us to wait until ")
    assert not waiting.delivery_attempts.exists()


def test_it_sends_again_once_the_pause_is_over(sendgrid, aino, mikko):
    sendgrid.retry_after = "30"
    sendgrid.answer(429)
    refused, waiting = nudge(aino), nudge(mikko)
    later = NOON + dt.timedelta(seconds=31)

    with time_machine.travel(NOON, tick=False):
        notifications_deliver([refused.pk, waiting.pk])
    with time_machine.travel(later, tick=False):
        assert email_paused_until(now=later) is None
        notifications_deliver([waiting.pk])

    waiting.refresh_from_db()
    assert waiting.status == Status.SENT
    assert [r.kipina_id for r in sendgrid.received] == [
        refused.idempotency_key,
        waiting.idempotency_key,
    ]


def test_a_shorter_retry_after_does_not_cut_a_longer_pause(sendgrid, aino):
    sendgrid.answer(429, 429)
    notification = nudge(aino)
    sendgrid.retry_after = "60"
    with time_machine.travel(NOON, tick=False):
        notification_deliver(notification_id=notification.pk, now=NOON)
        # Another worker, refused at the same moment with a shorter wait, sets its pause.
        email_pause(until=NOON + dt.timedelta(seconds=5), now=NOON)

        assert email_paused_until(now=NOON) == NOON + dt.timedelta(seconds=60)


def test_in_app_notifications_do_not_wait_for_the_provider(sendgrid, aino, mikko):
    sendgrid.retry_after = "30"
    sendgrid.answer(429)
    mikko.email = ""
    mikko.save(update_fields=["email"])
    refused, in_app = nudge(aino), nudge(mikko)

    with time_machine.travel(NOON, tick=False):
        notification_deliver(notification_id=refused.pk, now=NOON)
        assert notification_deliver(notification_id=in_app.pk, now=NOON) == Status.SENT


def test_in_app_notifications_behind_waiting_emails_in_a_batch_go_now(sendgrid, aino, mikko):
    """A 429 pauses e-mail; the batch goes on past the e-mails that wait at no cost, so the
    in-app message at its end is not held for later dispatch rounds."""
    sendgrid.retry_after = "30"
    sendgrid.answer(429)
    mikko.email = ""
    mikko.save(update_fields=["email"])
    refused, waiting, in_app = nudge(aino), nudge(aino), nudge(mikko)

    with time_machine.travel(NOON, tick=False):
        notifications_deliver([refused.pk, waiting.pk, in_app.pk])

    in_app.refresh_from_db()
    waiting.refresh_from_db()
    assert in_app.status == Status.SENT
    assert (waiting.status, waiting.attempts) == (Status.PENDING, 0)
    assert len(sendgrid.received) == 1


@pytest.fixture
def cache_down() -> Iterator[None]:
    """The shared cache is Redis in production; nothing listens on port 1. Restored before
    the autouse fixtures that clear the pause run their teardown."""
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable):
        yield


def test_it_sends_while_the_cache_is_down(cache_down, sendgrid, aino):
    notification = nudge(aino)

    with time_machine.travel(NOON, tick=False):
        assert email_paused_until(now=NOON) is None
        notifications_deliver([notification.pk])

    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert [r.kipina_id for r in sendgrid.received] == [notification.idempotency_key]


def test_a_429_while_the_cache_is_down_leaves_the_message_waiting_not_claimed(
    cache_down, sendgrid, aino
):
    sendgrid.retry_after = "30"
    sendgrid.answer(429)
    notification = nudge(aino)

    with time_machine.travel(NOON, tick=False):
        notifications_deliver([notification.pk])

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.not_before is not None
    assert notification.not_before > NOON
