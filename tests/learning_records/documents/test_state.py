"""The State resource (xAPI 1.0.3 Communication §2.3): one document by stateId, the ids of a
context, and DELETE of a context's states."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from learning_records.models import Document
from tests.learning_records.documents.conftest import (
    AGENT,
    REGISTRATION,
    STATE,
    address,
    call,
)

pytestmark = pytest.mark.django_db
OTHER_REGISTRATION = "1d7c1d1a-0d4e-4a3a-9d8e-6a4c7f0b2e55"


def ids(lrs, **params) -> list[str]:
    response = call(lrs, "GET", address(STATE, None, **params))
    assert response.status_code == 200, response.content
    return response.json()


def test_it_stores_a_state_with_put_and_returns_it(lrs):
    assert call(lrs, "PUT", address(STATE), {"bookmark": "page-4"}).status_code == 204

    response = call(lrs, "GET", address(STATE))

    assert response.status_code == 200
    assert response.json() == {"bookmark": "page-4"}


def test_it_treats_a_post_to_a_new_state_as_a_put(lrs):
    """Communication §2.2.s7 (XAPI-00233)."""
    assert call(lrs, "POST", address(STATE), {"car": "Honda"}).status_code == 204

    assert call(lrs, "GET", address(STATE)).json() == {"car": "Honda"}


def test_it_answers_404_for_a_state_it_does_not_have(lrs):
    response = call(lrs, "GET", address(STATE, "never-stored"))

    assert response.status_code == 404
    assert "never-stored" in response.json()["message"]


def test_it_keeps_states_of_registrations_apart(lrs):
    call(lrs, "PUT", address(STATE, registration=REGISTRATION), {"attempt": 1})
    call(lrs, "PUT", address(STATE, registration=OTHER_REGISTRATION), {"attempt": 2})
    call(lrs, "PUT", address(STATE), {"attempt": 0})

    assert call(lrs, "GET", address(STATE, registration=REGISTRATION)).json() == {"attempt": 1}
    assert call(lrs, "GET", address(STATE)).json() == {"attempt": 0}


@pytest.mark.parametrize(
    "agent",
    [
        {"mbox": "mailto:aino@EXAMPLE.fi"},
        {"objectType": "Agent", "mbox": "mailto:aino@example.fi", "name": "Aino"},
    ],
    ids=["domain-case-and-no-object-type", "with-name"],
)
def test_it_finds_a_state_by_the_same_agent_written_differently(lrs, agent):
    call(lrs, "PUT", address(STATE), {"bookmark": "page-4"})

    assert call(lrs, "GET", address(STATE, agent=agent)).json() == {"bookmark": "page-4"}


def test_it_keeps_an_agent_and_a_group_with_the_same_mbox_apart(lrs):
    group = {"objectType": "Group", "mbox": AGENT["mbox"]}
    call(lrs, "PUT", address(STATE), {"who": "agent"})

    assert call(lrs, "GET", address(STATE, agent=group)).status_code == 404


def test_it_lists_the_state_ids_of_a_context_sorted(lrs):
    for state_id in ("b", "a", "c"):
        call(lrs, "PUT", address(STATE, state_id), {"n": state_id})
    call(lrs, "PUT", address(STATE, "other-agent", agent={"mbox": "mailto:eero@example.fi"}), {})

    assert ids(lrs) == ["a", "b", "c"]


def test_it_lists_every_registration_when_none_is_given(lrs):
    """Communication §2.3.s4: the context is Activity + Agent [+ registration if specified]."""
    call(lrs, "PUT", address(STATE, "plain"), {})
    call(lrs, "PUT", address(STATE, "registered", registration=REGISTRATION), {})

    assert ids(lrs) == ["plain", "registered"]
    assert ids(lrs, registration=REGISTRATION) == ["registered"]


def test_it_lists_only_states_updated_after_since(lrs):
    """Communication §2.3.s4.table1.row4: since is exclusive (XAPI-00195)."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        call(lrs, "PUT", address(STATE, "old"), {})
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        call(lrs, "PUT", address(STATE, "new"), {})
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        call(lrs, "POST", address(STATE, "old"), {"touched": True})

    assert ids(lrs, since=start.isoformat()) == ["new", "old"]
    assert ids(lrs, since=(start + timedelta(minutes=5)).isoformat()) == ["old"]
    assert ids(lrs, since=(start + timedelta(minutes=10)).isoformat()) == []


def test_it_answers_an_empty_list_for_a_context_without_states(lrs):
    response = call(lrs, "GET", address(STATE, None))

    assert response.json() == []
    assert "Last-Modified" not in response


def test_it_gives_the_list_the_latest_last_modified(lrs):
    """Communication §2.2.s6.b2."""
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        call(lrs, "PUT", address(STATE, "a"), {})
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        call(lrs, "PUT", address(STATE, "b"), {})

    response = call(lrs, "GET", address(STATE, None))

    assert response["Last-Modified"] == (start + timedelta(hours=1)).strftime(
        "%a, %d %b %Y %H:%M:%S GMT"
    )
    assert response["ETag"].startswith('"')


def test_it_deletes_one_state(lrs):
    call(lrs, "PUT", address(STATE, "a"), {})
    call(lrs, "PUT", address(STATE, "b"), {})

    assert call(lrs, "DELETE", address(STATE, "a")).status_code == 204

    assert ids(lrs) == ["b"]


def test_it_answers_204_to_deleting_a_state_that_is_not_there(lrs):
    assert call(lrs, "DELETE", address(STATE, "never-stored")).status_code == 204


def test_it_deletes_all_states_of_a_context_without_a_state_id(lrs):
    """Communication §2.3.s5 (XAPI-00194): other agents' and activities' states stay."""
    for state_id in ("a", "b"):
        call(lrs, "PUT", address(STATE, state_id), {})
    call(lrs, "PUT", address(STATE, "r", registration=REGISTRATION), {})
    call(lrs, "PUT", address(STATE, "kept", agent={"mbox": "mailto:eero@example.fi"}), {})
    call(lrs, "PUT", address(STATE, "kept", activityId="https://lms.example.fi/other"), {})

    assert call(lrs, "DELETE", address(STATE, None)).status_code == 204

    assert ids(lrs) == []
    assert Document.objects.count() == 2


def test_it_deletes_only_the_registrations_states_when_one_is_given(lrs):
    call(lrs, "PUT", address(STATE, "plain"), {})
    call(lrs, "PUT", address(STATE, "registered", registration=REGISTRATION), {})

    call(lrs, "DELETE", address(STATE, None, registration=REGISTRATION))

    assert ids(lrs) == ["plain"]


def test_it_answers_a_long_activity_iri_and_state_id(lrs):
    """Long IRIs and ids are stored and found through hashes, not B-tree entries of their own."""
    long_iri = "https://lms.example.fi/" + "x" * 5000
    long_id = "s" * 5000

    call(lrs, "PUT", address(STATE, long_id, activityId=long_iri), {"ok": True})

    assert call(lrs, "GET", address(STATE, long_id, activityId=long_iri)).json() == {"ok": True}
    assert ids(lrs, activityId=long_iri) == [long_id]
