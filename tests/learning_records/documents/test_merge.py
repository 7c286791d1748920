"""POST merges JSON objects, one level deep (xAPI 1.0.3 Communication §2.2.s7, §2.2.s8), on
every document resource; anything else is refused with 400 and changes nothing."""

import pytest

from tests.learning_records.documents.conftest import RESOURCES, address, call, create, quoted_sha1

pytestmark = pytest.mark.django_db


@pytest.fixture(params=RESOURCES, ids=str)
def resource(request):
    return request.param


def test_it_merges_top_level_properties(lrs, resource):
    """Communication §2.2.s7's own example (XAPI-00234, XAPI-00279)."""
    create(lrs, resource, {"x": "foo", "y": "bar"})

    assert call(lrs, "POST", address(resource), {"x": "bash", "z": "faz"}).status_code == 204

    assert call(lrs, "GET", address(resource)).json() == {"x": "bash", "y": "bar", "z": "faz"}


def test_it_replaces_a_nested_object_whole(lrs, resource):
    """Communication §2.2.s7 (XAPI-00183): only top-level properties are merged."""
    create(lrs, resource, {"car": {"make": "Ford", "model": "Escape"}, "driver": "Dale"})

    call(lrs, "POST", address(resource), {"car": {"make": "Dodge"}})

    assert call(lrs, "GET", address(resource)).json() == {
        "car": {"make": "Dodge"},
        "driver": "Dale",
    }


def test_it_merges_into_a_json_document_with_a_charset(lrs, resource):
    create(lrs, resource, b'{"a": 1}', content_type="application/json; charset=utf-8")

    call(lrs, "POST", address(resource), {"b": 2})

    response = call(lrs, "GET", address(resource))
    assert response.json() == {"a": 1, "b": 2}
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_it_stores_the_merge_as_the_new_etag(lrs, resource):
    create(lrs, resource, {"a": 1})
    before = call(lrs, "GET", address(resource))["ETag"]

    call(lrs, "POST", address(resource), {"b": 2})

    after = call(lrs, "GET", address(resource))
    assert after["ETag"] != before
    assert after["ETag"] == quoted_sha1(after.content)


@pytest.mark.parametrize(
    ("existing", "existing_type", "posted", "posted_type", "message"),
    [
        ({"a": 1}, "application/json", b"abcdefg", "not/json", "send a JSON object"),
        ({"a": 1}, "application/json", b"abc", "application/x-www-form-urlencoded", "JSON object"),
        (b"/ asdf / undefined", "application/octet-stream", {"b": 2}, "application/json", "not a"),
        ({"a": 1}, "application/json", b'{"b": 2}{', "application/json", "not valid JSON"),
        ({"a": 1}, "application/json", b"[1, 2]", "application/json", "must be a JSON object"),
        ([1, 2], "application/json", {"b": 2}, "application/json", "not a JSON object"),
        ({"a": 1}, "application/json", b'{"b": "\\u0000"}', "application/json", "NUL"),
        ({"a": 1}, "application/json", b'{"b": 1e400}', "application/json", "range"),
        ({"a": 1}, "application/json", b'{"\\udc00": 1}', "application/json", "JSON object"),
    ],
    ids=[
        "posted-not-json",
        "posted-form",
        "existing-not-json",
        "posted-broken-json",
        "posted-array",
        "existing-array",
        "posted-nul",
        "posted-huge-number",
        "posted-lone-surrogate",
    ],
)
def test_it_refuses_a_merge_that_is_not_of_two_json_objects(
    lrs, resource, existing, existing_type, posted, posted_type, message
):
    """Communication §2.2.s8.b1 (XAPI-00229, XAPI-00232, XAPI-00278, XAPI-00313)."""
    create(lrs, resource, existing, content_type=existing_type)
    stored = call(lrs, "GET", address(resource))

    response = call(lrs, "POST", address(resource), posted, content_type=posted_type)

    assert response.status_code == 400
    assert message in response.json()["message"]
    after = call(lrs, "GET", address(resource))
    assert (after.content, after["ETag"]) == (stored.content, stored["ETag"])


def test_it_refuses_broken_json_posted_to_a_new_document(lrs, resource):
    """XAPI-00314: Content-Type application/json with a body that is not JSON."""
    response = call(lrs, "POST", address(resource), b'{"a": 1}[')

    assert response.status_code == 400
    assert call(lrs, "GET", address(resource)).status_code == 404


def test_it_stores_a_posted_non_json_document_when_there_is_none(lrs, resource):
    response = call(lrs, "POST", address(resource), b"plain words", content_type="text/plain")

    assert response.status_code == 204
    assert call(lrs, "GET", address(resource)).content == b"plain words"


def test_it_refuses_a_merge_that_would_be_over_the_body_limit(lrs, resource, settings):
    settings.KIPINA_XAPI_MAX_BODY_BYTES = 2048
    create(lrs, resource, {"a": "x" * 1500})

    response = call(lrs, "POST", address(resource), {"b": "y" * 1500})

    assert response.status_code == 413
    assert call(lrs, "GET", address(resource)).json() == {"a": "x" * 1500}
