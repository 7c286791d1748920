"""Properties over generated statements: what parse_statements keeps, what comparison ignores."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from learning_records.xapi.compare import statements_equivalent
from learning_records.xapi.formats import format_statement
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion
from tests.learning_records.xapi.checks import refusals

TAGS = st.sampled_from(["en", "en-US", "fi-FI", "sv", "und", "zh-Hant-TW", "es-419"])
TEXT = st.text(max_size=12)
IRIS = st.builds(
    "https://lms.example.fi/{}/{}".format, st.sampled_from(["a", "b", "c"]), st.integers(0, 99)
)
UUIDS = st.uuids().map(str)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)
LANGUAGE_MAPS = st.dictionaries(TAGS, TEXT, min_size=1, max_size=3)
EXTENSIONS = st.dictionaries(IRIS, JSON, max_size=2)
AGENTS = st.one_of(
    st.builds(
        lambda local: {"mbox": f"mailto:{local}@example.fi"}, st.sampled_from(["aino", "eero"])
    ),
    st.builds(
        lambda name: {
            "objectType": "Agent",
            "account": {"homePage": "https://lms.example.fi", "name": name},
        },
        st.text(min_size=1, max_size=8),
    ),
    st.just({"openid": "https://openid.example.fi/aino", "name": "Aino"}),
    st.just({"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}),
)
GROUPS = st.one_of(
    st.builds(
        lambda members: {"objectType": "Group", "member": members},
        st.lists(AGENTS, min_size=1, max_size=3),
    ),
    st.builds(
        lambda members: {
            "objectType": "Group",
            "mbox": "mailto:team@example.fi",
            "member": members,
        },
        st.lists(AGENTS, max_size=2),
    ),
)
DEFINITIONS = st.fixed_dictionaries(
    {},
    optional={
        "name": LANGUAGE_MAPS,
        "description": LANGUAGE_MAPS,
        "type": IRIS,
        "extensions": EXTENSIONS,
    },
)
ACTIVITIES = st.fixed_dictionaries(
    {"id": IRIS}, optional={"objectType": st.just("Activity"), "definition": DEFINITIONS}
)
CONTEXT_ACTIVITIES = st.dictionaries(
    st.sampled_from(["parent", "grouping", "category", "other"]),
    ACTIVITIES | st.lists(ACTIVITIES, max_size=2),
    max_size=4,
)
SCORES = st.builds(
    lambda low, width, share: {
        "min": low,
        "max": low + width,
        "raw": low + width * share,
        "scaled": share,
    },
    st.integers(-10, 10),
    st.integers(1, 100),
    st.floats(0, 1),
)
DURATIONS = st.builds(
    "PT{}M{}.{:02d}S".format, st.integers(0, 59), st.integers(0, 59), st.integers(0, 99)
)
RESULTS = st.fixed_dictionaries(
    {},
    optional={
        "score": SCORES,
        "success": st.booleans(),
        "completion": st.booleans(),
        "response": TEXT,
        "duration": DURATIONS,
        "extensions": EXTENSIONS,
    },
)
CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "registration": UUIDS,
        "instructor": AGENTS,
        "team": GROUPS,
        "contextActivities": CONTEXT_ACTIVITIES,
        "language": TAGS,
        "extensions": EXTENSIONS,
    },
)
# hypothesis takes naive bounds and adds the zone itself.
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2040, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
TIMESTAMPS = MOMENTS.map(lambda moment: moment.isoformat().replace("+00:00", "Z"))
VERBS = st.fixed_dictionaries({"id": IRIS}, optional={"display": LANGUAGE_MAPS})
SUBSTATEMENTS = st.fixed_dictionaries(
    {
        "objectType": st.just("SubStatement"),
        "actor": AGENTS | GROUPS,
        "verb": VERBS,
        "object": ACTIVITIES,
    },
    optional={"result": RESULTS, "context": CONTEXTS, "timestamp": TIMESTAMPS},
)
OBJECTS = st.one_of(
    ACTIVITIES,
    AGENTS.map(lambda agent: {**agent, "objectType": "Agent"}),
    st.builds(lambda statement_id: {"objectType": "StatementRef", "id": statement_id}, UUIDS),
    SUBSTATEMENTS,
)
STATEMENTS = st.fixed_dictionaries(
    {"actor": AGENTS | GROUPS, "verb": VERBS, "object": OBJECTS},
    optional={"id": UUIDS, "result": RESULTS, "context": CONTEXTS, "timestamp": TIMESTAMPS},
)


def _parse(statement: dict[str, Any]) -> dict[str, Any]:
    (parsed,) = parse_statements(statement, version=XapiVersion.V1_0_3)
    return parsed


def _as_arrays(statement: dict[str, Any]) -> dict[str, Any]:
    """What parse_statements should return: single context activities wrapped in arrays."""
    expected = json.loads(json.dumps(statement))
    for holder in (expected, expected["object"]):
        for key, value in holder.get("context", {}).get("contextActivities", {}).items():
            holder["context"]["contextActivities"][key] = (
                [value] if isinstance(value, dict) else value
            )
    return expected


@given(STATEMENTS)
def test_it_returns_any_valid_statement_as_sent_but_for_context_activity_arrays(
    statement: dict[str, Any],
) -> None:
    """Data §2.2.s2.b5: no other change in serialization; §2.4.6.2.s4.b3: arrays."""
    parsed = _parse(statement)
    assert parsed == _as_arrays(statement)
    assert format_statement(parsed, fmt="exact") == parsed
    assert _parse(parsed) == parsed


def _reserialised(value: Any, offset: timedelta) -> Any:
    """`value` as another LRS might return it: keys reversed, UUIDs upper-cased, timestamps in
    another zone, one-element context activity arrays as single objects."""
    if isinstance(value, list):
        return [_reserialised(item, offset) for item in value]
    if not isinstance(value, dict):
        return value
    changed = {key: _reserialised(item, offset) for key, item in reversed(value.items())}
    for key in ("id", "registration"):
        if key in changed and len(changed[key]) == 36 and changed[key].count("-") == 4:
            changed[key] = changed[key].upper()
    if "timestamp" in changed:
        moment = datetime.fromisoformat(changed["timestamp"].replace("Z", "+00:00"))
        changed["timestamp"] = moment.astimezone(timezone(offset)).isoformat()
    for key in ("parent", "grouping", "category", "other"):
        if isinstance(changed.get(key), list) and len(changed[key]) == 1:
            changed[key] = changed[key][0]
    return changed


@given(STATEMENTS, st.integers(-14 * 60, 14 * 60).map(lambda minutes: timedelta(minutes=minutes)))
def test_it_finds_a_reserialised_statement_equivalent(
    statement: dict[str, Any], offset: timedelta
) -> None:
    """Data §2.3.1.s9.b1: serialisation differences the exceptions allow are ignored."""
    parsed = _parse(statement)
    again = json.loads(json.dumps(_reserialised(parsed, offset)))
    assert statements_equivalent(parsed, again)
    assert statements_equivalent(parsed, _parse(again))


@given(STATEMENTS, st.booleans())
def test_it_tells_apart_statements_with_different_results(
    statement: dict[str, Any], success: bool
) -> None:
    first = _parse({**statement, "result": {"success": success}})
    second = _parse({**statement, "result": {"success": not success}})
    assert not statements_equivalent(first, second)


@settings(max_examples=300)
@given(
    st.one_of(
        JSON,
        st.lists(JSON, max_size=3),
        st.dictionaries(
            st.sampled_from(["actor", "verb", "object", "context", "result", "id"]), JSON
        ),
    )
)
def test_it_answers_any_json_with_statements_or_a_validation_error(document: Any) -> None:
    """Whatever the body, the answer is a result or XapiValidationError, never a crash."""
    problems = refusals(document, XapiVersion.V2_0_0)
    assert all(message.startswith("statement") for message in problems)
