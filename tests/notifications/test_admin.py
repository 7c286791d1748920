"""Admin screens: preferences editable, notifications and their attempts read-only."""

import pytest
from django.test import Client

from notifications.models import Preference
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
