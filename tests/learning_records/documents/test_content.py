"""Documents come back byte for byte with the Content-Type they were stored with, and HEAD
answers with GET's headers (xAPI 1.0.3 Communication §1.1, §2.2)."""

import os

import pytest

from learning_records.models import Document
from tests.learning_records.documents.conftest import RESOURCES, address, call, create, quoted_sha1

pytestmark = pytest.mark.django_db

FINNISH = "Käyttäjä jatkoi kohdasta: ”Litiumioniakun kennot — ÄÖÅ äöå” 🔋\n".encode()
DOCUMENTS = [
    (os.urandom(4096) + b"\x00\xff\xfe", "application/octet-stream"),
    (FINNISH, "text/plain; charset=utf-8"),
    ('{"kohta": "sivu 4", "äänet": ["ö", "å"]}'.encode(), "application/json"),
    (b'{"b":1,   "a" : 2}\n', "application/json"),
    (b"", "application/octet-stream"),
    (b"<suspend_data>4|9|x</suspend_data>", "application/xml"),
]


@pytest.fixture(params=RESOURCES, ids=str)
def resource(request):
    return request.param


@pytest.mark.parametrize(
    ("content", "content_type"),
    DOCUMENTS,
    ids=["binary", "finnish-text", "finnish-json", "json-as-written", "empty", "xml"],
)
def test_it_returns_the_document_byte_for_byte_with_its_content_type(
    lrs, resource, content, content_type
):
    create(lrs, resource, content, content_type=content_type)

    response = call(lrs, "GET", address(resource))

    assert response.status_code == 200
    assert response.content == content
    assert response["Content-Type"] == content_type
    assert response["ETag"] == quoted_sha1(content)


def test_it_stores_a_document_without_a_content_type_as_octet_stream(lrs, resource):
    url = address(resource)
    lrs.http.generic(
        "PUT", url, b"\x01\x02", content_type="", headers={**lrs.headers, "If-None-Match": "*"}
    )

    response = call(lrs, "GET", url)

    assert response.content == b"\x01\x02"
    assert response["Content-Type"] == "application/octet-stream"


def test_it_replaces_a_document_whole_with_put(lrs, resource):
    create(lrs, resource, FINNISH, content_type="text/plain; charset=utf-8")
    current = call(lrs, "GET", address(resource))["ETag"]

    call(
        lrs,
        "PUT",
        address(resource),
        b"\x00\x01",
        content_type="image/x-icon",
        headers={"If-Match": current},
    )

    response = call(lrs, "GET", address(resource))
    assert (response.content, response["Content-Type"]) == (b"\x00\x01", "image/x-icon")
    assert Document.objects.get().parsed is None


def test_head_answers_with_the_headers_of_get_and_no_body(lrs, resource):
    """Communication §1.1 (XAPI-00125, XAPI-00126)."""
    create(lrs, resource, FINNISH, content_type="text/plain; charset=utf-8")
    get = call(lrs, "GET", address(resource))

    head = call(lrs, "HEAD", address(resource))

    assert head.status_code == 200
    assert head.content == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified"):
        assert head[name] == get[name], name
    assert head["Content-Length"] == str(len(FINNISH))


def test_head_of_the_ids_answers_like_get(lrs, resource):
    create(lrs, resource, {"a": 1})
    get = call(lrs, "GET", address(resource, None))

    head = call(lrs, "HEAD", address(resource, None))

    assert (head.status_code, head.content) == (200, b"")
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


def test_head_of_a_missing_document_is_404_without_a_body(lrs, resource):
    response = call(lrs, "HEAD", address(resource, "never-stored"))

    assert (response.status_code, response.content) == (404, b"")


def test_it_keeps_a_json_object_parsed_for_merges(lrs, resource):
    create(lrs, resource, {"kohta": "sivu 4"})

    assert Document.objects.get().parsed == {"kohta": "sivu 4"}


def test_it_refuses_a_put_that_claims_json_and_is_not(lrs, resource):
    response = call(lrs, "PUT", address(resource), b"{not json", headers={"If-None-Match": "*"})

    assert response.status_code == 400
    assert "the document is not valid JSON" in response.json()["message"]
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"[1, 2, 3]", b'"a string"', b'{"nul": "\\u0000"}', b'{"s": "\\ud800"}', b'{"big": 1e400}'],
    ids=["array", "string", "nul", "lone-surrogate", "huge-number"],
)
def test_it_stores_json_it_cannot_merge_into_as_it_came(lrs, resource, content):
    create(lrs, resource, content)

    assert call(lrs, "GET", address(resource)).content == content
    assert Document.objects.get().parsed is None
