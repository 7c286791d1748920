"""parse_statements: bodies, batches, formatting rules and what it returns (xAPI 1.0.3 Data §2.2,
§2.4, §4; ADL formatting.js, timestamps.js, timestamp_property.js, uuids.js, version.js,
languages.js, extensions.js)."""

import copy
from typing import Any

import pytest

from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.validate import MAX_DEPTH, parse_statements
from learning_records.xapi.versions import XapiVersion
from tests.learning_records.xapi.checks import accepted, refusals
from tests.xapi_samples import (
    REMOVE,
    make_activity,
    make_agent,
    make_full_statement,
    make_statement,
    make_substatement,
    patched,
)

NULL_RULE = "must not be null (only extension values may be null, Data §2.2)"
UUID_RULE = "must be a UUID in its standard string form (Data §4.4)"
TIMESTAMP_RULE = "must be an ISO 8601 date and time, e.g. 2024-05-04T12:00:00.000Z"
NEGATIVE_ZERO = "must not use a negative zero UTC offset (-00:00); use Z or +00:00"
UNKNOWN = "is not a property xAPI defines here (property names are case-sensitive)"


def test_it_returns_a_single_statement_as_a_list_of_one() -> None:
    statement = make_full_statement()
    assert parse_statements(statement, version=XapiVersion.V1_0_3) == [statement]


def test_it_returns_a_batch_in_order() -> None:
    batch = [make_statement(id=f"00000000-0000-4000-8000-00000000000{index}") for index in range(3)]
    assert parse_statements(batch, version=XapiVersion.V1_0_3) == batch


def test_it_accepts_an_empty_batch() -> None:
    assert parse_statements([], version=XapiVersion.V1_0_3) == []


@pytest.mark.parametrize("document", ["statement", 12, 1.5, True, None])
def test_it_refuses_a_body_that_is_neither_object_nor_array(document: Any) -> None:
    assert refusals(document) == ["statement: must be a JSON object or an array of objects"]


@pytest.mark.parametrize("item", ["statement", 12, None, [make_statement()]])
def test_it_refuses_a_batch_item_that_is_not_an_object(item: Any) -> None:
    assert refusals([make_statement(id=REMOVE), item]) == ["statement[1]: must be a JSON object"]


def test_it_names_the_batch_index_in_each_message() -> None:
    batch = [make_statement(id=REMOVE) for _ in range(4)]
    batch[3]["actor"] = {"name": "no identifier"}
    assert refusals(batch) == [
        "statement[3].actor: exactly one of mbox, mbox_sha1sum, openid, account is required"
    ]


def test_it_lists_every_problem_of_every_statement() -> None:
    first = make_statement(id="not-a-uuid", verb={"id": "completed"})
    second = make_statement(id=REMOVE, actor=make_agent(mbox="aino@example.fi"))
    with pytest.raises(XapiValidationError) as raised:
        parse_statements([first, second], version=XapiVersion.V1_0_3)
    assert raised.value.errors == [
        f"statement[0].id: {UUID_RULE}",
        "statement[0].verb.id: must be an IRI with a scheme, e.g. https://... (Data §4.3)",
        'statement[1].actor.mbox: must be a "mailto:" IRI with an e-mail address (Data §2.4.2.3)',
    ]


@pytest.mark.parametrize(
    "second_id", ["6F1D2C6E-1B8A-4C47-9F4E-3A0C1F2B9D11", "6f1d2c6e-1b8a-4c47-9f4e-3a0c1f2b9d11"]
)
def test_it_refuses_a_batch_that_repeats_an_id(second_id: str) -> None:
    """Communication §2.1.2.s2.b6: a batch with two statements of one id is refused."""
    batch = [make_statement(), make_statement(id=REMOVE), make_statement(id=second_id)]
    assert refusals(batch) == ["statement[2].id: repeats the id of statement[0] in this batch"]


@pytest.mark.parametrize(
    "path",
    [
        "actor",
        "actor.name",
        "verb",
        "verb.display",
        "object",
        "object.definition.name.en-US",
        "context",
        "timestamp",
        "id",
        "result",
    ],
)
def test_it_refuses_null_outside_extensions(path: str) -> None:
    """XAPI-00001 (Data §2.2.s4.b1.b1): no null values except inside extensions."""
    statement = patched(
        make_statement(result={"success": True}, context={"platform": "x"}), path, None
    )
    rendered = path.replace(".en-US", '["en-US"]')
    assert refusals(statement) == [f"statement.{rendered}: {NULL_RULE}"]


def test_it_refuses_a_null_extensions_property() -> None:
    """Only the values of an extensions map may be null, not the map."""
    assert refusals(make_statement(result={"extensions": None})) == [
        f"statement.result.extensions: {NULL_RULE}"
    ]


def test_it_refuses_null_in_a_group_member_list() -> None:
    statement = make_statement(actor={"objectType": "Group", "member": [make_agent(), None]})
    assert refusals(statement) == [f"statement.actor.member[1]: {NULL_RULE}"]


EXTENSION_PLACES = {
    "result": lambda extensions: make_statement(result={"extensions": extensions}),
    "context": lambda extensions: make_statement(context={"extensions": extensions}),
    "object.definition": lambda extensions: make_statement(
        object=make_activity(definition={"extensions": extensions})
    ),
    "object.object.definition": lambda extensions: make_statement(
        object=make_substatement(object=make_activity(definition={"extensions": extensions}))
    ),
}


@pytest.mark.parametrize("build", list(EXTENSION_PLACES.values()), ids=list(EXTENSION_PLACES))
@pytest.mark.parametrize(
    "extensions",
    [
        {},
        {"http://example.com/ex": None},
        {"http://example.com/ex": ""},
        {"http://example.com/ex": {}},
        {"http://example.com/ex": {"deep": [None, {"x": None}]}},
    ],
    ids=["empty", "null", "empty-string", "empty-object", "nested-null"],
)
def test_it_accepts_any_json_as_an_extension_value(build: Any, extensions: dict[str, Any]) -> None:
    """XAPI-00119, XAPI-00120 (Data §4.1): extension values are any JSON, null included."""
    assert refusals(build(extensions)) == []


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_it_accepts_deep_nesting_up_to_the_limit() -> None:
    # statement (1) > result (2) > extensions (3) > value: MAX_DEPTH - 3 more objects.
    extension = _nested(MAX_DEPTH - 3)
    assert refusals(make_statement(result={"extensions": {"http://x.fi/e": extension}})) == []


def test_it_refuses_nesting_deeper_than_the_limit() -> None:
    extension = _nested(MAX_DEPTH - 2)
    problems = refusals(make_statement(result={"extensions": {"http://x.fi/e": extension}}))
    path = 'statement.result.extensions["http://x.fi/e"]' + ".a" * (MAX_DEPTH - 3)
    assert problems == [f"{path}: nests deeper than {MAX_DEPTH} levels"]


def test_it_refuses_a_hostile_depth_without_recursion() -> None:
    """The pre-pass is iterative: 100,000 levels cost no stack."""
    problems = refusals(make_statement(result={"extensions": {"http://x.fi/e": _nested(100_000)}}))
    assert len(problems) == 1
    assert problems[0].endswith(f"nests deeper than {MAX_DEPTH} levels")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("iD", "6f1d2c6e-1b8a-4c47-9f4e-3a0c1f2b9d11"),
        ("Actor", {}),
        ("vErb", {}),
        ("Object", {}),
        ("Result", {}),
        ("Context", {}),
        ("timeStamp", "2024-05-04T12:00:00Z"),
        ("STOred", "2024-05-04T12:00:00Z"),
        ("auTHORity", {}),
        ("Version", "1.0.3"),
        ("attachmentS", []),
    ],
)
def test_it_refuses_a_statement_key_in_the_wrong_case(key: str, value: Any) -> None:
    """XAPI-00008 (Data §2.2.s4.b1.b5): key case must match the specification."""
    assert refusals(make_statement(**{key: value})) == [f"statement.{key}: {UNKNOWN}"]


@pytest.mark.parametrize("key", ["actor", "verb", "object"])
def test_it_refuses_a_statement_without_actor_verb_or_object(key: str) -> None:
    """XAPI-00003..00005 (Data §2.2.s2.b3)."""
    assert refusals(make_statement(**{key: REMOVE})) == [f"statement.{key}: is required"]


@pytest.mark.parametrize(
    ("statement_id", "rule"),
    [
        ("AA97B177-9383-4934-8543-0F91A7A028368", UUID_RULE),
        ("MA97B177-9383-4934-8543-0F91A7A02836", UUID_RULE),
        ("6f1d2c6e1b8a4c479f4e3a0c1f2b9d11", UUID_RULE),
        ("{6f1d2c6e-1b8a-4c47-9f4e-3a0c1f2b9d11}", UUID_RULE),
        ("", UUID_RULE),
        (12345, "must be a string"),
        ({"key": "value"}, "must be a string"),
    ],
)
def test_it_refuses_a_statement_id_that_is_not_a_uuid(statement_id: Any, rule: str) -> None:
    """XAPI-00027..00030 (Data §4.4): UUIDs in standard string form."""
    assert refusals(make_statement(id=statement_id)) == [f"statement.id: {rule}"]


def test_it_accepts_an_uppercase_uuid() -> None:
    """RFC 4122 §3: hex digits are case-insensitive on input."""
    assert refusals(make_statement(id="AA97B177-9383-4934-8543-0F91A7A02836")) == []


@pytest.mark.parametrize(
    "timestamp",
    [
        "2024-05-04T12:00:00.000Z",
        "2008-09-15T15:53:00.601+00:00",
        "2015-06-10T22:31:41+08:00",
        "2023-05-04T12:00:00-05:00",
        "2031-11-28T12:21:39.028Z",
        "2024-05-04T12:00Z",
        "20240504T120000Z",
        "2024-05-04T12:00:00.123456789+0300",
        "2024-05-04T12:00:00",
    ],
)
def test_it_accepts_an_iso_8601_timestamp(timestamp: str) -> None:
    """XAPI-00022, XAPI-00123 (Data §4.5): ISO 8601, extended or basic; future times too
    (Data §2.4.7.s3.b6)."""
    assert refusals(make_statement(timestamp=timestamp, stored=timestamp)) == []


@pytest.mark.parametrize(
    ("timestamp", "rule"),
    [
        ("should fail", TIMESTAMP_RULE),
        ("01/011/2015", TIMESTAMP_RULE),
        ("2024-05-04", TIMESTAMP_RULE),
        ("2024-05-04 12:00:00Z", TIMESTAMP_RULE),
        ("2008-09-15T15:53:00.601-00", NEGATIVE_ZERO),
        ("2008-09-15T15:53:00.601-0000", NEGATIVE_ZERO),
        ("2008-09-15T15:53:00.601-00:00", NEGATIVE_ZERO),
        ("2024-02-30T12:00:00Z", "is not a valid date and time (day is out of range for month)"),
        ("2024-05-04T25:00:00Z", "is not a valid date and time (hour must be in 0..23)"),
        (
            "2024-05-04T12:00:00+24:00",
            "is not a valid date and time (UTC offset +24:00 is out of range)",
        ),
    ],
)
@pytest.mark.parametrize("where", ["timestamp", "stored", "object.timestamp"])
def test_it_refuses_a_timestamp_that_is_not_iso_8601(timestamp: str, rule: str, where: str) -> None:
    """XAPI-00022, XAPI-00123: and not the negative zero offset RFC 3339 uses for "unknown"."""
    statement = make_statement(object=make_substatement())
    statement = patched(statement, where, timestamp)
    assert refusals(statement) == [f"statement.{where}: {rule}"]


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.3", "1.0.9"])
def test_it_accepts_a_1_0_version_property(version: str) -> None:
    """XAPI-00101 (Data §2.4.10)."""
    assert refusals(make_statement(version=version)) == []
    assert refusals(make_statement(version=version), XapiVersion.V2_0_0) == []


@pytest.mark.parametrize("version", ["2.0", "2.0.0", "2.0.1"])
def test_it_accepts_a_2_0_version_property_in_2_0_requests_only(version: str) -> None:
    """ADL v2_0 XAPI-00332 round-trips "2.0.0"; 1.0.3 allows only 1.0.x (XAPI-00101)."""
    assert refusals(make_statement(version=version), XapiVersion.V2_0_0) == []
    assert refusals(make_statement(version=version)) == [
        'statement.version: must be "1.0" or "1.0.x" (Data §2.4.10)'
    ]


@pytest.mark.parametrize(
    ("version", "rule"),
    [
        ("should fail", 'must be "1.0", "1.0.x", "2.0" or "2.0.x"'),
        ("0.9.9", 'must be "1.0", "1.0.x", "2.0" or "2.0.x"'),
        ("1.1.0", 'must be "1.0", "1.0.x", "2.0" or "2.0.x"'),
        ("1.0.", 'must be "1.0", "1.0.x", "2.0" or "2.0.x"'),
        ("1", 'must be "1.0", "1.0.x", "2.0" or "2.0.x"'),
        (1.0, "must be a string"),
    ],
)
def test_it_refuses_another_version_property(version: Any, rule: str) -> None:
    """XAPI-00101."""
    statement = make_statement(version=version)
    assert refusals(statement, XapiVersion.V2_0_0) == [f"statement.version: {rule}"]


def test_it_refuses_context_agents_in_1_0_3() -> None:
    """contextAgents and contextGroups are xAPI 2.0 (ADL v2_0 contextagents.js only)."""
    context = {"contextAgents": [{"objectType": "contextAgent", "agent": make_agent()}]}
    assert refusals(make_statement(context=context)) == [
        "statement.context.contextAgents: is defined by xAPI 2.0 only "
        "(send X-Experience-API-Version: 2.0.0)"
    ]


@pytest.mark.parametrize(
    ("where", "tag"),
    [
        ("verb.display", "de"),
        ("object.definition.name", "de-DE"),
        ("object.definition.description", "zh-Hant"),
        ("verb.display", "sr-Latn-RS"),
        ("verb.display", "cmn"),
        ("verb.display", "es-419"),
        ("verb.display", "und"),
        ("verb.display", "en-GB-oed"),
        ("verb.display", "de-CH-1901"),
        ("verb.display", "x-private"),
        ("verb.display", "EN-us"),
    ],
)
def test_it_accepts_an_rfc_5646_language_map_key(where: str, tag: str) -> None:
    """XAPI-00121 (Data §4.2, §2.2.s4.b2), ADL formatting.js language tag cases."""
    assert refusals(patched(make_statement(), where, {tag: "x"})) == []


@pytest.mark.parametrize(
    "tag",
    ["a12345", "a12345678", "zh-z-aaa-z-bbb-c-ccc", "en_US", "", "en-", "de-1901-1901", "e", "12"],
)
@pytest.mark.parametrize(
    "where", ["verb.display", "object.definition.name", "object.definition.description"]
)
def test_it_refuses_a_language_map_key_that_is_not_rfc_5646(tag: str, where: str) -> None:
    """XAPI-00121: including a repeated extension singleton (ADL formatting.js)."""
    statement = patched(make_statement(), where, {"en-US": "x", tag: "y"})
    assert refusals(statement) == [
        f'statement.{where}: key "{tag}" is not an RFC 5646 language tag (Data §4.2)'
    ]


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("result.score.raw", "8", "must be a number"),
        ("result.score.min", "0", "must be a number"),
        ("result.success", "true", "must be true or false (a JSON boolean)"),
        ("result.completion", 1, "must be true or false (a JSON boolean)"),
        ("result.score.max", float("nan"), "must be a finite number"),
        ("result.score.raw", float("inf"), "must be a finite number"),
        ("attachments.0.length", True, "must be an integer"),
    ],
)
def test_it_refuses_the_wrong_json_type(path: str, value: Any, rule: str) -> None:
    """XAPI-00006 (Data §2.2.s4.b1.b2): no strings for numbers or booleans, no coercion."""
    statement = patched(make_full_statement(), path, value)
    rendered = path.replace(".0.", "[0].")
    assert refusals(statement) == [f"statement.{rendered}: {rule}"]


def test_it_accepts_what_the_lrs_sets_when_valid() -> None:
    """Data §2.4.8, §2.4.9, §2.4.10: stored, authority and version may come in (cmi5 samples)."""
    assert refusals(make_full_statement()) == []


def test_it_adds_nothing_the_storage_layer_sets() -> None:
    statement = make_statement(id=REMOVE, timestamp=REMOVE)
    assert accepted(statement) == statement


def test_it_does_not_modify_the_document() -> None:
    statement = make_full_statement(context={"contextActivities": {"parent": make_activity()}})
    before = copy.deepcopy(statement)
    accepted(statement)
    assert statement == before


def test_it_accepts_a_2_0_statement_under_2_0() -> None:
    assert refusals(make_full_statement(version="2.0.0"), XapiVersion.V2_0_0) == []
