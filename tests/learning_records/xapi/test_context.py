"""Context and Attachments (xAPI 1.0.3 Data §2.4.6, §2.4.11); ADL contexts.js,
contextactivities.js, attachments.js."""

from typing import Any

import pytest

from tests.learning_records.xapi.checks import accepted, refusals
from tests.xapi_samples import (
    REMOVE,
    make_activity,
    make_agent,
    make_anonymous_group,
    make_attachment,
    make_context,
    make_group,
    make_statement,
    make_substatement,
    patched,
)

UUID_RULE = "must be a UUID in its standard string form (Data §4.4)"
IRI_RULE = "must be an IRI with a scheme, e.g. https://... (Data §4.3)"
ONLY_FOR_ACTIVITIES = "is only allowed when the object is an Activity"
UNKNOWN = "is not a property xAPI defines here (property names are case-sensitive)"
STATEMENT_REF = {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}
WHERE = pytest.mark.parametrize("where", ["context", "object.context"])
CONTEXT_ACTIVITY_KEYS = ["parent", "grouping", "category", "other"]


def _with_context(where: str, context: dict[str, Any], target: Any = None) -> dict[str, Any]:
    if where == "context":
        return make_statement(context=context, object=target or make_activity())
    substatement = make_substatement(context=context, object=target or make_activity())
    return make_statement(object=substatement)


@WHERE
def test_it_accepts_a_full_context(where: str) -> None:
    """XAPI-00084..00092: every Context property at once."""
    context = make_context(statement=STATEMENT_REF, revision="rev_10_3_2", team=make_group())
    assert refusals(_with_context(where, context)) == []


@WHERE
@pytest.mark.parametrize("instructor", [make_agent(), make_group(), make_anonymous_group()])
def test_it_accepts_an_agent_or_group_as_instructor(where: str, instructor: Any) -> None:
    """XAPI-00087-2: instructor is an Agent or a Group."""
    assert refusals(_with_context(where, {"instructor": instructor})) == []


@WHERE
@pytest.mark.parametrize(
    ("patch", "subpath", "rule"),
    [
        pytest.param(
            {"registration": {"a": 1}}, "registration", "must be a string", id="registration-object"
        ),
        pytest.param(
            {"registration": "should fail"}, "registration", UUID_RULE, id="registration-string"
        ),
        pytest.param(
            {"registration": "AA97B177-9383-4934-8543-0F91A7A028368"},
            "registration",
            UUID_RULE,
            id="registration-long",
        ),
        pytest.param(
            {"instructor": "should fail"},
            "instructor",
            "must be a JSON object",
            id="instructor-string",
        ),
        pytest.param(
            {"contextActivities": "should fail"},
            "contextActivities",
            "must be a JSON object",
            id="contextActivities-string",
        ),
        pytest.param({"revision": 12345}, "revision", "must be a string", id="revision-numeric"),
        pytest.param({"revision": {"a": 1}}, "revision", "must be a string", id="revision-object"),
        pytest.param({"platform": 12345}, "platform", "must be a string", id="platform-numeric"),
        pytest.param({"language": 12345}, "language", "must be a string", id="language-numeric"),
        pytest.param(
            {"language": "a12345"},
            "language",
            '"a12345" is not an RFC 5646 language tag (Data §4.2)',
            id="language-invalid",
        ),
        pytest.param(
            {"statement": {**STATEMENT_REF, "objectType": "statementref"}},
            "statement.objectType",
            'must be "StatementRef"',
            id="statement-objectType",
        ),
        pytest.param(
            {"statement": {**STATEMENT_REF, "id": "not-a-uuid"}},
            "statement.id",
            UUID_RULE,
            id="statement-id",
        ),
        pytest.param(
            {"statement": {"id": STATEMENT_REF["id"]}},
            "statement.objectType",
            "is required",
            id="statement-no-objectType",
        ),
        pytest.param(
            {"extensions": {"should fail": True}},
            'extensions["should fail"]',
            f"key {IRI_RULE}",
            id="extension-key",
        ),
        pytest.param({"Platform": "Moodle"}, "Platform", UNKNOWN, id="key-case"),
    ],
)
def test_it_refuses_a_malformed_context(
    where: str, patch: dict[str, Any], subpath: str, rule: str
) -> None:
    """XAPI-00086..00092 (Data §2.4.6.s3), XAPI-00118 (extension keys are IRIs)."""
    statement = _with_context(where, patch)
    assert refusals(statement) == [f"statement.{where}.{subpath}: {rule}"]


@WHERE
@pytest.mark.parametrize("name", ["revision", "platform"])
@pytest.mark.parametrize(
    "target",
    [make_agent(), make_group(), STATEMENT_REF],
    ids=["agent", "group", "statementref"],
)
def test_it_refuses_revision_or_platform_when_the_object_is_no_activity(
    where: str, name: str, target: Any
) -> None:
    """XAPI-00089, XAPI-00090 (Data §2.4.6.s4): revision and platform describe Activities."""
    statement = _with_context(where, {name: "x"}, target)
    assert refusals(statement) == [f"statement.{where}.{name}: {ONLY_FOR_ACTIVITIES}"]


@pytest.mark.parametrize("name", ["revision", "platform"])
def test_it_refuses_revision_or_platform_when_the_object_is_a_substatement(name: str) -> None:
    statement = make_statement(context={name: "x"}, object=make_substatement())
    assert refusals(statement) == [f"statement.context.{name}: {ONLY_FOR_ACTIVITIES}"]


@pytest.mark.parametrize("name", ["revision", "platform"])
def test_it_accepts_revision_or_platform_with_an_activity_without_object_type(name: str) -> None:
    target = {"id": "https://lms.example.fi/course/1"}
    assert refusals(make_statement(context={name: "x"}, object=target)) == []


@WHERE
@pytest.mark.parametrize("key", CONTEXT_ACTIVITY_KEYS)
@pytest.mark.parametrize("single", [True, False], ids=["single", "array"])
def test_it_accepts_context_activities_as_an_activity_or_an_array(
    where: str, key: str, single: bool
) -> None:
    """XAPI-00093, XAPI-00094 (Data §2.4.6.2): parent, grouping, category, other."""
    activity = make_activity()
    context = {
        "contextActivities": {
            key: activity if single else [activity, make_activity(id="https://x.fi/2")]
        }
    }
    assert refusals(_with_context(where, context)) == []


@pytest.mark.parametrize("key", CONTEXT_ACTIVITY_KEYS)
def test_it_returns_single_context_activities_as_arrays(key: str) -> None:
    """XAPI-00096 (Data §2.4.6.2.s4.b3): the LRS returns context activities in arrays."""
    activity = make_activity()
    statement = accepted(make_statement(context={"contextActivities": {key: activity}}))
    assert statement["context"]["contextActivities"] == {key: [activity]}


def test_it_returns_single_context_activities_of_a_substatement_as_arrays() -> None:
    substatement = make_substatement(context={"contextActivities": {"parent": make_activity()}})
    statement = accepted(make_statement(object=substatement))
    assert statement["object"]["context"]["contextActivities"] == {"parent": [make_activity()]}


@WHERE
@pytest.mark.parametrize(
    ("context_activities", "subpath", "rule"),
    [
        pytest.param(
            {"consequences": [make_activity()]}, "consequences", UNKNOWN, id="unknown-key"
        ),
        pytest.param(
            {"parent": "should fail"},
            "parent",
            "must be an Activity object or an array of Activity objects",
            id="string",
        ),
        pytest.param(
            {"other": [make_activity(), {"key": "x"}]},
            "other[1].id",
            "is required",
            id="not-an-activity",
        ),
        pytest.param({"grouping": {"id": "not an IRI"}}, "grouping.id", IRI_RULE, id="bad-id"),
        pytest.param(
            {"category": [make_agent()]}, "category[0].objectType", 'must be "Activity"', id="agent"
        ),
    ],
)
def test_it_refuses_malformed_context_activities(
    where: str, context_activities: dict[str, Any], subpath: str, rule: str
) -> None:
    """XAPI-00093 (only parent, grouping, category, other), XAPI-00094 (values are Activities)."""
    problems = refusals(_with_context(where, {"contextActivities": context_activities}))
    assert f"statement.{where}.contextActivities.{subpath}: {rule}" in problems


def test_it_accepts_attachments() -> None:
    """XAPI-00025: attachments is an array of Attachments (an empty one included)."""
    with_file_url = make_attachment(
        fileUrl="http://over.there.com/file.txt", description={"es-MX": "x"}
    )
    assert refusals(make_statement(attachments=[make_attachment(), with_file_url])) == []
    assert refusals(make_statement(attachments=[])) == []


@pytest.mark.parametrize(
    ("path", "value", "subpath", "rule"),
    [
        pytest.param("usageType", "should fail", "usageType", IRI_RULE, id="usageType"),
        pytest.param("display", REMOVE, "display", "is required", id="no-display"),
        pytest.param("display", 12345, "display", "must be a JSON object", id="display-numeric"),
        pytest.param(
            "display", "should fail", "display", "must be a JSON object", id="display-string"
        ),
        pytest.param(
            "description",
            {"a12345": "x"},
            "description",
            'key "a12345" is not an RFC 5646 language tag (Data §4.2)',
            id="description-language",
        ),
        pytest.param(
            "contentType", 12345, "contentType", "must be a string", id="contentType-number"
        ),
        pytest.param(
            "contentType",
            "text",
            "contentType",
            "must be an Internet Media Type, e.g. text/plain (RFC 2046)",
            id="contentType-no-subtype",
        ),
        pytest.param("length", "27", "length", "must be an integer", id="length-string"),
        pytest.param("length", 27.5, "length", "must be an integer", id="length-fraction"),
        pytest.param("length", -1, "length", "must be at least 0", id="length-negative"),
        pytest.param("sha2", 12345, "sha2", "must be a string", id="sha2-number"),
        pytest.param(
            "sha2",
            "abc",
            "sha2",
            "must be the hex-encoded SHA-2 of the attachment (Data §2.4.11)",
            id="sha2-not-hex",
        ),
        pytest.param(
            "fileUrl",
            "should fail",
            "fileUrl",
            "must be an IRL (a locatable IRI with a scheme, e.g. https://...)",
            id="fileUrl",
        ),
    ],
)
def test_it_refuses_a_malformed_attachment(path: str, value: Any, subpath: str, rule: str) -> None:
    """XAPI-00102..00107 (Data §2.4.11): usageType IRI, display Language Map, contentType,
    integer length, sha2, fileUrl IRL."""
    statement = make_statement(attachments=[patched(make_attachment(), path, value)])
    assert refusals(statement) == [f"statement.attachments[0].{subpath}: {rule}"]


@pytest.mark.parametrize(
    ("attachments", "rule"), [(12345, "must be an array"), ({"a": 1}, "must be an array")]
)
def test_it_refuses_attachments_that_are_not_an_array(attachments: Any, rule: str) -> None:
    """XAPI-00025."""
    assert refusals(make_statement(attachments=attachments)) == [f"statement.attachments: {rule}"]


@pytest.mark.parametrize("attachment", [12345, "should fail"])
def test_it_refuses_an_attachment_that_is_not_an_object(attachment: Any) -> None:
    assert refusals(make_statement(attachments=[attachment])) == [
        "statement.attachments[0]: must be a JSON object"
    ]
