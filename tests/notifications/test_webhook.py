"""SendGrid's Event Webhook: only calls signed with SendGrid's key (ECDSA P-256 over timestamp
+ body), fresh and not seen before, are accepted; each event is kept once, and a bounce, spam
report or unsubscribe stops e-mail to the address. A real key pair is made here and calls are
signed the way SendGrid signs them."""

import base64
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from django.core import mail
from django.test import Client, override_settings

from notifications.models import EmailEvent, Notification, Suppression, Topic
from notifications.services import notification_deliver
from tests.notifications.conftest import NOON, nudge

pytestmark = pytest.mark.django_db

URL = "/notifications/sendgrid/events/"
NOW = int(NOON.timestamp())
Status = Notification.Status


@pytest.fixture
def sendgrid_key() -> Iterator[ec.EllipticCurvePrivateKey]:
    """SendGrid's signing key; its public half configured as SendGrid's settings page shows it
    (base64 DER SubjectPublicKeyInfo). The clock stands at NOON."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with (
        override_settings(SENDGRID_WEBHOOK_PUBLIC_KEY=base64.b64encode(public).decode()),
        time_machine.travel(NOON, tick=False),
    ):
        yield key


def sign(key: ec.EllipticCurvePrivateKey, timestamp: str, body: bytes) -> str:
    der = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(der).decode()


def post(body: bytes, **headers: str) -> Any:
    """POST as SendGrid does: no cookies, no CSRF token."""
    return Client(enforce_csrf_checks=True).post(
        URL, body, content_type="application/json", headers=headers
    )


def signed_post(key: ec.EllipticCurvePrivateKey, body: bytes, at: int = NOW) -> Any:
    timestamp = str(at)
    return post(
        body,
        **{
            "X-Twilio-Email-Event-Webhook-Signature": sign(key, timestamp, body),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        },
    )


def event(kind: str, *, email: str = "aino@example.fi", n: int = 1, **extra: Any) -> dict:
    return {
        "event": kind,
        "email": email,
        "timestamp": NOW - 60,
        "sg_event_id": f"sg-{kind}-{n}",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        **extra,
    }


def batch(*events: dict) -> bytes:
    return json.dumps(list(events)).encode()


def test_a_signed_batch_is_recorded_once_and_linked_to_its_notification(sendgrid_key, aino):
    notification = nudge(aino, key="decision:41")
    body = batch(
        event("processed", kipina_id="decision:41"),
        event("delivered", kipina_id="decision:41"),
        event("open", kipina_id="decision:41", useragent="Mozilla/5.0"),
        event("delivered", email="someone@example.com", n=2, kipina_id="elsewhere:1"),
    )

    first = signed_post(sendgrid_key, body)
    # SendGrid retries a batch it thinks failed: a new signature, the same events.
    again = signed_post(sendgrid_key, body, at=NOW + 5)

    assert (first.status_code, first.json()) == (200, {"received": 4, "new": 4})
    assert (again.status_code, again.json()) == (200, {"received": 4, "new": 0})
    assert EmailEvent.objects.count() == 4
    linked = notification.email_events.order_by("id")
    assert [e.event for e in linked] == ["processed", "delivered", "open"]
    assert linked[2].payload["useragent"] == "Mozilla/5.0"
    assert linked[2].occurred_at == NOON - dt.timedelta(seconds=60)
    assert EmailEvent.objects.get(kipina_id="elsewhere:1").notification is None


def test_the_same_signed_call_again_is_a_replay(sendgrid_key):
    body = batch(event("delivered"))
    signature = sign(sendgrid_key, str(NOW), body)
    headers = {
        "X-Twilio-Email-Event-Webhook-Signature": signature,
        "X-Twilio-Email-Event-Webhook-Timestamp": str(NOW),
    }

    assert post(body, **headers).status_code == 200
    replayed = post(body, **headers)

    assert replayed.status_code == 403
    assert replayed.json() == {"detail": "this signed call was accepted before (a replay)"}


def test_the_other_form_of_the_same_signature_is_a_replay_too(sendgrid_key):
    """ECDSA signatures are malleable: (r, s) and (r, n - s) both verify. Replays are known by
    what was signed, so the second form gains nothing."""
    body = batch(event("delivered"))
    signature = sign(sendgrid_key, str(NOW), body)
    r, s = decode_dss_signature(base64.b64decode(signature))
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256's n
    other = base64.b64encode(encode_dss_signature(r, order - s)).decode()
    timestamp = {"X-Twilio-Email-Event-Webhook-Timestamp": str(NOW)}

    accepted = post(body, **{"X-Twilio-Email-Event-Webhook-Signature": signature}, **timestamp)
    replayed = post(body, **{"X-Twilio-Email-Event-Webhook-Signature": other}, **timestamp)

    assert accepted.status_code == 200
    assert replayed.status_code == 403


def test_a_signature_by_another_key_is_refused(sendgrid_key):
    body = batch(event("delivered"))

    forged = signed_post(ec.generate_private_key(ec.SECP256R1()), body)

    assert forged.status_code == 403
    assert forged.json() == {"detail": "the signature does not match the body"}
    assert EmailEvent.objects.count() == 0


def test_a_changed_body_is_refused(sendgrid_key):
    body = batch(event("delivered"))
    signature = sign(sendgrid_key, str(NOW), body)

    tampered = post(
        body.replace(b"delivered", b"bounce"),
        **{
            "X-Twilio-Email-Event-Webhook-Signature": signature,
            "X-Twilio-Email-Event-Webhook-Timestamp": str(NOW),
        },
    )

    assert tampered.status_code == 403
    assert tampered.json() == {"detail": "the signature does not match the body"}
    assert Suppression.objects.count() == 0


def test_a_changed_timestamp_is_refused(sendgrid_key):
    body = batch(event("delivered"))

    moved = post(
        body,
        **{
            "X-Twilio-Email-Event-Webhook-Signature": sign(sendgrid_key, str(NOW - 1), body),
            "X-Twilio-Email-Event-Webhook-Timestamp": str(NOW),
        },
    )

    assert moved.status_code == 403


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_a_timestamp_beyond_the_tolerance_is_refused(sendgrid_key, offset):
    refused = signed_post(sendgrid_key, batch(event("delivered")), at=NOW + offset)

    assert refused.status_code == 403
    assert refused.json() == {"detail": "the timestamp is more than 300 s from now"}


@pytest.mark.parametrize("offset", [-300, 300])
def test_a_timestamp_within_the_tolerance_is_accepted(sendgrid_key, offset):
    assert signed_post(sendgrid_key, batch(event("delivered")), at=NOW + offset).status_code == 200


def test_the_tolerance_is_a_setting(sendgrid_key, settings):
    settings.SENDGRID_WEBHOOK_TOLERANCE_SECONDS = 30

    refused = signed_post(sendgrid_key, batch(event("delivered")), at=NOW - 31)

    assert refused.json() == {"detail": "the timestamp is more than 30 s from now"}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "required"),
        ({"X-Twilio-Email-Event-Webhook-Timestamp": str(NOW)}, "required"),
        ({"X-Twilio-Email-Event-Webhook-Signature": "MEUCIQ=="}, "required"),
        (
            {
                "X-Twilio-Email-Event-Webhook-Signature": "not base64!",
                "X-Twilio-Email-Event-Webhook-Timestamp": str(NOW),
            },
            "the signature does not match the body",
        ),
        (
            {
                "X-Twilio-Email-Event-Webhook-Signature": "MEUCIQ==",
                "X-Twilio-Email-Event-Webhook-Timestamp": "2026-03-04T10:00:00Z",
            },
            "X-Twilio-Email-Event-Webhook-Timestamp must be Unix seconds",
        ),
    ],
)
def test_missing_or_malformed_headers_are_refused(sendgrid_key, headers, detail):
    refused = post(batch(event("delivered")), **headers)

    assert refused.status_code == 403
    assert detail in refused.json()["detail"]


def test_without_a_key_nothing_is_accepted(sendgrid_key, settings):
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = ""

    refused = signed_post(sendgrid_key, batch(event("delivered")))
    unsigned = post(batch(event("delivered")))

    assert (refused.status_code, refused.json()) == (503, {"detail": "webhook not configured"})
    assert unsigned.status_code == 503
    assert EmailEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"[{", "events: Invalid JSON"),
        (b"", "events: Invalid JSON"),
        (b'{"event": "delivered"}', "events: Input should be a valid array"),
        (b'["delivered"]', "events[0]: Input should be an object"),
        (batch({"event": "open", "email": "a@b.fi", "timestamp": NOW}), "events[0].sg_event_id"),
        (batch(event("open", timestamp="1772618400")), "events[0].timestamp: Input should be"),
        (batch(event("open"), event("open", n=2, event=5)), "events[1].event: Input should be"),
        (batch(event("open", kipina_id=41)), "events[0].kipina_id: Input should be"),
        (batch(event("open", timestamp=10**20)), "events[0].timestamp: Input should be less"),
        (batch(event("open", timestamp=-1)), "events[0].timestamp: Input should be greater"),
    ],
)
def test_a_signed_body_that_is_not_a_list_of_events_is_a_400(sendgrid_key, body, detail):
    refused = signed_post(sendgrid_key, body)

    assert refused.status_code == 400
    assert refused.json()["detail"].startswith(detail)
    assert EmailEvent.objects.count() == 0


def test_an_oversize_body_is_refused_unread(sendgrid_key, settings):
    settings.SENDGRID_WEBHOOK_MAX_BYTES = 1000
    events = [event("open", n=n) for n in range(20)]

    refused = signed_post(sendgrid_key, batch(*events))
    fits = signed_post(sendgrid_key, batch(*events[:3]))

    assert (refused.status_code, refused.json()) == (413, {"detail": "the body is over 1000 bytes"})
    assert fits.status_code == 200


def test_the_default_limit_is_five_megabytes_not_djangos_upload_cap(sendgrid_key):
    """Django refuses request.body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) with a bare 400;
    the webhook reads the stream itself so that a 3 MB batch is accepted."""
    events = [event("open", n=n, padding="x" * 1000) for n in range(3000)]

    accepted = signed_post(sendgrid_key, batch(*events))

    assert accepted.status_code == 200
    assert EmailEvent.objects.count() == 3000


def test_other_methods_are_not_allowed(sendgrid_key):
    assert Client().get(URL).status_code == 405


def test_unknown_event_types_are_kept_without_error(sendgrid_key):
    accepted = signed_post(sendgrid_key, batch(event("machine_opened")))

    assert accepted.status_code == 200
    assert EmailEvent.objects.get().event == "machine_opened"
    assert Suppression.objects.count() == 0


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (
            event("bounce", type="bounce", reason="550 5.1.1 no such user"),
            "bounce: 550 5.1.1 no such user",
        ),
        (event("dropped", reason="Bounced Address"), "dropped: Bounced Address"),
        (event("dropped", reason="Invalid"), "dropped: Invalid"),
        (event("spamreport"), "spamreport"),
        (event("unsubscribe"), "unsubscribe"),
        (event("group_unsubscribe", asm_group_id=1), "group_unsubscribe"),
        (event("bounce", email="Aino@Example.FI"), "bounce"),
    ],
)
def test_these_events_suppress_the_address(sendgrid_key, sent, reason):
    assert signed_post(sendgrid_key, batch(sent)).status_code == 200

    suppression = Suppression.objects.get()
    assert (suppression.email, suppression.reason) == ("aino@example.fi", reason)


@pytest.mark.parametrize(
    "sent",
    [
        event("bounce", type="blocked", reason="421 try again later"),
        event("dropped", reason="Invalid SMTPAPI header"),
        event("deferred", response="450 mailbox busy"),
        event("delivered"),
        event("open"),
        event("click", url="https://kipina.example/"),
        event("processed"),
    ],
)
def test_these_events_do_not(sendgrid_key, sent):
    assert signed_post(sendgrid_key, batch(sent)).status_code == 200

    assert Suppression.objects.count() == 0


def test_after_a_bounce_no_email_goes_to_the_address_but_in_app_still_does(sendgrid_key, aino):
    notification_deliver(notification_id=nudge(aino, key="decision:1").pk, now=NOON)
    assert len(mail.outbox) == 1
    bounce = event("bounce", kipina_id="decision:1", type="bounce", reason="550 no such user")
    assert signed_post(sendgrid_key, batch(bounce)).status_code == 200

    email = nudge(aino)
    in_app = nudge(aino, topic=Topic.ACHIEVEMENTS)
    notification_deliver(notification_id=email.pk, now=NOON)
    notification_deliver(notification_id=in_app.pk, now=NOON)

    email.refresh_from_db()
    in_app.refresh_from_db()
    assert (email.status, email.channel) == (Status.DROPPED, "email")
    assert email.reason == "the address is suppressed: bounce: 550 no such user"
    assert email.delivery_attempts.count() == 0
    assert len(mail.outbox) == 1
    assert (in_app.status, in_app.channel) == (Status.SENT, "in_app")


def test_removing_the_suppression_lets_email_go_again(sendgrid_key, aino):
    assert signed_post(sendgrid_key, batch(event("spamreport"))).status_code == 200
    Suppression.objects.filter(email="aino@example.fi").delete()

    notification_deliver(notification_id=nudge(aino).pk, now=NOON)

    assert len(mail.outbox) == 1
