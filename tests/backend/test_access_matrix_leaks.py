"""The leaks the access matrix (test_access_matrix.py) found, each shown on its own, small.

A network_admin role held anywhere but in the network organisation grants nothing: the
network room's viewer_of_user and the dashboards count it only there (role_grant refuses
it elsewhere, but older imports and hand edits in the admin can leave such a row)."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from engagement.events import services as events
from engagement.events.models import Event, Registration
from engagement.network.models import Organisation, Person, Role
from tests.factories import OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _signed_in(person: Person) -> Client:
    person.user = UserFactory.create()
    person.save(update_fields=["user"])
    client = Client()
    client.force_login(person.user)
    return client


def _started_event_with(learner: Person, organiser: Organisation) -> Event:
    now = timezone.now()
    event = events.event_create(
        organiser=organiser,
        kind=Event.Kind.WORKSHOP,
        title_en="Cell assembly workshop",
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
        place="Kuopio",
    )
    events.registration_create(event=event, person=learner, now=now)
    Event.objects.filter(pk=event.pk).update(starts_at=now - dt.timedelta(hours=1))
    return event


@pytest.mark.parametrize(
    ("held_at", "status", "marked"),
    [
        (("sedu", "vocational"), 403, False),  # a network_admin role at another provider
        (("network", "network"), 200, True),  # the same role in the network organisation
    ],
)
def test_only_a_network_admin_in_the_network_marks_attendance_elsewhere(
    held_at: tuple[str, str], status: int, marked: bool
) -> None:
    savonia = OrganisationFactory.create(slug="savonia", kind="uas")
    learner = PersonFactory.create()
    event = _started_event_with(learner, savonia)
    admin = PersonFactory.create()
    slug, kind = held_at
    organisation = OrganisationFactory.create(slug=slug, kind=kind)
    Role.objects.create(person=admin, organisation=organisation, kind=Role.Kind.NETWORK_ADMIN)

    response = _signed_in(admin).post(
        f"/api/events/{event.uuid}/attendance/",
        json.dumps({"person": learner.pk}),
        content_type="application/json",
    )

    assert response.status_code == status
    assert (Registration.objects.get(event=event, person=learner).attended_at is not None) is marked
