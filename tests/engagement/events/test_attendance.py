"""Attendance: who may mark it, the xAPI "attended" statement in the organiser's tenant (read
back through /xapi/statements), deterministic statement ids, and a milestone that lists the
event completed by the projector."""

import base64
import datetime as dt
import json

import pytest
from django.test import Client

from engagement.events.models import Registration
from engagement.events.services import (
    ATTENDED_VERB,
    MEETING_TYPE,
    REGISTERED_VERB,
    EventError,
    NotAllowed,
    attendance_mark,
    registration_create,
    statement_id,
)
from engagement.network.models import Role
from engagement.progress.models import MilestoneProgress
from engagement.progress.services import progress_project
from learning_records.models import Statement
from learning_records.services import lrs_client_create
from tests.engagement.builders import add_activity
from tests.engagement.events.conftest import NOON, make_event, person
from tests.factories import OrganisationFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db
DURING = NOON + dt.timedelta(days=7, hours=1)


def organiser_staff(net):
    teacher = person("Tiina")
    teacher.user = UserFactory.create()
    teacher.save(update_fields=["user"])
    RoleFactory.create(person=teacher, organisation=net.provider, kind=Role.Kind.TEACHER)
    return teacher.user


@pytest.fixture
def seat(net, event):
    return registration_create(event=event, person=net.learner, now=NOON)


def test_the_organisers_staff_marks_attendance(net, event, seat):
    marked = attendance_mark(
        event=event, person=net.learner, marked_by=organiser_staff(net), now=DURING
    )

    assert marked.attended_at == DURING
    assert marked.attendance_marked_by is not None
    assert marked.attendance_marked_by.given_name == "Tiina"


def test_staff_of_another_organisation_may_not_mark_attendance(net, event, seat):
    outsider = person("Olli")
    outsider.user = UserFactory.create()
    outsider.save(update_fields=["user"])
    RoleFactory.create(
        person=outsider, organisation=OrganisationFactory.create(), kind=Role.Kind.TEACHER
    )

    with pytest.raises(NotAllowed):
        attendance_mark(event=event, person=net.learner, marked_by=outsider.user, now=DURING)

    assert Registration.objects.get(pk=seat.pk).attended_at is None


def test_a_learner_of_the_organiser_may_not_mark_attendance(net, event, seat):
    learner = person("Lauri")
    learner.user = UserFactory.create()
    learner.save(update_fields=["user"])
    RoleFactory.create(person=learner, organisation=net.provider, kind=Role.Kind.LEARNER)

    with pytest.raises(NotAllowed):
        attendance_mark(event=event, person=net.learner, marked_by=learner.user, now=DURING)


def test_attendance_cannot_be_marked_before_the_event_starts(net, event, seat):
    with pytest.raises(EventError):
        attendance_mark(event=event, person=net.learner, marked_by=organiser_staff(net), now=NOON)


def test_attendance_needs_a_registration(net, event):
    with pytest.raises(EventError):
        attendance_mark(event=event, person=net.learner, marked_by=organiser_staff(net), now=DURING)


def test_marking_twice_keeps_the_first_time_and_stores_one_statement(net, event, seat):
    staff = organiser_staff(net)
    attendance_mark(event=event, person=net.learner, marked_by=staff, now=DURING)

    again = attendance_mark(
        event=event, person=net.learner, marked_by=staff, now=DURING + dt.timedelta(hours=1)
    )

    assert again.attended_at == DURING
    assert Statement.objects.filter(verb_iri=ATTENDED_VERB).count() == 1


def test_statement_ids_are_derived_from_event_person_and_verb(net, event, seat):
    attendance_mark(event=event, person=net.learner, marked_by=organiser_staff(net), now=DURING)

    stored = {str(s.statement_id) for s in Statement.objects.all()}

    assert stored == {
        statement_id(event=event, person=net.learner, verb=REGISTERED_VERB),
        statement_id(event=event, person=net.learner, verb=ATTENDED_VERB),
    }


def test_the_attended_statement_is_read_back_through_the_xapi_api(net, event, seat):
    attendance_mark(event=event, person=net.learner, marked_by=organiser_staff(net), now=DURING)
    _, secret = lrs_client_create(organisation=net.provider, name="Reader", key="reader")
    token = base64.b64encode(f"reader:{secret}".encode()).decode()

    response = Client().get(
        "/xapi/statements",
        {"verb": ATTENDED_VERB, "agent": json.dumps({"mbox": "mailto:aino@example.fi"})},
        headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"},
    )

    assert response.status_code == 200
    [statement] = response.json()["statements"]
    assert statement["object"]["id"] == event.activity_iri
    assert statement["object"]["definition"]["type"] == MEETING_TYPE
    assert statement["object"]["definition"]["name"]["fi"] == "Akkuturvallisuuspäivä"
    assert statement["timestamp"].startswith("2026-03-11T11:00:00")


def test_a_person_without_identity_is_the_actor_by_e_mail(net, event):
    anna = person("Anna")
    registration_create(event=event, person=anna, now=NOON)

    attendance_mark(event=event, person=anna, marked_by=organiser_staff(net), now=DURING)

    actors = {json.dumps(s.payload["actor"], sort_keys=True) for s in Statement.objects.all()}
    assert actors == {json.dumps({"mbox": "mailto:anna@example.fi", "objectType": "Agent"})}


def test_attendance_at_an_event_a_milestone_lists_completes_it(net):
    event = make_event(
        net,
        starts_at=dt.datetime(2026, 2, 3, 9, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.UTC),
    )
    add_activity(net.safety, event.activity_iri, [ATTENDED_VERB])
    net.safety.activities.exclude(activity_iri=event.activity_iri).delete()
    Registration.objects.create(
        event=event, person=net.learner, status=Registration.Status.REGISTERED, requested_at=NOON
    )
    attendance_mark(event=event, person=net.learner, marked_by=organiser_staff(net), now=NOON)

    progress_project()

    progress = MilestoneProgress.objects.get(enrolment=net.enrolment, milestone=net.safety)
    assert progress.completed_at is not None
