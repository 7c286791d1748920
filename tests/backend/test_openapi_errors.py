"""What the schema promises about refusals and formats holds for real answers."""

import json
import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.exceptions import ValidationError

from backend.openapi import TIME_PATTERN
from backend.serializers import SlugLookupField
from engagement.network.models import Pathway, Role
from engagement.rules.models import Rule
from tests.factories import NetworkFactory, PersonFactory, RoleFactory, UserFactory


@pytest.mark.django_db
def test_it_answers_an_unknown_api_url_in_json(client: Client) -> None:
    response = client.get("/api/events/not-a-uuid/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_it_answers_an_unknown_page_with_the_html_page(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("value", ["20:00", "20:00:00", "08:00:00.5", "23:59:59.123456"])
def test_the_time_pattern_takes_what_drf_writes_and_reads(value: str) -> None:
    assert re.match(TIME_PATTERN, value)


@pytest.mark.parametrize("value", ["24:00", "8:00", "20:60", "20:00+02:00", "20"])
def test_the_time_pattern_refuses_what_is_not_a_time_of_day(value: str) -> None:
    assert not re.match(TIME_PATTERN, value)


def network_admin() -> Client:
    """A browser signed in as a network administrator."""
    user = UserFactory.create(username="admin")
    person = PersonFactory.create(user=user)
    RoleFactory.create(
        person=person, organisation=NetworkFactory.create(), kind=Role.Kind.NETWORK_ADMIN
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_rule_definition_with_a_nul_character_is_refused_not_a_server_error() -> None:
    """PostgreSQL's jsonb cannot store \\u0000: the save failed with 500 there."""
    client = network_admin()
    action = {"type": "nudge", "template": "come\u0000back"}
    body = {"name": "Come back", "definition": {"kind": "inactive", "days": 7, "action": action}}

    response = client.post("/api/rules/", json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert "\\u0000" in str(response.json()["definition"])
    assert not Rule.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/network/milestones/", {"pathway": "batt\u0000ery", "position": 1}, "pathway"),
        ("/api/network/pathways/", {"slug": "p", "skills": ["x\u0000"]}, "skills"),
        ("/api/network/people/", {"given_name": "A", "username": "ai\u0000no"}, "username"),
        ("/api/rules/", {"name": "R", "scope": "pathway", "pathway": "\u0000"}, "pathway"),
    ],
)
def test_a_nul_character_in_a_looked_up_name_is_not_found_not_a_server_error(
    path: str, body: dict[str, object], field: str
) -> None:
    """PostgreSQL refuses a NUL in a query: the lookup raised a database error (500 there);
    found by schemathesis on POST /api/network/milestones/."""
    client = network_admin()

    response = client.post(path, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert "does not exist" in str(response.json()[field])


@pytest.mark.django_db
def test_the_lookup_field_refuses_a_nul_character_before_it_queries(
    django_assert_num_queries: Any,
) -> None:
    field = SlugLookupField(slug_field="slug", queryset=Pathway.objects.all())

    with django_assert_num_queries(0), pytest.raises(ValidationError, match="does not exist"):
        field.run_validation("batt\x00ery")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/network/organisations/a%00b/",
        "/api/network/pathways/a%00b/",
        "/api/network/catalogue/a%00b/",
    ],
)
def test_a_nul_character_in_a_slug_in_the_url_is_404_not_a_server_error(
    path: str, django_assert_num_queries: Any
) -> None:
    """PostgreSQL refuses a NUL in a query: the lookup raised a database error (500 there);
    the URL now takes only what a slug may hold, so the request reaches no query."""
    with django_assert_num_queries(0):
        response = Client().get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
