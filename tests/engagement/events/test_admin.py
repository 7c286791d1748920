"""The admin screens of events: the lists open, an event added there gets its activity IRI,
and the invitation action queues the invitations of published events."""

from functools import partial

import pytest
from django.test import Client

from engagement.events.models import Event
from engagement.events.services import registration_create
from engagement.events.tasks import events_invite
from tests.engagement.events.conftest import NOON, make_event, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.fi", "x"))
    return client


def test_the_lists_open(admin_client, event):
    registration_create(event=event, person=person("Anna"), now=NOON)

    assert admin_client.get("/admin/events/event/").status_code == 200
    assert admin_client.get(f"/admin/events/event/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/events/registration/").status_code == 200


def test_an_event_added_in_the_admin_gets_its_activity_iri(admin_client, net):
    response = admin_client.post(
        "/admin/events/event/add/",
        {
            "title_en": "Recycling seminar",
            "organiser": net.provider.pk,
            "kind": "seminar",
            "starts_at_0": "2026-04-01",
            "starts_at_1": "10:00:00",
            "ends_at_0": "2026-04-01",
            "ends_at_1": "12:00:00",
            "time_zone": "Europe/Helsinki",
            "place": "Vaasa",
            "audience": "open",
            "is_published": "on",
            "registrations-TOTAL_FORMS": "0",
            "registrations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get(title_en="Recycling seminar")
    assert event.activity_iri == f"https://kipina.example/events/{event.uuid}"


def test_the_invitation_action_queues_the_published_events_invitations(
    admin_client, net, event, django_capture_on_commit_callbacks
):
    draft = make_event(net, title_en="Draft", is_published=False)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            "/admin/events/event/",
            {"action": "send_invitations", "_selected_action": [event.pk, draft.pk]},
        )

    assert response.status_code == 302
    queued = [c for c in callbacks if isinstance(c, partial) and c.func == events_invite.delay]
    assert [c.args for c in queued] == [(event.pk,)]
