"""Statement Comparison (xAPI 1.0.3 Data §2.3.1, §2.3.1.s9): same id, same statement?"""

from typing import Any

import pytest

from learning_records.xapi.compare import statements_equivalent
from tests.xapi_samples import (
    REMOVE,
    make_activity,
    make_agent,
    make_full_statement,
    make_group,
    make_statement,
    patched,
)

BASE = make_full_statement(object=make_activity(), actor=make_group())


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param("stored", "2030-01-01T00:00:00Z", id="stored"),
        pytest.param("authority", make_agent(mbox="mailto:other@example.fi"), id="authority"),
        pytest.param("version", "1.0.0", id="version"),
        pytest.param("stored", REMOVE, id="no-stored"),
        pytest.param("id", REMOVE, id="no-id"),
        pytest.param("timestamp", REMOVE, id="no-timestamp"),
        pytest.param("id", BASE["id"].upper(), id="id-case"),
        pytest.param("timestamp", "2024-05-04T15:00:00+03:00", id="timestamp-zone"),
        pytest.param("timestamp", "2024-05-04T12:00:00.000999Z", id="timestamp-sub-millisecond"),
        pytest.param(
            "context.registration", BASE["context"]["registration"].upper(), id="registration-case"
        ),
        pytest.param(
            "context.contextActivities.grouping",
            {"id": "https://lms.example.fi/pathway/cells"},
            id="single-context-activity",
        ),
        pytest.param("context.language", "FI-fi", id="language-case"),
        pytest.param("actor.member", list(reversed(BASE["actor"]["member"])), id="member-order"),
        pytest.param("actor.mbox", "mailto:cohort-7@EXAMPLE.FI", id="mbox-domain-case"),
        pytest.param("verb.display", {"fi-FI": "suoritti"}, id="verb-display"),
        pytest.param("object.definition", {"name": {"en": "Renamed"}}, id="activity-definition"),
        pytest.param("object.objectType", REMOVE, id="activity-objectType-omitted"),
        pytest.param("context.instructor.objectType", REMOVE, id="agent-objectType-omitted"),
        pytest.param(
            "context.contextActivities.parent.0.definition",
            REMOVE,
            id="context-activity-definition",
        ),
        pytest.param("result.duration", "PT12M30.5099S", id="duration-beyond-hundredths"),
        pytest.param("result.score.raw", 8.0, id="number-serialisation"),
        pytest.param(
            "attachments.0.display", {"EN-us": "Signature"}, id="attachment-language-case"
        ),
    ],
)
def test_it_ignores_what_immutability_exceptions_allow(path: str, value: Any) -> None:
    """Data §2.3.1.b1-b7 and s9.b1: differences the exceptions could cause MUST be ignored."""
    assert statements_equivalent(BASE, patched(BASE, path, value))
    assert statements_equivalent(patched(BASE, path, value), BASE)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param("result.success", False, id="result"),
        pytest.param("result.score.raw", 9, id="score"),
        pytest.param("result.duration", "PT750.5S", id="duration-rewritten"),
        pytest.param(
            "result.extensions",
            {"https://w3id.org/xapi/cmi5/result/extensions/progress": True},
            id="boolean-vs-number",
        ),
        pytest.param("result", REMOVE, id="no-result"),
        pytest.param("actor.mbox", "mailto:Cohort-7@example.fi", id="mbox-local-part-case"),
        pytest.param("actor.name", "Another cohort", id="actor-name"),
        pytest.param("actor.member", [make_agent()], id="members"),
        pytest.param("verb.id", "http://adlnet.gov/expapi/verbs/attempted", id="verb"),
        pytest.param("object.id", "https://lms.example.fi/other", id="object"),
        pytest.param("timestamp", "2024-05-04T12:00:01Z", id="timestamp"),
        pytest.param("id", "00000000-0000-4000-8000-000000000000", id="id"),
        pytest.param(
            "context.registration", "00000000-0000-4000-8000-000000000000", id="registration"
        ),
        pytest.param(
            "context.contextActivities.parent.0.id", "https://x.fi/other", id="context-activity"
        ),
        pytest.param("context.extensions", {}, id="context-extensions"),
        pytest.param("attachments.0.sha2", "0" * 64, id="attachment"),
    ],
)
def test_it_tells_apart_statements_that_differ(path: str, value: Any) -> None:
    """Data §2.3.1.s9.b2: other differences MUST NOT be ignored (duration: §2.3.1.b8)."""
    assert not statements_equivalent(BASE, patched(BASE, path, value))


def test_it_compares_substatements_by_the_same_rules() -> None:
    substatement = {
        "objectType": "SubStatement",
        "actor": make_agent(),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
        "object": make_activity(),
        "timestamp": "2024-05-04T12:00:00Z",
    }
    statement = make_statement(object=substatement)
    assert statements_equivalent(
        statement, patched(statement, "object.timestamp", "2024-05-04T14:00:00+02:00")
    )
    assert not statements_equivalent(statement, patched(statement, "object.timestamp", REMOVE))
    assert not statements_equivalent(
        statement, patched(statement, "object.actor.mbox", "mailto:x@y.fi")
    )


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("PT1.2345S", "PT1.23S", True),
        ("PT1.50S", "PT1.5S", True),
        ("PT1.00S", "PT1S", True),
        ("P1DT12H36M0.1237S", "P1DT12H36M0.12S", True),
        ("PT1.24S", "PT1.23S", False),
        ("PT1H", "PT60M", False),
    ],
)
def test_it_compares_durations_to_the_hundredth_of_a_second(
    first: str, second: str, same: bool
) -> None:
    """Data §4.6.s1.b5 (ADL v2_0 4.2.7): precision beyond 0.01 s is not compared; otherwise a
    duration is compared as written (§2.3.1.b8)."""
    left = make_statement(result={"duration": first})
    right = make_statement(result={"duration": second})
    assert statements_equivalent(left, right) is same
