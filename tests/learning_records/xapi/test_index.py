"""Index keys for the statements query filters (xAPI 1.0.3 Communication §2.1.3)."""

from typing import Any

import pytest

from learning_records.xapi.index import StatementKeys, agent_key, statement_keys
from learning_records.xapi.versions import XapiVersion
from tests.learning_records.xapi.checks import accepted
from tests.xapi_samples import (
    REGISTRATION,
    SHA1,
    make_activity,
    make_agent,
    make_anonymous_group,
    make_full_statement,
    make_group,
    make_statement,
    make_substatement,
)

AINO = "Agent|mbox|mailto:aino@example.fi"
EERO = "Agent|mbox|mailto:eero@example.fi"
COHORT = "Group|mbox|mailto:cohort-7@example.fi"
ACTIVITY = "https://lms.example.fi/course/battery-101/module/3"


@pytest.mark.parametrize(
    ("agent", "key"),
    [
        (make_agent(), AINO),
        ({"mbox": "mailto:Aino.L@EXAMPLE.fi"}, "Agent|mbox|mailto:Aino.L@example.fi"),
        ({"mbox_sha1sum": SHA1.upper()}, f"Agent|mbox_sha1sum|{SHA1}"),
        (
            {"openid": "https://openid.example.fi/Aino"},
            "Agent|openid|https://openid.example.fi/Aino",
        ),
        (
            {"account": {"homePage": "https://lms.example.fi", "name": "42"}},
            "Agent|account|https://lms.example.fi|42",
        ),
        (make_group(), COHORT),
        (make_anonymous_group(), None),
    ],
)
def test_it_keys_an_agent_by_its_ifi(agent: dict[str, Any], key: str | None) -> None:
    """Communication §2.1.3 (agent): equal IFI, equal agent; Data §2.3.1.b7: an mbox domain
    and a hex digest are case-insensitive."""
    assert agent_key(agent) == key


def test_it_keys_a_statement() -> None:
    statement = accepted(make_full_statement())
    assert statement_keys(statement) == StatementKeys(
        actor_key=AINO,
        verb_iri="http://adlnet.gov/expapi/verbs/completed",
        object_activity_iri=ACTIVITY,
        object_agent_key=None,
        object_statement_id=None,
        registration=REGISTRATION,
        agents=frozenset({AINO}),
        related_agents=frozenset(
            {AINO, "Agent|mbox|mailto:opettaja@example.fi", "Agent|mbox|mailto:lms@example.fi"}
        ),
        activities=frozenset({ACTIVITY}),
        related_activities=frozenset(
            {
                ACTIVITY,
                "https://lms.example.fi/course/battery-101",
                "https://lms.example.fi/pathway/cells",
            }
        ),
    )


def test_it_lowercases_the_registration_and_statement_ref_id() -> None:
    target = {"objectType": "StatementRef", "id": "8F87CCDE-BB56-4C2E-AB83-44982EF22DF0"}
    statement = make_statement(object=target, context={"registration": REGISTRATION.upper()})
    keys = statement_keys(accepted(statement))
    assert keys.object_statement_id == "8f87ccde-bb56-4c2e-ab83-44982ef22df0"
    assert keys.registration == REGISTRATION
    assert keys.object_activity_iri is None
    assert keys.activities == frozenset()


def test_it_indexes_the_members_of_a_group_next_to_the_group() -> None:
    """Communication §2.1.3 (agent): a Group matches when one of its members matches."""
    keys = statement_keys(accepted(make_statement(actor=make_group())))
    assert keys.actor_key == COHORT
    assert keys.agents == frozenset({COHORT, AINO, EERO})


def test_it_indexes_an_anonymous_group_by_its_members_only() -> None:
    keys = statement_keys(accepted(make_statement(actor=make_anonymous_group())))
    assert keys.actor_key is None
    assert keys.agents == frozenset({AINO, EERO})


def test_it_indexes_an_agent_object_for_the_agent_filter() -> None:
    keys = statement_keys(
        accepted(make_statement(object=make_agent(mbox="mailto:eero@example.fi")))
    )
    assert keys.object_agent_key == EERO
    assert keys.agents == frozenset({AINO, EERO})
    assert keys.object_activity_iri is None


def test_it_indexes_a_substatement_for_the_related_filters_only() -> None:
    """Communication §2.1.3 rows 7-8: "or any of those properties in a contained SubStatement"."""
    substatement = make_substatement(
        context={
            "team": make_group(),
            "contextActivities": {"parent": make_activity(id="https://x.fi/p")},
        }
    )
    keys = statement_keys(accepted(make_statement(object=substatement)))
    assert keys.agents == frozenset({AINO})
    assert keys.related_agents == frozenset({AINO, EERO, COHORT})
    assert keys.activities == frozenset()
    assert keys.related_activities == frozenset({ACTIVITY, "https://x.fi/p"})


def test_it_indexes_2_0_context_agents_and_groups_as_related_agents() -> None:
    context = {
        "contextAgents": [
            {"objectType": "contextAgent", "agent": make_agent(mbox="mailto:x@example.fi")}
        ],
        "contextGroups": [{"objectType": "contextGroup", "group": make_group()}],
    }
    statement = accepted(make_statement(context=context), XapiVersion.V2_0_0)
    assert statement_keys(statement).related_agents == frozenset(
        {AINO, EERO, COHORT, "Agent|mbox|mailto:x@example.fi"}
    )


def test_it_indexes_the_oauth_pair_of_an_authority() -> None:
    authority = make_anonymous_group(
        member=[make_agent(mbox="mailto:app@example.fi"), make_agent()]
    )
    keys = statement_keys(accepted(make_statement(authority=authority)))
    assert keys.related_agents == frozenset({AINO, "Agent|mbox|mailto:app@example.fi"})
