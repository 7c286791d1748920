"""The pure rules of the document resources: ETag matching, preconditions per version, and
what can be kept parsed for merges (xAPI 1.0.3 Communication §2.2, §3.1)."""

import pytest

from learning_records.xapi.documents import (
    Conditions,
    DocumentResource,
    Write,
    concurrency_refusal,
    etag_listed,
    etag_of,
    is_json,
    merge,
    mergeable,
)
from learning_records.xapi.versions import XapiVersion

ETAG = etag_of(b"{}")
STATE, ACTIVITY_PROFILE = DocumentResource.STATE, DocumentResource.ACTIVITY_PROFILE
V103, V20 = XapiVersion.V1_0_3, XapiVersion.V2_0_0


def test_the_etag_is_the_lowercase_hex_sha1_of_the_bytes():
    assert etag_of(b"{}") == "bf21a9e8fbc5a3846fb05b4fa0859e0917b2202f"


@pytest.mark.parametrize(
    ("header", "etag", "listed"),
    [
        (f'"{ETAG}"', ETAG, True),
        (f'W/"{ETAG}"', ETAG, True),
        (f'"{ETAG.upper()}"', ETAG, True),
        (ETAG, ETAG, True),
        (f'"abc", "{ETAG}"', ETAG, True),
        ("*", ETAG, True),
        ("*", None, False),
        (f'"{ETAG}"', None, False),
        ('"1234"', ETAG, False),
        ("", ETAG, False),
    ],
    ids=[
        "quoted",
        "weak",
        "uppercase",
        "unquoted",
        "in-a-list",
        "star",
        "star-no-document",
        "no-document",
        "other",
        "empty",
    ],
)
def test_it_matches_an_etag_header_against_the_current_etag(header, etag, listed):
    assert etag_listed(header, etag) is listed


# (write, resource, version, current etag, conditions, expected status or None to go ahead)
REFUSALS = [
    (Write.PUT, STATE, V103, ETAG, Conditions(), None),
    (Write.PUT, STATE, V20, ETAG, Conditions(), 409),
    (Write.PUT, STATE, V20, None, Conditions(), None),
    (Write.PUT, ACTIVITY_PROFILE, V103, None, Conditions(), 400),
    (Write.PUT, ACTIVITY_PROFILE, V103, ETAG, Conditions(), 409),
    (Write.PUT, ACTIVITY_PROFILE, V20, None, Conditions(), None),
    (Write.PUT, ACTIVITY_PROFILE, V20, ETAG, Conditions(), 409),
    (Write.PUT, ACTIVITY_PROFILE, V103, None, Conditions(if_none_match="*"), None),
    (Write.PUT, ACTIVITY_PROFILE, V103, ETAG, Conditions(if_match=f'"{ETAG}"'), None),
    (Write.PUT, STATE, V103, ETAG, Conditions(if_match='"0"'), 412),
    (Write.PUT, STATE, V103, ETAG, Conditions(if_none_match="*"), 412),
    (Write.POST, ACTIVITY_PROFILE, V103, ETAG, Conditions(), None),
    (Write.POST, STATE, V20, ETAG, Conditions(if_match='"0"'), 412),
    (Write.POST, STATE, V20, None, Conditions(if_match="*"), 412),
    (Write.DELETE, ACTIVITY_PROFILE, V103, ETAG, Conditions(), None),
    (Write.DELETE, ACTIVITY_PROFILE, V103, None, Conditions(), None),
    (Write.DELETE, STATE, V20, ETAG, Conditions(if_match=f'"{ETAG}"'), None),
    (Write.DELETE, STATE, V20, ETAG, Conditions(if_match='"0"'), 412),
]


@pytest.mark.parametrize(
    ("write", "resource", "version", "current", "conditions", "status"), REFUSALS
)
def test_it_decides_whether_a_write_may_go_ahead(
    write, resource, version, current, conditions, status
):
    refusal = concurrency_refusal(
        write=write,
        resource=resource,
        version=version,
        current_etag=current,
        conditions=conditions,
    )

    assert (refusal.status if refusal else None) == status


@pytest.mark.parametrize(
    ("content_type", "json"),
    [
        ("application/json", True),
        ("Application/JSON; charset=utf-8", True),
        ("application/jsonx", False),
        ("text/json", False),
        ("", False),
        (None, False),
    ],
)
def test_it_knows_a_json_content_type(content_type, json):
    assert is_json(content_type) is json


@pytest.mark.parametrize(
    ("document", "kept"),
    [
        ({"a": [1, {"b": "ä"}]}, True),
        ({}, True),
        ([1, 2], False),
        ("text", False),
        ({"a": "nul\x00"}, False),
        ({"nul\x00": 1}, False),
        ({"a": "\ud800"}, False),
        ({"\udfff": 1}, False),
        ({"a": [float("inf")]}, False),
        ({"a": float("nan")}, False),
    ],
    ids=[
        "nested",
        "empty",
        "array",
        "string",
        "nul-value",
        "nul-key",
        "surrogate-value",
        "surrogate-key",
        "infinity",
        "nan",
    ],
)
def test_it_keeps_only_json_objects_the_database_can_hold(document, kept):
    assert (mergeable(document) is not None) is kept


def test_it_refuses_to_keep_a_document_nested_deeper_than_it_parses():
    document: dict = {}
    node = document
    for _ in range(300):
        node["a"] = {}
        node = node["a"]

    assert mergeable(document) is None


def test_a_merge_replaces_top_level_properties_whole():
    """Communication §2.2.s7's example, and a nested object replaced, not merged."""
    assert merge({"x": "foo", "y": "bar", "n": {"a": 1}}, {"x": "bash", "z": "faz", "n": {}}) == {
        "x": "bash",
        "y": "bar",
        "z": "faz",
        "n": {},
    }
