"""Our sends against a loopback stand-in for SendGrid's v3 mail/send API: the payload's shape,
and what each answer does (202 sent; 429, 5xx and timeouts retried with backoff up to a
limit; other 4xx failed with the reason). Every attempt is recorded."""

import datetime as dt
import json

import pytest
import time_machine

from notifications.models import DeliveryAttempt, Notification
from notifications.services import notification_deliver
from tests.notifications.conftest import NOON, TIMEOUT, nudge

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]

Status = Notification.Status


def deliver(notification: Notification, now: dt.datetime = NOON) -> Notification:
    with time_machine.travel(now, tick=False):
        notification_deliver(notification_id=notification.pk, now=now)
    notification.refresh_from_db()
    return notification


def test_the_payload_has_the_v3_shape_our_id_a_category_and_one_click_unsubscribe(sendgrid, aino):
    sent = deliver(nudge(aino, key="decision:41"))

    assert sent.status == Status.SENT
    [request] = sendgrid.received
    assert request.problems == []
    payload = request.payload
    assert payload["personalizations"][0]["to"] == [{"email": "aino@example.fi"}]
    assert payload["from"] == {"email": "noreply@kipina.example", "name": "Kipinä"}
    assert payload["subject"] == "Aino, seuraava opiskeluaskeleesi"
    text, html = payload["content"]
    assert "Hei Aino," in text["value"]
    assert html["value"].startswith("<!DOCTYPE html>")
    assert "Hei Aino," in html["value"]
    assert payload["custom_args"]["kipina_id"] == "decision:41"
    assert payload["categories"] == ["study_reminders"]
    unsubscribe = payload["headers"]["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://kipina.example/notifications/unsubscribe/")
    assert unsubscribe.endswith("/>")
    assert payload["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert request.headers["Authorization"] == "Bearer SG.loopback-test-key"
    attempt = sent.delivery_attempts.get()
    assert (attempt.outcome, attempt.status_code, attempt.error) == ("sent", 202, "")


@pytest.mark.parametrize("answer", [429, 500, 503, TIMEOUT])
def test_transient_failures_are_retried_after_a_backoff(sendgrid, aino, settings, answer):
    settings.KIPINA_NOTIFY_BACKOFF_SECONDS = 60
    sendgrid.answer(answer)

    waiting = deliver(nudge(aino))

    assert waiting.status == Status.PENDING
    assert waiting.reason.startswith("retrying: ")
    assert NOON + dt.timedelta(seconds=30) <= waiting.not_before <= NOON + dt.timedelta(seconds=60)
    attempt = waiting.delivery_attempts.get()
    assert attempt.outcome == "retry"
    assert attempt.status_code == (None if answer == TIMEOUT else answer)
    if answer == TIMEOUT:
        assert "Timeout" in attempt.error

    sent = deliver(waiting, waiting.not_before)

    assert sent.status == Status.SENT
    assert [a.outcome for a in sent.delivery_attempts.all()] == ["retry", "sent"]
    assert len(sendgrid.received) == 2


def test_the_waits_grow_and_it_fails_after_the_last_attempt(sendgrid, aino, settings):
    settings.KIPINA_NOTIFY_MAX_ATTEMPTS = 4
    settings.KIPINA_NOTIFY_BACKOFF_SECONDS = 60
    sendgrid.answer(500, 500, 500, 500)
    notification = nudge(aino)
    now, waits = NOON, []

    for _ in range(4):
        notification = deliver(notification, now)
        if notification.status == Status.PENDING:
            waits.append((notification.not_before - now).total_seconds())
            now = notification.not_before

    assert notification.status == Status.FAILED
    assert notification.reason == "gave up after 4 attempts: the provider answered 500"
    # 60, 120, 240 s, each with jitter down to half.
    assert 30 <= waits[0] <= 60
    assert 60 <= waits[1] <= 120
    assert 120 <= waits[2] <= 240
    assert notification.delivery_attempts.count() == 4
    assert len(sendgrid.received) == 4


def test_retry_after_of_a_429_is_respected(sendgrid, aino, settings):
    settings.KIPINA_NOTIFY_BACKOFF_SECONDS = 1
    sendgrid.retry_after = "120"
    sendgrid.answer(429)

    waiting = deliver(nudge(aino))

    assert waiting.not_before == NOON + dt.timedelta(seconds=120)


@pytest.mark.parametrize("retry_after", ["86400", "99999999999999999999"])
def test_a_retry_after_past_the_longest_backoff_waits_only_that(
    sendgrid, aino, settings, retry_after
):
    """A day's wait, or one no timedelta holds, would hold every e-mail or crash the send
    after its attempt was kept: it is cut to KIPINA_NOTIFY_BACKOFF_MAX_SECONDS."""
    settings.KIPINA_NOTIFY_BACKOFF_MAX_SECONDS = 3600
    sendgrid.retry_after = retry_after
    sendgrid.answer(429)

    waiting = deliver(nudge(aino))

    assert waiting.status == Status.PENDING
    assert waiting.not_before == NOON + dt.timedelta(seconds=3600)


@pytest.mark.parametrize("answer", [400, 401, 403, 413])
def test_other_4xx_answers_fail_at_once_with_the_reason(sendgrid, aino, answer):
    sendgrid.answer(answer)

    failed = deliver(nudge(aino))

    assert failed.status == Status.FAILED
    assert failed.reason == f"the provider refused the message ({answer})"
    attempt = failed.delivery_attempts.get()
    assert (attempt.outcome, attempt.status_code) == ("failed", answer)
    assert json.loads(attempt.provider_response) == {
        "errors": [{"message": f"answer {answer}", "field": None}]
    }
    assert notification_deliver(notification_id=failed.pk, now=NOON + dt.timedelta(hours=1)) is None
    assert len(sendgrid.received) == 1


def test_a_retried_send_keeps_its_idempotency_id(sendgrid, aino):
    sendgrid.answer(503)
    waiting = deliver(nudge(aino, key="decision:7"))

    deliver(waiting, waiting.not_before)

    assert [r.payload["custom_args"]["kipina_id"] for r in sendgrid.received] == [
        "decision:7",
        "decision:7",
    ]


def test_an_unreachable_provider_is_a_transient_failure(aino, settings):
    settings.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    settings.ANYMAIL = {
        "SENDGRID_API_KEY": "SG.x",
        "SENDGRID_API_URL": "http://127.0.0.1:9/v3/",  # the discard port: nothing listens
        "REQUESTS_TIMEOUT": 0.5,
    }

    waiting = deliver(nudge(aino))

    assert waiting.status == Status.PENDING
    assert DeliveryAttempt.objects.get().outcome == "retry"
