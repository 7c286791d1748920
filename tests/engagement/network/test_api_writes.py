"""Administrators change the directory through the API; bad input gets a clear 4xx and
leaves nothing half-written."""

import json

import pytest

from engagement.network.models import (
    Cohort,
    Enrolment,
    Milestone,
    MilestoneActivity,
    Organisation,
    Pathway,
    Role,
    XapiIdentity,
)
from learning_records.models import lookup_hash
from tests.factories import SkillFactory

PASSED = "http://adlnet.gov/expapi/verbs/passed"


@pytest.fixture
def admin(world):
    return world.client("admin")


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_it_creates_a_pathway_with_milestones_and_criteria(world, admin):
    skill = SkillFactory.create(
        uri="http://data.europa.eu/esco/skill/abc-1", label_en="cell chemistry"
    )

    created = post(
        admin,
        "/api/network/pathways/",
        {
            "slug": "recycling",
            "title_en": "Battery recycling",
            "title_fi": "Akkujen kierrätys",
            "eqf_level": 6,
            "effort_hours": 80,
            "languages": ["fi", "en"],
            "skills": [skill.uri],
            "providers": ["savonia", "sedu"],
        },
    )
    milestone = post(
        admin,
        "/api/network/milestones/",
        {
            "pathway": "recycling",
            "position": 1,
            "title_en": "Safety",
            "provider": "sedu",
            "required_count": 1,
        },
    )
    activity = post(
        admin,
        "/api/network/activities/",
        {
            "milestone": milestone.json()["id"],
            "activity_iri": "https://moodle.example.fi/quiz/1",
            "verbs": [PASSED],
            "min_scaled": 0.6,
        },
    )
    read = admin.get("/api/network/pathways/recycling/").json()

    assert created.status_code == 201, created.content
    assert created.json()["providers"] == ["savonia", "sedu"]
    assert milestone.status_code == 201, milestone.content
    assert activity.status_code == 201, activity.content
    stored = MilestoneActivity.objects.get()
    assert stored.activity_hash == lookup_hash("https://moodle.example.fi/quiz/1")
    assert read["milestones"][0]["activities"][0]["min_scaled"] == 0.6


def test_it_changes_a_pathway_in_part(world, admin):
    response = patch(admin, "/api/network/pathways/cells/", {"is_published": False, "skills": []})

    assert response.status_code == 200, response.content
    assert response.json()["is_published"] is False
    assert Pathway.objects.get(slug="cells").is_published is False


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        (
            "/api/network/organisations/",
            {"slug": "x", "name_en": "X", "kind": "company", "business_id": "0112038-8"},
            "business_id",
            "check digit",
        ),
        (
            "/api/network/organisations/",
            {"slug": "x", "name_en": "X", "kind": "club"},
            "kind",
            "not a valid choice",
        ),
        (
            "/api/network/organisations/",
            {"slug": "savonia", "name_en": "Again", "kind": "uas"},
            "slug",
            "already exists",
        ),
        (
            "/api/network/pathways/",
            {"slug": "p", "title_en": "P", "eqf_level": "high", "effort_hours": 5},
            "eqf_level",
            "valid integer",
        ),
        (
            "/api/network/pathways/",
            {"slug": "p", "title_en": "P", "eqf_level": 9, "effort_hours": 5},
            "eqf_level",
            "less than or equal to 8",
        ),
        (
            "/api/network/pathways/",
            {"slug": "p", "title_en": "P", "eqf_level": 5, "effort_hours": 5, "languages": "fi"},
            "languages",
            "list",
        ),
        (
            "/api/network/pathways/",
            {
                "slug": "p",
                "title_en": "P",
                "eqf_level": 5,
                "effort_hours": 5,
                "languages": ["Finnish"],
            },
            "languages",
            "ISO 639",
        ),
        (
            "/api/network/pathways/",
            {
                "slug": "p",
                "title_en": "P",
                "eqf_level": 5,
                "effort_hours": 5,
                "skills": ["http://data.europa.eu/esco/skill/nope"],
            },
            "skills",
            "does not exist",
        ),
        (
            "/api/network/pathways/",
            {
                "slug": "p",
                "title_en": "P",
                "eqf_level": 5,
                "effort_hours": 5,
                "providers": ["valmet"],
            },
            "detail",
            "not an education provider",
        ),
        (
            "/api/network/skills/",
            {"uri": "https://example.com/skill", "label_en": "x"},
            "uri",
            "ESCO URI",
        ),
        (
            "/api/network/people/",
            {"given_name": "A", "family_name": "B", "time_zone": "Nowhere"},
            "time_zone",
            "time zone",
        ),
        (
            "/api/network/people/",
            {"given_name": "A", "family_name": "B", "username": "ghost"},
            "username",
            "does not exist",
        ),
        (
            "/api/network/roles/",
            {"person": "aino", "organisation": "valmet", "kind": "teacher"},
            "detail",
            "not an education provider",
        ),
        (
            "/api/network/identities/",
            {"person": "aino", "kind": "mbox", "value": "aino@example.fi"},
            "detail",
            "mailto",
        ),
        (
            "/api/network/enrolments/",
            {"learner": "mikko", "pathway": "cells", "started_on": "12.1.2026"},
            "started_on",
            "wrong format",
        ),
        (
            "/api/network/cohorts/",
            {"provider": "valmet", "name": "C"},
            "detail",
            "not an education provider",
        ),
    ],
)
def test_it_refuses_bad_input_with_the_field_and_reason(world, admin, path, body, field, message):
    before = Organisation.objects.count(), Pathway.objects.count(), Role.objects.count()
    people = {"aino": world.aino.pk, "mikko": world.mikko.pk}
    body = {
        key: people.get(value, value) if key in ("person", "learner") else value
        for key, value in body.items()
    }

    response = post(admin, path, body)

    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json()[field])
    assert (Organisation.objects.count(), Pathway.objects.count(), Role.objects.count()) == before


def test_it_refuses_malformed_json(world, admin):
    response = admin.post(
        "/api/network/organisations/", '{"slug": "x",', content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_it_refuses_a_body_it_cannot_parse_as_any_supported_type(world, admin):
    response = admin.post("/api/network/organisations/", "slug=x", content_type="text/plain")

    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]


def test_it_refuses_an_oversize_body_before_reading_it(world, admin):
    body = json.dumps({"slug": "x", "name_en": "x" * (2 * 1024 * 1024), "kind": "company"})

    response = admin.post("/api/network/organisations/", body, content_type="application/json")

    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert not Organisation.objects.filter(slug="x").exists()


def test_it_refuses_a_second_enrolment_and_a_sponsor_that_is_not_a_company(world, admin):
    again = post(
        admin,
        "/api/network/enrolments/",
        {"learner": world.aino.pk, "pathway": "cells", "started_on": "2026-03-01"},
    )
    sponsor = post(
        admin,
        "/api/network/enrolments/",
        {
            "learner": world.teacher.pk,
            "pathway": "cells",
            "started_on": "2026-03-01",
            "sponsor": "sedu",
        },
    )

    assert again.status_code == 400
    assert "already enrolled" in again.json()["detail"]
    assert sponsor.status_code == 400
    assert "not a company" in sponsor.json()["detail"]
    assert Enrolment.objects.count() == 2


def test_it_refuses_a_cohort_teacher_without_the_role_and_stores_nothing(world, admin):
    response = post(
        admin,
        "/api/network/cohorts/",
        {
            "provider": "savonia",
            "name": "Autumn",
            "teachers": [world.other_teacher.pk],
            "enrolments": [world.mikko_enrolment.pk],
        },
    )

    assert response.status_code == 400
    assert "not a teacher at Savonia UAS" in response.json()["detail"]
    assert not Cohort.objects.filter(name="Autumn").exists()


def test_it_refuses_an_identity_that_belongs_to_another_person(world, admin):
    XapiIdentity.objects.create(
        person=world.aino,
        kind="mbox",
        value="mailto:aino@example.fi",
        agent_key="Agent|mbox|mailto:aino@example.fi",
    )

    response = post(
        admin,
        "/api/network/identities/",
        {"person": world.mikko.pk, "kind": "mbox", "value": "mailto:aino@example.fi"},
    )

    assert response.status_code == 400
    assert "another person" in response.json()["detail"]


def test_it_refuses_to_delete_a_pathway_with_enrolments(world, admin):
    response = admin.delete("/api/network/pathways/cells/")

    assert response.status_code == 400
    assert "unpublish it instead" in response.json()["detail"]
    assert Pathway.objects.filter(slug="cells").exists()


def test_it_deletes_a_milestone_with_its_criteria(world, admin):
    milestone = Milestone.objects.create(pathway=world.pathway, position=1, title_en="Safety")

    response = admin.delete(f"/api/network/milestones/{milestone.pk}/")

    assert response.status_code == 204
    assert not Milestone.objects.exists()


def test_it_refuses_a_taken_milestone_position(world, admin):
    Milestone.objects.create(pathway=world.pathway, position=1, title_en="Safety")

    response = post(
        admin, "/api/network/milestones/", {"pathway": "cells", "position": 1, "title_en": "Again"}
    )

    assert response.status_code == 400
    assert "position 1" in response.json()["detail"]


def test_it_refuses_changing_an_organisations_slug(world, admin):
    response = patch(
        admin, "/api/network/organisations/valmet/", {"slug": "renamed", "phone": "+358 40 1"}
    )

    assert response.status_code == 200
    assert response.json()["slug"] == "valmet"
    assert response.json()["phone"] == "+358 40 1"


def test_it_changes_an_enrolments_status(world, admin):
    response = patch(
        admin, f"/api/network/enrolments/{world.mikko_enrolment.pk}/", {"status": "paused"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "paused"


def test_it_explains_a_refusal_in_the_callers_language(world, admin):
    response = admin.post(
        "/api/network/roles/",
        json.dumps({"person": world.aino.pk, "organisation": "valmet", "kind": "teacher"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fi",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Valmet Automotive: se ei ole oppilaitos: sillä ei ole opettajia"
    )
