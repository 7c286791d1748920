"""Regression tests of the bugs the fuzz tests found: each was a 500 (or worse) before."""

import base64
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from learning_records.models import AttachmentContent, Statement
from learning_records.xapi.compare import statements_equivalent
from tests.learning_records.fuzz.world import BOUNDARY, multipart, part_headers
from tests.xapi_samples import new_statement

STATEMENTS = "/xapi/statements"


@pytest.mark.parametrize("number", ["1e400", "-1E+309", "1" + "0" * 320 + ".5"])
def test_a_statement_with_a_number_beyond_a_double_is_refused(lrs, number):
    """1e400 parsed as infinity, which no JSON column holds: SQLite's JSON_VALID check and
    PostgreSQL's jsonb both failed the insert with a 500."""
    statement = new_statement(result={"extensions": {"https://w3id.org/xapi/x": 0}})
    body = json.dumps(statement).replace(
        '"https://w3id.org/xapi/x": 0', f'"https://w3id.org/xapi/x": {number}'
    )

    response = lrs.post(STATEMENTS, body)

    assert response.status_code == 400
    assert "beyond a double's range" in response.json()["message"]
    assert not Statement.objects.exists()


@pytest.mark.parametrize("content_type", ["text/" + "x" * 300, "text/plain\x00", "text/plaïn"])
def test_an_attachment_part_with_an_unstorable_content_type_is_refused(lrs, content_type):
    """The part's Content-Type goes into a 255-character column: PostgreSQL refused a longer
    one (or a NUL) at insert with a 500; SQLite stored it."""
    essay = b"Akun kennojen valmistus"
    sha2 = hashlib.sha256(essay).hexdigest()
    attachment = {
        "usageType": "http://id.tincanapi.com/attachment/supporting_media",
        "display": {"en-US": "Essay"},
        "contentType": "text/plain",
        "length": len(essay),
        "sha2": sha2,
    }
    body = multipart(
        new_statement(attachments=[attachment]),
        [(part_headers(sha2, content_type=content_type), essay)],
    )

    response = lrs.post(STATEMENTS, body, content_type=f"multipart/mixed; boundary={BOUNDARY}")

    assert response.status_code == 400
    assert "Content-Type must be printable ASCII" in response.json()["message"]
    assert not AttachmentContent.objects.exists()
    assert not Statement.objects.exists()


@pytest.mark.parametrize(("limit", "status"), [("²", 400), ("٣", 400), ("9" * 5000, 200)])
def test_a_limit_int_cannot_read_is_answered(lrs, limit, status):
    """'²'.isdigit() is true but int('²') raises, and int() refuses over 4300 digits: both
    were a 500. A huge limit asks for the most the server allows."""
    response = lrs.get(STATEMENTS, {"limit": limit})

    assert response.status_code == status
    if status == 400:
        assert "limit must be a non-negative whole number" in response.json()["message"]


def test_a_refusal_quoting_a_lone_surrogate_is_json(lrs):
    """The agent parameter's JSON path named a key "\\ud800", which UTF-8 cannot encode:
    writing the 400 answer raised UnicodeEncodeError, a 500."""
    response = lrs.get(STATEMENTS, {"agent": '{"\\ud800": null}'})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        'agent["\ud800"]: must not be null (only extension values may be null, Data §2.2)'
    ]


def _signed(header: dict[str, Any], payload: bytes) -> tuple[bytes, str]:
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    jws = f"{b64(json.dumps(header).encode())}.{b64(payload)}.{b64(b'signature')}".encode()
    sha2 = hashlib.sha256(jws).hexdigest()
    attachment = {
        "usageType": "http://adlnet.gov/expapi/attachments/signature",
        "display": {"en-US": "Signature"},
        "contentType": "application/octet-stream",
        "length": len(jws),
        "sha2": sha2,
    }
    headers = part_headers(sha2, content_type="application/octet-stream")
    return multipart(new_statement(attachments=[attachment]), [(headers, jws)]), sha2


@pytest.mark.parametrize(
    ("header", "payload", "message"),
    [
        ({"alg": ["RS256"]}, b"{}", "must use RS256, RS384 or RS512"),
        ({"alg": {"name": "RS256"}}, b"{}", "must use RS256, RS384 or RS512"),
        ({"alg": "RS256"}, b"[" * 5000 + b"]" * 5000, "payload is not a valid JSON statement"),
    ],
    ids=["alg-list", "alg-object", "deep-payload"],
)
def test_a_signature_of_the_wrong_shape_is_refused(lrs, header, payload, message):
    """A list or object as the JWS alg raised TypeError (unhashable) and a deeply nested
    payload RecursionError, both 500s (Data §2.6)."""
    body, _ = _signed(header, payload)

    response = lrs.post(STATEMENTS, body, content_type=f"multipart/mixed; boundary={BOUNDARY}")

    assert response.status_code == 400
    assert message in response.json()["errors"][0]
    assert not Statement.objects.exists()


@pytest.mark.parametrize("given", [None, 5, "not-a-uuid"])
def test_a_put_whose_body_carries_another_id_is_refused(lrs, given):
    """PUT replaced a null or numeric id in the body with statementId and stored it (204);
    POST refuses the same statement (Data §2.2: only extension values may be null)."""
    statement = new_statement()
    statement_id = statement["id"]
    statement["id"] = given

    response = lrs.put(f"{STATEMENTS}?statementId={statement_id}", statement)

    assert response.status_code == 400
    assert "differs from statementId" in response.json()["message"]
    assert not Statement.objects.exists()


@pytest.mark.parametrize("number", [7.205759403792169e16, 1e23, 1e308, -1.5e-7])
def test_a_number_as_postgresql_returns_it_is_the_same_statement(number):
    """PostgreSQL's jsonb returns 1e+23 as 100000000000000000000000, an int that is not the
    float 1e23: an identical retry was a 409 on PostgreSQL (Data §2.3.1 comparison)."""
    sent = new_statement(result={"extensions": {"https://w3id.org/xapi/x": number}})
    stored = json.loads(json.dumps(sent).replace(repr(number), format(Decimal(repr(number)), "f")))

    assert statements_equivalent(stored, sent)
    assert not statements_equivalent(stored, {**sent, "result": {"extensions": {}}})


@pytest.mark.parametrize("number", [7.205759403792169e16, 1e23])
def test_a_retried_statement_with_a_large_number_is_accepted(lrs, number):
    statement = new_statement(result={"extensions": {"https://w3id.org/xapi/x": number}})
    assert lrs.post(STATEMENTS, statement).status_code == 200

    response = lrs.post(STATEMENTS, statement)

    assert response.status_code == 200, response.content
    assert Statement.objects.count() == 1
