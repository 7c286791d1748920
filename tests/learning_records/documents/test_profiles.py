"""The Activity Profile and Agent Profile resources (xAPI 1.0.3 Communication §2.6, §2.7)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.learning_records.documents.conftest import (
    ACTIVITY_PROFILE,
    AGENT,
    AGENT_PROFILE,
    PROFILES,
    STATE,
    address,
    call,
    create,
)

pytestmark = pytest.mark.django_db
# Another context of each resource: another activity, another agent.
ELSEWHERE: dict[str, dict[str, Any]] = {
    ACTIVITY_PROFILE.name: {"activityId": "https://lms.example.fi/course/battery-102"},
    AGENT_PROFILE.name: {
        "agent": {"account": {"homePage": "https://lms.example.fi", "name": "eero"}}
    },
}


@pytest.fixture(params=PROFILES, ids=str)
def resource(request):
    return request.param


def profile_ids(lrs, resource, **params) -> list[str]:
    response = call(lrs, "GET", address(resource, None, **params))
    assert response.status_code == 200, response.content
    return response.json()


def test_it_stores_and_returns_a_profile(lrs, resource):
    create(lrs, resource, {"preferences": {"language": "fi"}})

    response = call(lrs, "GET", address(resource))

    assert response.status_code == 200
    assert response.json() == {"preferences": {"language": "fi"}}


def test_it_lists_the_profile_ids_of_its_activity_or_agent_only(lrs, resource):
    for profile_id in ("b", "a"):
        create(lrs, resource, {}, document_id=profile_id)
    create(lrs, resource, {}, document_id="elsewhere", **ELSEWHERE[resource.name])

    assert profile_ids(lrs, resource) == ["a", "b"]
    assert profile_ids(lrs, resource, **ELSEWHERE[resource.name]) == ["elsewhere"]


def test_it_lists_only_profiles_updated_after_since(lrs, resource):
    """Communication §2.6.s4, §2.7.s4: since is exclusive (XAPI-00275)."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        create(lrs, resource, {}, document_id="old")
    with time_machine.travel(start + timedelta(seconds=1), tick=False):
        create(lrs, resource, {}, document_id="new")

    assert profile_ids(lrs, resource, since=start.isoformat()) == ["new"]
    assert profile_ids(lrs, resource, since=(start - timedelta(seconds=1)).isoformat()) == [
        "new",
        "old",
    ]


def test_it_deletes_a_profile(lrs, resource):
    create(lrs, resource, {}, document_id="a")
    create(lrs, resource, {}, document_id="b")

    assert call(lrs, "DELETE", address(resource, "a")).status_code == 204

    assert profile_ids(lrs, resource) == ["b"]
    assert call(lrs, "GET", address(resource, "a")).status_code == 404


def test_it_answers_204_to_deleting_a_profile_that_is_not_there(lrs, resource):
    """XAPI-00285: DELETE is idempotent."""
    assert call(lrs, "DELETE", address(resource, "never-stored")).status_code == 204


def test_it_updates_last_modified_when_a_profile_changes(lrs, resource):
    """The 2.0 battery's Last-Modified tests, with the clock moved instead of waited for."""
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        create(lrs, resource, {"v": 1})
    first = call(lrs, "GET", address(resource))["Last-Modified"]
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        call(lrs, "POST", address(resource), {"v": 2})

    assert call(lrs, "GET", address(resource))["Last-Modified"] != first


def test_it_keeps_the_resources_apart(lrs):
    """The same id in a state, an activity profile and an agent profile: three documents."""
    create(lrs, STATE, {"of": "state"}, document_id="shared")
    create(lrs, ACTIVITY_PROFILE, {"of": "activity"}, document_id="shared")
    create(lrs, AGENT_PROFILE, {"of": "agent"}, document_id="shared")

    assert call(lrs, "GET", address(STATE, "shared")).json() == {"of": "state"}
    assert call(lrs, "GET", address(ACTIVITY_PROFILE, "shared")).json() == {"of": "activity"}
    assert call(lrs, "GET", address(AGENT_PROFILE, "shared")).json() == {"of": "agent"}


def test_an_agent_profile_may_belong_to_an_identified_group(lrs):
    """2.0 names 'Agent or Identified Group'; the Group is a context of its own."""
    group = {"objectType": "Group", "mbox": AGENT["mbox"]}
    create(lrs, AGENT_PROFILE, {"of": "group"}, agent=group)

    assert call(lrs, "GET", address(AGENT_PROFILE, agent=group)).json() == {"of": "group"}
    assert call(lrs, "GET", address(AGENT_PROFILE)).status_code == 404
