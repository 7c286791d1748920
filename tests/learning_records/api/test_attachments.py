"""Statements with attachments (xAPI 1.0.3 Data §2.4.11, Communication §1.5.2)."""

import hashlib
import json

import pytest

from learning_records.models import AttachmentContent, Statement
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
BOUNDARY = "kipina-test-boundary"
ESSAY = "Akun kennojen valmistus — ensimmäinen essee.\n".encode()
ESSAY_SHA = hashlib.sha256(ESSAY).hexdigest()


def with_attachment(sha2=ESSAY_SHA, length=None, **extra):
    attachment = {
        "usageType": "http://id.tincanapi.com/attachment/supporting_media",
        "display": {"en-US": "Essay"},
        "contentType": "text/plain",
        "length": len(ESSAY) if length is None else length,
        "sha2": sha2,
        **extra,
    }
    return new_statement(attachments=[attachment])


def multipart(statements, parts, boundary=BOUNDARY):
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(statements).encode(),
    ]
    for headers, content in parts:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        chunks += [f"\r\n--{boundary}\r\n{head}\r\n".encode(), content]
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks)


def part_headers(sha2=ESSAY_SHA, encoding="binary"):
    headers = {"Content-Type": "text/plain", "X-Experience-API-Hash": sha2}
    if encoding:
        headers["Content-Transfer-Encoding"] = encoding
    return headers


def post_multipart(lrs, body, boundary=BOUNDARY):
    return lrs.post(STATEMENTS, body, content_type=f"multipart/mixed; boundary={boundary}")


def test_it_stores_an_attachment_and_returns_it_byte_for_byte(lrs):
    response = post_multipart(lrs, multipart(with_attachment(), [(part_headers(), ESSAY)]))
    assert response.status_code == 200, response.content
    [statement_id] = response.json()

    got = lrs.get(STATEMENTS, {"statementId": statement_id, "attachments": "true"})

    assert got["Content-Type"].startswith("multipart/mixed; boundary=")
    assert ESSAY in got.content
    assert f"X-Experience-API-Hash: {ESSAY_SHA}".encode() in got.content


def test_it_stores_shared_attachment_data_once(lrs):
    for _ in range(2):
        body = multipart([with_attachment(), with_attachment()], [(part_headers(), ESSAY)])
        assert post_multipart(lrs, body).status_code == 200

    assert AttachmentContent.objects.count() == 1
    assert Statement.objects.count() == 4


def test_it_accepts_multipart_without_attachments(lrs):
    assert post_multipart(lrs, multipart(new_statement(), [])).status_code == 200


def test_it_accepts_file_url_attachments_as_plain_json(lrs):
    statement = with_attachment(fileUrl="https://files.example.fi/essay.txt")

    assert lrs.post(STATEMENTS, statement).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (multipart(with_attachment(), []), "no multipart part carries"),
        (
            multipart(with_attachment(), [(part_headers(encoding=None), ESSAY)]),
            "Content-Transfer-Encoding",
        ),
        (
            multipart(with_attachment(), [(part_headers(sha2="ab" * 32), ESSAY)]),
            "does not match its content",
        ),
        (
            multipart(
                with_attachment(),
                [
                    (part_headers(), ESSAY),
                    (part_headers(sha2=hashlib.sha256(b"x").hexdigest()), b"x"),
                ],
            ),
            "matches no attachment",
        ),
        (multipart(new_statement(), [])[:-10], "no closing boundary"),
    ],
    ids=["missing-part", "no-encoding", "hash-mismatch", "excess-part", "truncated"],
)
def test_it_refuses_a_malformed_multipart_request(lrs, body, message):
    response = post_multipart(lrs, body)

    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not Statement.objects.exists()


def test_it_refuses_attachment_without_data_or_file_url_in_json(lrs):
    response = lrs.post(STATEMENTS, with_attachment())

    assert response.status_code == 400
    assert "fileUrl" in response.json()["message"]


def test_it_refuses_multipart_without_a_boundary(lrs):
    response = lrs.post(STATEMENTS, b"--x--", content_type="multipart/mixed")

    assert response.status_code == 400
    assert "boundary" in response.json()["message"]
