"""A learner's full export: one JSON document from /me/export.json and GET /api/me/export."""

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.engagement.builders import COURSE
from tests.engagement.privacy.conftest import (
    AINO,
    AINO_ACCOUNT,
    BO,
    COMPLETED,
    World,
    _activity,
    _post,
    _xapi_statement,
    login,
    streamed,
)

PAGE = "/me/export.json"
API = "/api/me/export"
SECTIONS = {
    "format",
    "exported_at",
    "person",
    "enrolments",
    "milestone_progress",
    "progress_events",
    "study_plan",
    "decisions",
    "notifications",
    "preferences",
    "badges",
    "consents",
    "event_registrations",
    "employer_links",
    "membership_applications",
    "documents",
    "statements",
}


@pytest.fixture
def export(world: World) -> dict[str, Any]:
    response = login(world.aino).get(API)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    data: dict[str, Any] = streamed(response)
    return data


def test_it_has_every_section_with_my_data(world: World, export: dict[str, Any]) -> None:
    assert set(export) == SECTIONS
    assert export["person"]["email"] == "aino@example.fi"
    assert {i["kind"] for i in export["person"]["xapi_identities"]} == {"mbox", "account"}
    assert [e["pathway"] for e in export["enrolments"]] == ["Battery cell manufacturing"]
    assert export["enrolments"][0]["progress"]["milestones_done"] == 1
    assert {m["milestone"] for m in export["milestone_progress"]} == {"Safety", "Cell chemistry"}
    assert {e["kind"] for e in export["progress_events"]} >= {"first_activity"}
    assert export["study_plan"]["days_per_week"] == 3
    assert export["preferences"]["opted_out"] == ["digests"]
    assert [b["badge"] for b in export["badges"]] == ["Battery safety"]
    assert [c["employer"] for c in export["consents"]] == [world.scenario.company.name_en]
    assert [r["event"] for r in export["event_registrations"]] == ["Battery day"]
    assert [link["company"] for link in export["employer_links"]] == [
        world.scenario.company.name_en
    ]
    assert [a["organisation"] for a in export["membership_applications"]] == ["Aino's company"]


def test_decisions_about_me_and_deliveries_with_attempts(export: dict[str, Any]) -> None:
    """Both decisions about Aino's enrolment (the teacher's alert and her own) are hers;
    the teacher's alert about Bo is not."""
    assert len(export["decisions"]) == 2
    mail = next(n for n in export["notifications"] if n["subject"] == "Hei Aino")
    assert mail["attempts"][0]["outcome"] == "sent"
    assert "provider_response" not in mail["attempts"][0]
    assert all("idempotency_key" not in n for n in export["notifications"])


def test_statements_posted_to_the_lrs_appear_from_every_tenant(
    world: World, export: dict[str, Any]
) -> None:
    ids = {s["statement"]["id"] for s in export["statements"]}
    assert set(world.aino_statements) <= ids
    stores = {s["store"] for s in export["statements"]}
    assert len(stores) == 2  # the provider's LMS and the company's
    voided = [s for s in export["statements"] if s["voided"]]
    assert [s["statement"]["id"] for s in voided] == [world.voided_id]


def test_statements_naming_me_hide_the_other_people_in_them(
    world: World, export: dict[str, Any]
) -> None:
    """Bo's statements where Aino taught or was a team member are in her export (they
    mention her) with Bo's identity taken out."""
    listed = {s["statement"]["id"]: s["statement"] for s in export["statements"]}
    for bo_statement in world.bo_statements:
        assert bo_statement in listed
        assert "bo@example.fi" not in json.dumps(listed[bo_statement])
    assert listed[world.bo_statements[0]]["context"]["instructor"]["mbox"] == AINO["mbox"]


def test_my_own_statements_hide_the_people_i_worked_with(world: World) -> None:
    """Her own record of team work (she is the actor) names Bo as a team member and as the
    object of a peer review: her copy leaves him out, and keeps her and the LMS authority."""
    team = {"objectType": "Group", "member": [BO, AINO]}
    aino = {"objectType": "Agent", "account": AINO_ACCOUNT}
    ids = _post(
        world.lms,
        _xapi_statement(aino, COMPLETED, _activity(COURSE), context={"team": team}),
        _xapi_statement(aino, COMPLETED, BO),
    )

    exported = streamed(login(world.aino).get(API))["statements"]

    mine = [s["statement"] for s in exported if s["statement"]["id"] in ids]
    assert len(mine) == 2
    assert "bo@example.fi" not in json.dumps(mine)
    assert BO["name"] not in json.dumps(mine)
    assert all(s["actor"]["account"] == AINO_ACCOUNT for s in mine)
    assert all("erased" not in json.dumps(s["authority"]) for s in mine)


def test_documents_of_my_agents_and_not_others(export: dict[str, Any]) -> None:
    documents = {(d["resource"], d["document_id"]): d for d in export["documents"]}
    assert set(documents) == {("state", "bookmark"), ("agent_profile", "preferences")}
    assert documents[("state", "bookmark")]["content"]["json"]["position"] == 42


def test_nothing_of_another_learner(world: World) -> None:
    body = json.dumps(streamed(login(world.aino).get(API)), ensure_ascii=False)
    assert "bo@example.fi" not in body
    assert BO["name"] not in body
    assert "cai@example.fi" not in body


def test_the_page_link_gives_the_same_document(world: World, export: dict[str, Any]) -> None:
    page = streamed(login(world.aino).get(PAGE))
    assert page["statements"] == export["statements"]
    assert page["person"] == export["person"]


def test_the_api_takes_no_other_person(world: World) -> None:
    data = streamed(login(world.aino).get(API, {"person": world.bo.pk}))
    assert data["person"]["email"] == "aino@example.fi"


def test_query_count_does_not_grow_with_statements(world: World) -> None:
    client = login(world.aino)
    with CaptureQueriesContext(connection) as before:
        streamed(client.get(API))
    account = {"objectType": "Agent", "account": AINO_ACCOUNT}
    _post(world.lms, *(_xapi_statement(account, COMPLETED, _activity(COURSE)) for _ in range(40)))
    with CaptureQueriesContext(connection) as after:
        data = streamed(client.get(API))
    assert len(data["statements"]) >= 40
    assert len(after) == len(before)


def test_anonymous_is_refused(db: None) -> None:
    assert Client().get(API).status_code == 403
    page = Client().get(PAGE)
    assert page.status_code == 302
    assert "/accounts/login/" in page["Location"]


def test_a_login_without_a_person_gets_404(db: None) -> None:
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory.create())
    response = client.get(API)
    assert response.status_code == 404
    assert "not linked to a person" in response.json()["detail"]


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_other_methods_are_405(world: World, method: str) -> None:
    client = login(world.aino)
    assert getattr(client, method)(API).status_code == 405
    assert getattr(client, method)(PAGE).status_code == 405
