"""/api/needs/: the company's contacts write, administrators and providers read, bad input
is refused with a 4xx naming the problem."""

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from engagement.needs.apis import NetworkAPIMixin
from engagement.needs.models import TrainingNeed
from engagement.network.models import EscoSkill
from tests.engagement.needs.conftest import CHEM_URI, NEW_URI, World, login_as

pytestmark = pytest.mark.django_db
URL = "/api/needs/"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "skills": [CHEM_URI],
        "people": 4,
        "needed_by": "2026-10-01",
        "eqf_level": 5,
        "description_en": "Cell line operators",
        **overrides,
    }


def post(client: Client, data: Any, url: str = URL) -> Any:
    raw = data if isinstance(data, str) else json.dumps(data)
    return client.post(url, raw, content_type="application/json")


def test_a_contact_records_a_need_for_their_company(world: World) -> None:
    response = post(login_as(world.contact), body())

    assert response.status_code == 201, response.json()
    need = TrainingNeed.objects.get()
    assert (need.company, need.recorded_by, need.people) == (world.company, world.contact, 4)
    assert response.json()["skills"] == [{"uri": CHEM_URI, "label": "battery chemistry"}]


def test_a_new_esco_skill_uri_is_created(world: World) -> None:
    response = post(login_as(world.contact), body(skills=[NEW_URI]))

    assert response.status_code == 201
    assert EscoSkill.objects.filter(uri=NEW_URI).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"skills": ["http://example.com/skill/1"]}, "skills", "Not an ESCO skill URI"),
        ({"skills": ["http://data.europa.eu/esco/skill/not-a-uuid"]}, "skills", "ESCO"),
        ({"skills": []}, "skills", "at least 1"),
        ({"skills": "chemistry"}, "skills", "list"),
        ({"people": 0}, "people", "greater than or equal to 1"),
        ({"people": "many"}, "people", "valid integer"),
        ({"needed_by": "2026-03-01"}, "needed_by", "in the past"),
        ({"needed_by": "next spring"}, "needed_by", "format"),
        ({"eqf_level": 9}, "eqf_level", "less than or equal to 8"),
        ({"eqf_level": 0}, "eqf_level", "greater than or equal to 1"),
        ({"description_en": "x" * 501}, "description_en", "500"),
        ({"colour": "red"}, "colour", "Unknown field"),
        ({"company": "kiertoakku"}, "company", "not an employer contact"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    world: World, overrides: dict[str, Any], field: str, says: str
) -> None:
    response = post(login_as(world.contact), body(**overrides))

    assert response.status_code == 400
    assert says in json.dumps(response.json()[field])
    assert not TrainingNeed.objects.exists()


def test_malformed_json_is_refused(world: World) -> None:
    response = post(login_as(world.contact), '{"people": 4,')

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_body_that_is_not_an_object_is_refused(world: World) -> None:
    response = post(login_as(world.contact), "[1, 2]")

    assert response.status_code == 400


def test_an_oversize_body_is_refused_before_parsing(world: World) -> None:
    huge = json.dumps(body(description_en="x" * (NetworkAPIMixin.max_body_bytes + 1)))

    response = post(login_as(world.contact), huge)

    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_anonymous_is_refused(world: World) -> None:
    assert Client().get(URL).status_code == 403
    assert post(Client(), body()).status_code == 403


@pytest.mark.parametrize("who", ["learner", "teacher", "admin"])
def test_only_employer_contacts_record_needs(world: World, who: str) -> None:
    response = post(login_as(getattr(world, who)), body())

    assert response.status_code == 403
    assert "employer contact" in response.json()["detail"]


def test_a_learner_cannot_list_needs(world: World) -> None:
    world.need()

    response = login_as(world.learner).get(URL)

    assert response.status_code == 403


def test_another_companys_need_is_not_there(world: World) -> None:
    theirs = world.need(company=world.other_company)
    client = login_as(world.contact)

    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    patch = client.patch(f"{URL}{theirs.pk}/", {"people": 9}, content_type="application/json")
    assert patch.status_code == 404
    assert client.delete(f"{URL}{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert (theirs.people, theirs.status) == (3, TrainingNeed.Status.OPEN)


def test_a_contact_lists_only_their_companys_needs(world: World) -> None:
    ours = world.need()
    world.need(company=world.other_company)

    response = login_as(world.contact).get(URL)

    assert [row["id"] for row in response.json()["results"]] == [ours.pk]


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_providers_and_administrators_list_every_need(world: World, who: str) -> None:
    world.need()
    world.need(company=world.other_company)

    response = login_as(getattr(world, who)).get(URL)

    assert response.json()["count"] == 2


def test_a_contact_changes_and_withdraws_their_need(world: World) -> None:
    need = world.need()
    client = login_as(world.contact)

    changed = client.patch(
        f"{URL}{need.pk}/", {"people": 7, "skills": [CHEM_URI]}, content_type="application/json"
    )
    withdrawn = client.delete(f"{URL}{need.pk}/")

    assert changed.status_code == 200
    assert changed.json()["people"] == 7
    assert withdrawn.status_code == 204
    need.refresh_from_db()
    assert need.status == TrainingNeed.Status.WITHDRAWN


def test_a_change_to_a_past_date_is_refused(world: World) -> None:
    need = world.need()

    response = login_as(world.contact).patch(
        f"{URL}{need.pk}/", {"needed_by": "2025-12-31"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "in the past" in json.dumps(response.json())


def test_the_offer_report_names_gaps(world: World) -> None:
    world.need(skills=[world.chemistry, world.safety], people=5)

    response = login_as(world.teacher).get(f"{URL}offer/")

    rows = {row["skill_label"]: row for row in response.json()}
    assert rows["safety standards"]["is_gap"] is True
    assert rows["battery chemistry"]["pathways"][0]["pathway_title"] == "Cell chemistry"
    assert rows["battery chemistry"]["people_waiting"] == 5


@pytest.mark.parametrize("who", ["contact", "learner"])
def test_the_offer_report_is_refused_to_companies_and_learners(world: World, who: str) -> None:
    assert login_as(getattr(world, who)).get(f"{URL}offer/").status_code == 403


def test_the_offer_report_is_refused_to_anonymous(world: World) -> None:
    assert Client().get(f"{URL}offer/").status_code == 403


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_list_takes_the_same_queries_for_one_need_and_many(world: World) -> None:
    client = login_as(world.admin)
    world.need()
    one = _list_queries(client)
    for _ in range(6):
        world.need(company=world.other_company, skills=[world.chemistry, world.safety])

    assert _list_queries(client) == one
