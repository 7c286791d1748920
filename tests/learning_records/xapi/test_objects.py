"""Statement objects: Activities, StatementRefs, SubStatements (xAPI 1.0.3 Data §2.4.4).

Covers the cases of ADL's activities.js, objects.js, statementrefs.js, substatements.js and
voiding.js, and XAPI-00064 (4.2.2.3-Object-Requirements.js).
"""

from typing import Any

import pytest

from tests.learning_records.xapi.checks import refusals
from tests.xapi_samples import (
    REMOVE,
    make_activity,
    make_agent,
    make_interaction,
    make_statement,
    make_substatement,
    patched,
)

IRI_RULE = "must be an IRI with a scheme, e.g. https://... (Data §4.3)"
IRL_RULE = "must be an IRL (a locatable IRI with a scheme, e.g. https://...)"
UUID_RULE = "must be a UUID in its standard string form (Data §4.4)"
INTERACTION_TYPES = [
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
]
INTERACTION_TYPE_RULE = "must be " + ", ".join(f'"{kind}"' for kind in INTERACTION_TYPES[:-1])
INTERACTION_TYPE_RULE += ' or "other"'
OBJECT_TYPE_RULE = 'must be one of "Activity", "Agent", "Group", "StatementRef", "SubStatement"'
STATEMENT_REF = {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}
# The same object where a statement has it, and where a SubStatement inside one has it.
WHERE = pytest.mark.parametrize("where", ["object", "object.object"])


def _with_object(where: str, target: dict[str, Any]) -> dict[str, Any]:
    if where == "object":
        return make_statement(object=target)
    return make_statement(object=make_substatement(object=target))


@WHERE
@pytest.mark.parametrize(
    "activity",
    [
        make_activity(),
        make_activity(objectType=REMOVE),
        make_activity(definition=REMOVE),
        make_activity(definition={}),
        make_activity(id="urn:uuid:438ad672-de2c-4f0b-8876-35444e7dd746"),
        make_activity(id="block-v1:edX+DemoX+Demo_Course+type@problem+block@3fc5461f"),
        make_activity(id="http://example.com/ü/ñ?a=1#frag"),
    ],
    ids=[
        "full",
        "no-objectType",
        "no-definition",
        "empty-definition",
        "urn",
        "edx-block",
        "unicode",
    ],
)
def test_it_accepts_an_activity(where: str, activity: dict[str, Any]) -> None:
    """XAPI-00047: an Activity has an IRI id; objectType and definition are optional."""
    assert refusals(_with_object(where, activity)) == []


@WHERE
@pytest.mark.parametrize(
    ("path", "value", "subpath", "rule"),
    [
        pytest.param("id", REMOVE, "id", "is required", id="no-id"),
        pytest.param("id", "ab=c://should.fail.com", "id", IRI_RULE, id="id-bad-scheme"),
        pytest.param("id", "www.example.com/meetings", "id", IRI_RULE, id="id-no-scheme"),
        pytest.param("id", "", "id", IRI_RULE, id="id-empty"),
        pytest.param("id", "http://exa mple.com", "id", IRI_RULE, id="id-space"),
        pytest.param(
            "definition",
            "should fail",
            "definition",
            "must be a JSON object",
            id="definition-string",
        ),
        pytest.param(
            "definition.name", 12345, "definition.name", "must be a JSON object", id="name-numeric"
        ),
        pytest.param(
            "definition.name",
            "should fail",
            "definition.name",
            "must be a JSON object",
            id="name-string",
        ),
        pytest.param(
            "definition.description",
            12345,
            "definition.description",
            "must be a JSON object",
            id="description-numeric",
        ),
        pytest.param(
            "definition.name",
            {"en-US": 1},
            'definition.name["en-US"]',
            "must be a string",
            id="name-value-numeric",
        ),
        pytest.param(
            "definition.type", "should fail", "definition.type", IRI_RULE, id="type-not-IRI"
        ),
        pytest.param(
            "definition.moreInfo",
            "virtualmeeting.example.com/3",
            "definition.moreInfo",
            IRL_RULE,
            id="moreInfo-not-IRL",
        ),
        pytest.param(
            "definition.extensions",
            "should fail",
            "definition.extensions",
            "must be a JSON object",
            id="extensions-string",
        ),
        pytest.param(
            "definition.interactionType",
            "true-faLse",
            "definition.interactionType",
            INTERACTION_TYPE_RULE,
            id="interactionType-case",
        ),
        pytest.param(
            "definition.interactionType",
            "Other",
            "definition.interactionType",
            INTERACTION_TYPE_RULE,
            id="interactionType-Other",
        ),
        pytest.param(
            "definition.interactionType",
            "http://x.fi/choice",
            "definition.interactionType",
            INTERACTION_TYPE_RULE,
            id="interactionType-iri",
        ),
        pytest.param(
            "definition.interactionType",
            12345,
            "definition.interactionType",
            INTERACTION_TYPE_RULE,
            id="interactionType-numeric",
        ),
        pytest.param(
            "definition.interactionType",
            {"a": 1},
            "definition.interactionType",
            INTERACTION_TYPE_RULE,
            id="interactionType-object",
        ),
        pytest.param(
            "definition.Name",
            {"en": "x"},
            "definition.Name",
            "is not a property xAPI defines here (property names are case-sensitive)",
            id="key-case",
        ),
        pytest.param(
            "objectType", "activity", "objectType", OBJECT_TYPE_RULE, id="objectType-case"
        ),
    ],
)
def test_it_refuses_a_malformed_activity(
    where: str, path: str, value: Any, subpath: str, rule: str
) -> None:
    """XAPI-00047 (id, an IRI), 00048 (definition is an Object), 00056/00059 (name and
    description are Language Maps), 00060 (type is an IRI), 00061 (moreInfo is an IRL),
    00062 (interactionType values, exact case: Data §2.2.s4.b1.b6), 00057 (extensions)."""
    activity = patched(make_activity(definition={"name": {"en": "x"}}), path, value)
    assert refusals(_with_object(where, activity)) == [f"statement.{where}.{subpath}: {rule}"]


@WHERE
@pytest.mark.parametrize("interaction_type", INTERACTION_TYPES)
def test_it_accepts_each_interaction_type_with_its_components(
    where: str, interaction_type: str
) -> None:
    """XAPI-00062; Data §2.4.4.1.s15: the component lists each interactionType uses."""
    assert refusals(_with_object(where, make_interaction(interaction_type))) == []


@pytest.mark.parametrize(
    ("interaction_type", "components"),
    [
        ("true-false", "choices"),
        ("fill-in", "scale"),
        ("choice", "scale"),
        ("likert", "choices"),
        ("matching", "steps"),
        ("performance", "source"),
        ("sequencing", "target"),
        ("numeric", "steps"),
        ("other", "choices"),
    ],
)
def test_it_refuses_components_an_interaction_type_does_not_use(
    interaction_type: str, components: str
) -> None:
    """Data §2.4.4.1.s15: choices for choice and sequencing, scale for likert, source and
    target for matching, steps for performance."""
    activity = make_interaction(interaction_type)
    activity["definition"][components] = [{"id": "a", "description": {"en": "A"}}]
    assert refusals(make_statement(object=activity)) == [
        f"statement.object.definition.{components}: is not used with interactionType "
        f'"{interaction_type}" (Data §2.4.4.1)'
    ]


@pytest.mark.parametrize(
    "interaction_type",
    ["choice", "sequencing", "likert", "matching", "performance", "other", "true-false"],
)
def test_it_refuses_interaction_properties_without_interaction_type(interaction_type: str) -> None:
    """XAPI-00064: correctResponsesPattern, choices, scale, source, target or steps need an
    interactionType."""
    activity = patched(make_interaction(interaction_type), "definition.interactionType", REMOVE)
    present = sorted(
        key
        for key in activity["definition"]
        if key in ("correctResponsesPattern", "choices", "scale", "source", "target", "steps")
    )
    assert refusals(make_statement(object=activity)) == [
        f"statement.object.definition.{name}: requires interactionType (Data §2.4.4.1)"
        for name in present
    ]


@pytest.mark.parametrize(
    ("path", "value", "subpath", "rule"),
    [
        pytest.param(
            "definition.choices",
            [{"id": "a"}, {"id": "a"}],
            "definition.choices",
            "interaction component ids must be unique (Data §2.4.4.1)",
            id="duplicate-ids",
        ),
        pytest.param(
            "definition.choices.0.id",
            "",
            "definition.choices[0].id",
            "must not be empty",
            id="empty-id",
        ),
        pytest.param(
            "definition.choices.0.id",
            1,
            "definition.choices[0].id",
            "must be a string",
            id="numeric-id",
        ),
        pytest.param(
            "definition.choices.0.description",
            {"a12345": "x"},
            "definition.choices[0].description",
            'key "a12345" is not an RFC 5646 language tag (Data §4.2)',
            id="bad-language",
        ),
        pytest.param(
            "definition.choices.0",
            {"description": {"en": "x"}},
            "definition.choices[0].id",
            "is required",
            id="no-id",
        ),
        pytest.param(
            "definition.correctResponsesPattern",
            "graphite",
            "definition.correctResponsesPattern",
            "must be an array",
            id="pattern-string",
        ),
        pytest.param(
            "definition.correctResponsesPattern",
            [1],
            "definition.correctResponsesPattern[0]",
            "must be a string",
            id="pattern-number",
        ),
    ],
)
def test_it_refuses_malformed_interaction_components(
    path: str, value: Any, subpath: str, rule: str
) -> None:
    """Data §2.4.4.1.s15-s16: components have a String id, distinct within their list, and an
    optional description Language Map; correctResponsesPattern is an array of Strings."""
    activity = patched(make_interaction("choice"), path, value)
    assert refusals(make_statement(object=activity)) == [f"statement.object.{subpath}: {rule}"]


def test_it_accepts_an_empty_correct_responses_pattern() -> None:
    """Data §2.4.4.1.s11: an empty array means there is no correct response."""
    activity = patched(make_interaction("fill-in"), "definition.correctResponsesPattern", [])
    assert refusals(make_statement(object=activity)) == []


@pytest.mark.parametrize("where", ["object", "object.object", "context.statement"])
def test_it_accepts_a_statement_ref(where: str) -> None:
    """XAPI-00072, XAPI-00073 (Data §2.4.4.3): objectType "StatementRef" and a UUID id."""
    if where == "context.statement":
        statement = make_statement(context={"statement": STATEMENT_REF})
    else:
        statement = _with_object(where, STATEMENT_REF)
    assert refusals(statement) == []


@WHERE
@pytest.mark.parametrize(
    ("patch", "subpath", "rule"),
    [
        pytest.param(
            {"objectType": "statementref"}, "objectType", OBJECT_TYPE_RULE, id="objectType-case"
        ),
        pytest.param({"id": REMOVE}, "id", "is required", id="no-id"),
        pytest.param({"id": "MA97B177-9383-4934-8543-0F91A7A02836"}, "id", UUID_RULE, id="non-hex"),
        pytest.param(
            {"id": "AA97B177-9383-4934-8543-0F91A7A028368"}, "id", UUID_RULE, id="too-long"
        ),
        pytest.param({"id": 12345}, "id", "must be a string", id="numeric"),
        pytest.param({"id": {"key": "value"}}, "id", "must be a string", id="object"),
        pytest.param(
            {"definition": {}},
            "definition",
            "is not a property xAPI defines here (property names are case-sensitive)",
            id="extra",
        ),
    ],
)
def test_it_refuses_a_malformed_statement_ref(
    where: str, patch: dict[str, Any], subpath: str, rule: str
) -> None:
    """XAPI-00072 (a required UUID id), XAPI-00073 (objectType "StatementRef"), XAPI-00027..30."""
    target = {
        key: value for key, value in {**STATEMENT_REF, **patch}.items() if value is not REMOVE
    }
    assert refusals(_with_object(where, target)) == [f"statement.{where}.{subpath}: {rule}"]


@pytest.mark.parametrize(
    "substatement",
    [
        make_substatement(),
        make_substatement(object=STATEMENT_REF),
        make_substatement(object=make_agent()),
        make_substatement(result={"success": True}, context={"registration": STATEMENT_REF["id"]}),
        make_substatement(timestamp="2031-11-28T12:21:39.028Z"),
    ],
    ids=["activity", "statementref", "agent", "result-context", "future-timestamp"],
)
def test_it_accepts_a_substatement(substatement: dict[str, Any]) -> None:
    """XAPI-00066 (a SubStatement follows the Statement rules); Data §2.4.7.s3.b5."""
    assert refusals(make_statement(object=substatement)) == []


@pytest.mark.parametrize(
    ("patch", "subpath", "rule"),
    [
        pytest.param({"actor": REMOVE}, "actor", "is required", id="no-actor"),
        pytest.param({"verb": REMOVE}, "verb", "is required", id="no-verb"),
        pytest.param({"object": REMOVE}, "object", "is required", id="no-object"),
        pytest.param(
            {"objectType": "substatement"}, "objectType", OBJECT_TYPE_RULE, id="objectType-case"
        ),
        pytest.param(
            {"id": STATEMENT_REF["id"]},
            "id",
            "is not allowed in a SubStatement (Data §2.4.4.3)",
            id="id",
        ),
        pytest.param(
            {"stored": "2024-05-04T12:00:00Z"},
            "stored",
            "is not allowed in a SubStatement (Data §2.4.4.3)",
            id="stored",
        ),
        pytest.param(
            {"version": "1.0.3"},
            "version",
            "is not allowed in a SubStatement (Data §2.4.4.3)",
            id="version",
        ),
        pytest.param(
            {"authority": make_agent()},
            "authority",
            "is not allowed in a SubStatement (Data §2.4.4.3)",
            id="authority",
        ),
        pytest.param(
            {"object": make_substatement()},
            "object",
            "a SubStatement must not contain a SubStatement (Data §2.4.4.3)",
            id="nested",
        ),
    ],
)
def test_it_refuses_a_malformed_substatement(
    patch: dict[str, Any], subpath: str, rule: str
) -> None:
    """XAPI-00066..00071 (Data §2.4.4.3.s8): no id, stored, version, authority or nested
    SubStatement; actor, verb and object required."""
    assert refusals(make_statement(object=make_substatement(**patch))) == [
        f"statement.object.{subpath}: {rule}"
    ]


@pytest.mark.parametrize("object_type", ["Statement", "", 12345, {"a": 1}, "activity"])
def test_it_refuses_an_unknown_object_type(object_type: Any) -> None:
    """XAPI-00063 (Data §2.4.4.s2): Activity, Agent, Group, SubStatement or StatementRef."""
    activity = make_activity(objectType=object_type)
    assert refusals(make_statement(object=activity)) == [
        f"statement.object.objectType: {OBJECT_TYPE_RULE}"
    ]


def test_it_refuses_an_object_that_is_not_a_json_object() -> None:
    assert refusals(make_statement(object="activity")) == [
        "statement.object: must be a JSON object"
    ]


def test_it_accepts_a_voiding_statement() -> None:
    """XAPI-00017, XAPI-00019: a voiding statement targets a StatementRef (that need not exist)."""
    verb = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}
    assert refusals(make_statement(verb=verb, object=STATEMENT_REF)) == []


@pytest.mark.parametrize("target", [make_activity(), make_agent(), make_substatement()])
def test_it_refuses_a_voiding_statement_whose_object_is_not_a_statement_ref(target: Any) -> None:
    """XAPI-00020 (Data §2.3.2.s2.b1): a voiding statement's object is a StatementRef."""
    verb = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    assert refusals(make_statement(verb=verb, object=target)) == [
        "statement.object: a voiding statement's object must be a StatementRef"
    ]
