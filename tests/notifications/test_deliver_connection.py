"""A deliver task sends its batch over one connection to the mail backend
(channels.email_connection): with anymail's SendGrid backend, one kept-alive HTTP connection
instead of a TCP connect per message. A transient failure is that message's attempt; the rest
of the batch is left due for the next dispatch without spending an attempt of theirs."""

import socket

import pytest
import time_machine

from notifications.models import DeliveryAttempt, Notification
from notifications.tasks import notifications_deliver
from tests.notifications.conftest import NOON, TIMEOUT, nudge

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]

Status = Notification.Status


def deliver(*notifications: Notification) -> int:
    with time_machine.travel(NOON, tick=False):
        return notifications_deliver([n.pk for n in notifications])


def test_a_batch_goes_out_over_one_connection(sendgrid, aino, mikko):
    handled = deliver(nudge(aino), nudge(mikko), nudge(aino))

    assert handled == 3
    assert [r.problems for r in sendgrid.received] == [[], [], []]
    assert len({r.kipina_id for r in sendgrid.received}) == 3
    assert sendgrid.connections == 1


def test_a_timeout_leaves_the_rest_of_the_batch_due_without_spending_an_attempt(
    sendgrid, aino, mikko
):
    sendgrid.answer(TIMEOUT)
    first, second = nudge(aino), nudge(mikko)

    assert deliver(first, second) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts) == (Status.PENDING, 1)
    assert (second.status, second.attempts, second.delivery_attempts.count()) == (
        Status.PENDING,
        0,
        0,
    )
    assert len(sendgrid.received) == 1
    deliver(second)  # the next dispatch, on a fresh connection
    second.refresh_from_db()
    assert second.status == Status.SENT


def test_a_relay_that_cannot_be_reached_is_a_transient_failure_of_the_first_message_only(
    settings, aino, mikko
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    first, second = nudge(aino), nudge(mikko)

    deliver(first, second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.PENDING
    attempt = first.delivery_attempts.get()
    assert attempt.outcome == DeliveryAttempt.Outcome.RETRY
    assert "ConnectionRefusedError" in attempt.error
    assert (second.status, second.delivery_attempts.count()) == (Status.PENDING, 0)
