"""Admin screens: preferences and suppressions editable, notifications, their attempts and
SendGrid's events read-only."""

import datetime as dt

import pytest
from django.test import Client

from notifications.models import EmailEvent, Preference, Suppression
from notifications.services import notification_deliver
from tests.factories import UserFactory
from tests.notifications.conftest import NOON, nudge

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_a_notification_shows_its_attempts_and_cannot_be_changed(admin_client, aino):
    notification = nudge(aino)
    notification_deliver(notification_id=notification.pk, now=NOON)
    page = f"/admin/notifications/notification/{notification.pk}/change/"

    listed = admin_client.get("/admin/notifications/notification/")
    shown = admin_client.get(page)
    changed = admin_client.post(page, {"status": "pending"})

    assert listed.status_code == 200
    assert shown.status_code == 200
    assert b"Delivery attempts" in shown.content
    assert b"Accepted" in shown.content  # the attempt's outcome
    assert b'name="_save"' not in shown.content
    assert changed.status_code == 403
    assert admin_client.get("/admin/notifications/notification/add/").status_code == 403


def test_preferences_are_edited_in_the_admin(admin_client, aino):
    preference = Preference.objects.create(person=aino)

    listed = admin_client.get("/admin/notifications/preference/")
    shown = admin_client.get(f"/admin/notifications/preference/{preference.pk}/change/")

    assert listed.status_code == 200
    assert b'name="_save"' in shown.content


def test_opt_outs_are_listed(admin_client):
    assert admin_client.get("/admin/notifications/topicoptout/").status_code == 200


def test_a_suppressed_address_can_be_removed(admin_client):
    suppression = Suppression.objects.create(email="aino@example.fi", reason="bounce")
    page = f"/admin/notifications/suppression/{suppression.pk}/delete/"

    assert admin_client.get("/admin/notifications/suppression/").status_code == 200
    removed = admin_client.post(page, {"post": "yes"})

    assert removed.status_code == 302
    assert not Suppression.objects.exists()


def test_email_events_are_shown_on_their_notification_and_cannot_be_changed(admin_client, aino):
    notification = nudge(aino, key="decision:3")
    sent_event = EmailEvent.objects.create(
        sg_event_id="sg-1",
        event="delivered",
        email="aino@example.fi",
        occurred_at=NOON,
        kipina_id="decision:3",
        notification=notification,
        payload={"event": "delivered"},
        received_at=NOON + dt.timedelta(seconds=5),
    )
    page = f"/admin/notifications/emailevent/{sent_event.pk}/change/"

    shown = admin_client.get(f"/admin/notifications/notification/{notification.pk}/change/")

    assert b"E-mail events" in shown.content
    assert b"sg-1" in shown.content
    assert admin_client.get("/admin/notifications/emailevent/").status_code == 200
    assert b'name="_save"' not in admin_client.get(page).content
    assert admin_client.post(page, {"event": "bounce"}).status_code == 403
    assert admin_client.get("/admin/notifications/emailevent/add/").status_code == 403
    assert admin_client.post(page.replace("change", "delete"), {"post": "yes"}).status_code == 403
