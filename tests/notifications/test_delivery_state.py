"""Delivery state from SendGrid's events, through the signed webhook as SendGrid calls it: the
events update the notification's delivery record, a `delivered` event turns a send that was
interrupted (failed, outcome unknown) into sent, a bounce or drop after the send is recorded,
and events out of order or repeated never move the state back."""

import datetime as dt
import itertools

import pytest
from django.test import Client

import tests.notifications.test_webhook as webhook
from notifications.models import DeliveryAttempt, Notification, ProviderState
from notifications.services import (
    delivery_state_of,
    notification_claim,
    notification_deliver,
    notifications_recover_stale,
)
from tests.factories import UserFactory
from tests.notifications.conftest import NOON, nudge

pytestmark = pytest.mark.django_db

sendgrid_key = webhook.sendgrid_key  # the signing key, and the clock at NOON
Status = Notification.Status
KEY = "decision:7"


def at(seconds_before_now: int) -> dt.datetime:
    return NOON - dt.timedelta(seconds=seconds_before_now)


def post_events(key, *events: dict) -> None:
    answer = webhook.signed_post(key, webhook.batch(*events))
    assert answer.status_code == 200, answer.content


def event(kind: str, n: int = 1, ago: int = 60, **extra) -> dict:
    """One of SendGrid's events for our notification KEY, `ago` seconds before now."""
    return {**webhook.event(kind, n=n, kipina_id=KEY, **extra), "timestamp": webhook.NOW - ago}


@pytest.fixture
def sent(aino) -> Notification:
    notification = nudge(aino, key=KEY)
    assert notification_deliver(notification_id=notification.pk, now=NOON) == Status.SENT
    return notification


@pytest.fixture
def interrupted(aino, settings) -> Notification:
    """An e-mail whose worker died inside the provider call, recovered as failed."""
    settings.KIPINA_NOTIFY_STALE_CLAIM_SECONDS = 600
    notification = nudge(aino, key=KEY, at=NOON - dt.timedelta(minutes=20))
    notification_claim(notification_id=notification.pk, now=NOON - dt.timedelta(minutes=20))
    DeliveryAttempt.objects.create(
        notification=notification, number=1, channel="email", started_at=at(1200)
    )
    notifications_recover_stale(now=NOON - dt.timedelta(minutes=5))
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    return notification


def test_a_delivered_event_marks_an_interrupted_send_sent(sendgrid_key, interrupted):
    post_events(sendgrid_key, event("processed", ago=1100), event("delivered", ago=1000))

    interrupted.refresh_from_db()
    assert (interrupted.status, interrupted.channel) == (Status.SENT, "email")
    assert interrupted.sent_at == at(1100)
    assert interrupted.reason.startswith("the worker stopped during the send")
    assert interrupted.reason.endswith(
        f"SendGrid reported it delivered at {at(1000).isoformat()}, so it is marked sent."
    )
    assert (interrupted.provider_state, interrupted.delivered_at) == ("delivered", at(1000))


def test_a_delivery_reported_before_the_stale_claim_is_recovered_still_marks_it_sent(
    sendgrid_key, aino, settings
):
    """The worker died inside the provider call, SendGrid's delivered event came while the
    claim was not yet stale, and only then did the recovery run: the e-mail arrived once."""
    settings.KIPINA_NOTIFY_STALE_CLAIM_SECONDS = 600
    notification = nudge(aino, key=KEY, at=NOON - dt.timedelta(minutes=20))
    notification_claim(notification_id=notification.pk, now=NOON - dt.timedelta(minutes=20))
    DeliveryAttempt.objects.create(
        notification=notification, number=1, channel="email", started_at=at(1200)
    )
    post_events(sendgrid_key, event("delivered", ago=1100))
    notification.refresh_from_db()
    assert notification.status == Status.CLAIMED

    notifications_recover_stale(now=NOON + dt.timedelta(minutes=1))

    notification.refresh_from_db()
    assert (notification.status, notification.delivered_at) == (Status.SENT, at(1100))
    assert "SendGrid reported it delivered" in notification.reason


def test_the_reason_is_amended_once_however_often_delivery_is_reported(sendgrid_key, interrupted):
    post_events(sendgrid_key, event("delivered", n=1, ago=1000))
    post_events(sendgrid_key, event("open", n=2, ago=900), event("delivered", n=3, ago=1000))

    interrupted.refresh_from_db()
    assert interrupted.reason.count("SendGrid reported") == 1
    assert interrupted.provider_state == ProviderState.OPENED


def test_an_open_alone_also_shows_the_interrupted_send_arrived(sendgrid_key, interrupted):
    post_events(sendgrid_key, event("open", ago=900))

    interrupted.refresh_from_db()
    assert interrupted.status == Status.SENT
    assert (interrupted.opened_at, interrupted.delivered_at) == (at(900), None)


def test_a_bounce_of_an_interrupted_send_keeps_it_failed_and_records_the_bounce(
    sendgrid_key, interrupted
):
    post_events(sendgrid_key, event("bounce", ago=1000, type="bounce", reason="550 no user"))

    interrupted.refresh_from_db()
    assert interrupted.status == Status.FAILED
    assert (interrupted.provider_state, interrupted.bounced_at) == ("bounced", at(1000))


def test_delivered_opened_clicked_are_recorded_on_a_sent_email(sendgrid_key, sent):
    post_events(
        sendgrid_key,
        event("processed", n=1, ago=50),
        event("delivered", n=2, ago=40),
        event("open", n=3, ago=30),
        event("click", n=4, ago=20, url="https://kipina.example/"),
    )

    sent.refresh_from_db()
    assert (sent.status, sent.reason, sent.sent_at) == (Status.SENT, "", NOON)
    assert sent.provider_state == ProviderState.CLICKED
    assert (sent.delivered_at, sent.opened_at, sent.clicked_at) == (at(40), at(30), at(20))
    assert sent.bounced_at is None


def test_events_out_of_order_never_move_the_state_back(sendgrid_key, sent):
    post_events(sendgrid_key, event("open", n=1, ago=30))
    post_events(sendgrid_key, event("delivered", n=2, ago=40))
    post_events(sendgrid_key, event("processed", n=3, ago=50))
    post_events(sendgrid_key, event("deferred", n=4, ago=45))

    sent.refresh_from_db()
    assert sent.provider_state == ProviderState.OPENED
    assert (sent.delivered_at, sent.opened_at) == (at(40), at(30))


def test_a_repeated_open_keeps_the_first_time(sendgrid_key, sent):
    post_events(sendgrid_key, event("open", n=1, ago=30))
    post_events(sendgrid_key, event("open", n=2, ago=10), event("open", n=3, ago=50))

    sent.refresh_from_db()
    assert sent.opened_at == at(50)


@pytest.mark.parametrize(
    ("ending", "state"),
    [
        (event("bounce", n=9, ago=20, type="bounce", reason="550 mailbox full"), "bounced"),
        (event("dropped", n=9, ago=20, reason="Bounced Address"), "dropped"),
    ],
)
def test_a_bounce_or_drop_after_the_send_is_recorded_and_stays(sendgrid_key, sent, ending, state):
    post_events(sendgrid_key, event("delivered", n=1, ago=40), ending)
    post_events(sendgrid_key, event("open", n=2, ago=10))

    sent.refresh_from_db()
    assert sent.status == Status.SENT  # it was handed over; what happened next is the state
    assert (sent.provider_state, sent.bounced_at) == (state, at(20))
    assert sent.opened_at == at(10)


def test_events_of_other_mail_change_no_notification(sendgrid_key, sent):
    post_events(sendgrid_key, {**event("bounce", type="bounce"), "kipina_id": "elsewhere:1"})

    sent.refresh_from_db()
    assert (sent.provider_state, sent.bounced_at) == ("", None)


def test_a_refused_call_changes_nothing(sendgrid_key, interrupted):
    body = webhook.batch(event("delivered"))
    forged = webhook.post(
        body,
        **{
            "X-Twilio-Email-Event-Webhook-Signature": webhook.sign(
                sendgrid_key, str(webhook.NOW), body + b" "
            ),
            "X-Twilio-Email-Event-Webhook-Timestamp": str(webhook.NOW),
        },
    )

    interrupted.refresh_from_db()
    assert forged.status_code == 403
    assert (interrupted.status, interrupted.provider_state) == (Status.FAILED, "")


EVENTS = [
    ("processed", at(50)),
    ("delivered", at(40)),
    ("open", at(30)),
    ("open", at(35)),
    ("deferred", at(45)),
]


@pytest.mark.parametrize("order", range(120))
def test_the_fold_gives_one_state_for_any_order_and_repeats(order):
    permutation = list(itertools.permutations(EVENTS))[order]

    state = delivery_state_of([*permutation, *permutation[:2]])

    assert state == delivery_state_of(EVENTS)
    assert (state.provider_state, state.opened_at, state.arrived_at) == ("opened", at(35), at(40))


def test_the_admin_shows_the_delivery_state(sendgrid_key, sent):
    post_events(sendgrid_key, event("delivered", ago=40))
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    page = client.get(f"/admin/notifications/notification/{sent.pk}/change/")
    listed = client.get("/admin/notifications/notification/?provider_state=delivered")

    assert page.status_code == 200
    assert b"Provider state" in page.content
    assert b"Delivered" in listed.content
    assert f"/admin/notifications/notification/{sent.pk}/change/".encode() in listed.content
