"""Claiming: of two dispatchers, one wins (a conditional UPDATE); claims of dead workers are
recovered without a second e-mail."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection

from notifications.models import DeliveryAttempt, Notification
from notifications.services import (
    notification_claim,
    notification_deliver,
    notifications_recover_stale,
)
from notifications.tasks import notifications_deliver
from tests.notifications.conftest import NOON, nudge

Status = Notification.Status


@pytest.mark.django_db
def test_of_two_claimers_one_wins(aino):
    notification = nudge(aino)

    first = notification_claim(notification_id=notification.pk, now=NOON)
    second = notification_claim(notification_id=notification.pk, now=NOON)

    assert (first, second) == (True, False)


@pytest.mark.django_db
def test_nothing_is_claimed_before_it_is_due(aino):
    notification = nudge(aino, at=NOON + dt.timedelta(minutes=5))

    assert not notification_claim(notification_id=notification.pk, now=NOON)


@pytest.mark.django_db(transaction=True)
def test_concurrent_claimers_in_separate_connections_one_wins(aino):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    notification = nudge(aino)
    start = threading.Barrier(4)
    won: list[bool] = []

    def claim() -> None:
        start.wait()
        try:
            won.append(notification_claim(notification_id=notification.pk, now=NOON))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(won) == [False, False, False, True]


@pytest.mark.django_db
def test_the_deliver_task_twice_sends_once(aino, time_machine):
    # The task takes the clock's time: noon, outside the default quiet hours.
    time_machine.move_to(NOON, tick=False)
    notification = nudge(aino)

    notifications_deliver([notification.pk])
    notifications_deliver([notification.pk])

    assert len(mail.outbox) == 1
    assert DeliveryAttempt.objects.count() == 1


@pytest.mark.django_db
def test_a_claim_dead_before_the_send_is_due_again(aino, settings):
    settings.KIPINA_NOTIFY_STALE_CLAIM_SECONDS = 600
    notification = nudge(aino)
    notification_claim(notification_id=notification.pk, now=NOON)

    early = notifications_recover_stale(now=NOON + dt.timedelta(seconds=599))
    recovered = notifications_recover_stale(now=NOON + dt.timedelta(seconds=601))

    notification.refresh_from_db()
    assert (early, recovered) == (0, 1)
    assert (notification.status, notification.reason) == (
        Status.PENDING,
        "the worker stopped before sending",
    )
    assert notification_deliver(notification_id=notification.pk, now=NOON) == Status.SENT


@pytest.mark.django_db
def test_a_claim_dead_during_the_send_is_failed_not_sent_again(aino, settings):
    settings.KIPINA_NOTIFY_STALE_CLAIM_SECONDS = 600
    notification = nudge(aino)
    notification_claim(notification_id=notification.pk, now=NOON)
    # What a worker killed inside the provider call leaves behind.
    DeliveryAttempt.objects.create(
        notification=notification, number=1, channel="email", started_at=NOON
    )

    notifications_recover_stale(now=NOON + dt.timedelta(minutes=11))

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert "not sent again" in notification.reason
    assert notification_deliver(notification_id=notification.pk, now=NOON) is None
    assert mail.outbox == []
