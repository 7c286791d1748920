"""The events API under /api/events/: the public list and detail, the signed-in person's
registration, attendance marking; and every refusal with a clear 4xx."""

import datetime as dt
import json

import pytest
from django.test import Client

from engagement.events.models import Registration
from engagement.events.services import registration_create
from engagement.network.models import Role
from tests.engagement.events.conftest import NOON, make_event, person, signed_in
from tests.factories import OrganisationFactory, RoleFactory

pytestmark = pytest.mark.django_db
DURING = NOON + dt.timedelta(days=7, hours=1)


def url(event, tail=""):
    return f"/api/events/{event.uuid}/{tail}"


def staff_client(net):
    tiina = person("Tiina")
    RoleFactory.create(person=tiina, organisation=net.provider, kind=Role.Kind.TEACHER)
    return signed_in(tiina)


def test_the_list_is_public_and_filters(net, event):
    make_event(net, title_en="Draft", is_published=False)

    response = Client().get("/api/events/", {"kind": "seminar"})

    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert listed["uuid"] == str(event.uuid)
    assert listed["activity_iri"] == f"https://kipina.example/events/{event.uuid}"
    assert listed["seats_taken"] == 0


@pytest.mark.parametrize(
    ("query", "field"), [({"kind": "party"}, "kind"), ({"audience": 3}, "audience")]
)
def test_the_list_refuses_an_unknown_filter(event, query, field):
    response = Client().get("/api/events/", query)

    assert response.status_code == 400
    assert field in response.json()


def test_the_detail_is_public(event):
    response = Client().get(url(event), HTTP_ACCEPT_LANGUAGE="fi")

    assert response.status_code == 200
    assert response.json()["title"] == "Akkuturvallisuuspäivä"


def test_an_unknown_or_unpublished_event_is_404(net):
    draft = make_event(net, is_published=False)

    assert Client().get(url(draft)).status_code == 404
    assert Client().get("/api/events/not-a-uuid/").status_code == 404


def test_a_signed_in_person_registers_then_cancels(event):
    client = signed_in(person("Anna"))

    created = client.post(url(event, "registration/"))
    again = client.post(url(event, "registration/"))
    cancelled = client.delete(url(event, "registration/"))

    assert (created.status_code, created.json()["status"]) == (201, "registered")
    assert again.status_code == 200
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


def test_a_full_event_answers_waitlisted_with_a_position(net):
    event = make_event(net, capacity=0)

    response = signed_in(person("Anna")).post(url(event, "registration/"))

    assert response.json()["status"] == "waitlisted"
    assert response.json()["position"] == 1


def test_registering_needs_a_login(event):
    response = Client().post(url(event, "registration/"))

    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_a_login_without_a_person_is_refused(event, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user("nobody"))

    response = client.post(url(event, "registration/"))

    assert response.status_code == 403
    assert "no person" in response.json()["detail"]


def test_registering_for_a_started_event_is_a_400_that_says_so(net):
    event = make_event(
        net, starts_at=NOON - dt.timedelta(hours=1), ends_at=NOON + dt.timedelta(hours=1)
    )

    response = signed_in(person("Anna")).post(url(event, "registration/"))

    assert response.status_code == 400
    assert "already started" in response.json()["detail"]


def test_nobody_can_see_or_cancel_another_persons_registration(event):
    anna = person("Anna")
    registration_create(event=event, person=anna, now=NOON)
    ben = signed_in(person("Ben"))

    assert ben.get(url(event, "registration/")).status_code == 404
    assert ben.delete(url(event, "registration/")).status_code == 404
    assert Registration.objects.get(person=anna).status == Registration.Status.REGISTERED


def test_the_organisers_staff_marks_attendance(net, event, time_machine):
    registration_create(event=event, person=net.learner, now=NOON)
    client = staff_client(net)
    time_machine.move_to(DURING, tick=False)

    response = client.post(
        url(event, "attendance/"), {"person": net.learner.pk}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["attended_at"] == "2026-03-11T13:00:00+02:00"  # Helsinki


def test_someone_outside_the_organiser_may_not_mark_attendance(net, event, time_machine):
    registration_create(event=event, person=net.learner, now=NOON)
    olli = person("Olli")
    RoleFactory.create(
        person=olli, organisation=OrganisationFactory.create(), kind=Role.Kind.TEACHER
    )
    time_machine.move_to(DURING, tick=False)

    response = signed_in(olli).post(
        url(event, "attendance/"), {"person": net.learner.pk}, content_type="application/json"
    )

    assert response.status_code == 403
    assert "organiser" in response.json()["detail"]
    assert Registration.objects.get(person=net.learner).attended_at is None


def test_the_registered_learner_may_not_mark_their_own_attendance(net, event, time_machine):
    registration_create(event=event, person=net.learner, now=NOON)
    client = signed_in(net.learner)
    time_machine.move_to(DURING, tick=False)

    response = client.post(
        url(event, "attendance/"), {"person": net.learner.pk}, content_type="application/json"
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "content_type", "code", "words"),
    [
        ("{not json", "application/json", 400, "JSON parse error"),
        ('["a list"]', "application/json", 400, "JSON object"),
        ('{"person": "Aino"}', "application/json", 400, "valid integer"),
        ('{"person": -1}', "application/json", 400, "greater than or equal"),
        ("{}", "application/json", 400, "required"),
        ('{"person": 999999}', "application/json", 400, "No such person"),
        ("person=1", "text/plain", 415, "Unsupported media type"),
    ],
)
def test_attendance_refuses_bad_input(net, event, time_machine, body, content_type, code, words):
    client = staff_client(net)
    time_machine.move_to(DURING, tick=False)

    response = client.post(url(event, "attendance/"), body, content_type=content_type)

    assert response.status_code == code
    assert words in json.dumps(response.json())


def test_attendance_of_someone_without_a_registration_is_a_400(net, event, time_machine):
    client = staff_client(net)
    time_machine.move_to(DURING, tick=False)

    response = client.post(
        url(event, "attendance/"), {"person": net.learner.pk}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "no registration" in response.json()["detail"]


def test_an_oversize_body_is_refused_before_it_is_read(net, event):
    body = json.dumps({"person": 1, "padding": "x" * (32 * 1024)})

    response = staff_client(net).post(
        url(event, "attendance/"), body, content_type="application/json"
    )

    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_malformed_content_length_is_a_400(event):
    response = signed_in(person("Anna")).post(
        url(event, "registration/"), "{}", content_type="application/json", CONTENT_LENGTH="ten"
    )

    assert response.status_code == 400
    assert "Content-Length" in response.json()["detail"]
