"""Signed statements (xAPI 1.0.3 Data §2.6, conformance XAPI-00115..00117)."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwcrypto import jwk, jws

from learning_records.models import Statement
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
BOUNDARY = "signed-boundary"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


@pytest.fixture(scope="module")
def private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate_of(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Savonia LMS signer")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


def sign(payload, key, alg="RS256", x5c_key=None):
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    header = {"alg": alg}
    if x5c_key is not None:
        der = certificate_of(x5c_key).public_bytes(serialization.Encoding.DER)
        header["x5c"] = [base64.b64encode(der).decode()]
    token = jws.JWS(payload if isinstance(payload, bytes) else json.dumps(payload).encode())
    token.add_signature(jwk.JWK.from_pem(pem), alg=alg, protected=json.dumps(header))
    return token.serialize(compact=True).encode()


def signed_request(statement, signature, content_type="application/octet-stream"):
    sha2 = hashlib.sha256(signature).hexdigest()
    statement = {
        **statement,
        "attachments": [
            {
                "usageType": SIGNATURE,
                "display": {"en-US": "Signature"},
                "contentType": content_type,
                "length": len(signature),
                "sha2": sha2,
            }
        ],
    }
    return b"".join(
        [
            f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n".encode(),
            json.dumps(statement).encode(),
            f"\r\n--{BOUNDARY}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode(),
            signature,
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        ]
    )


def post(lrs, body):
    return lrs.post(STATEMENTS, body, content_type=f"multipart/mixed; boundary={BOUNDARY}")


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_it_stores_a_statement_signed_with_an_rs_algorithm(lrs, private_key, alg):
    statement = new_statement()

    response = post(lrs, signed_request(statement, sign(statement, private_key, alg)))

    assert response.status_code == 200, response.content
    assert Statement.objects.count() == 1


def test_it_verifies_the_signature_against_an_x5c_certificate(lrs, private_key):
    statement = new_statement()
    signature = sign(statement, private_key, x5c_key=private_key)

    assert post(lrs, signed_request(statement, signature)).status_code == 200


def test_it_refuses_a_signature_that_does_not_match_its_x5c_certificate(lrs, private_key):
    statement = new_statement()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = sign(statement, private_key, x5c_key=stranger)

    response = post(lrs, signed_request(statement, signature))

    assert response.status_code == 400
    assert "does not verify" in response.json()["errors"][0]
    assert not Statement.objects.exists()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            lambda s, key: (
                s,
                sign({**s, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}, key),
            ),
            "differs",
        ),
        (lambda s, key: (s, sign(b"{'not': json}", key)), "not a valid JSON statement"),
        (lambda s, key: (s, b"not.a-jws"), "not a JWS"),
    ],
    ids=["other-statement", "broken-json", "garbage"],
)
def test_it_refuses_a_signature_whose_payload_is_not_the_statement(
    lrs, private_key, tamper, message
):
    statement, signature = tamper(new_statement(), private_key)

    response = post(lrs, signed_request(statement, signature))

    assert response.status_code == 400
    assert message in response.json()["errors"][0]


def test_it_refuses_a_non_rs_algorithm(lrs):
    statement = new_statement()
    secret = jwk.JWK.generate(kty="oct", size=256)
    token = jws.JWS(json.dumps(statement).encode())
    token.add_signature(secret, alg="HS256", protected=json.dumps({"alg": "HS256"}))

    response = post(lrs, signed_request(statement, token.serialize(compact=True).encode()))

    assert response.status_code == 400
    assert "RS256, RS384 or RS512" in response.json()["errors"][0]


def test_it_refuses_a_signature_attachment_of_another_content_type(lrs, private_key):
    statement = new_statement()

    response = post(
        lrs, signed_request(statement, sign(statement, private_key), content_type="text/plain")
    )

    assert response.status_code == 400
    assert "application/octet-stream" in response.json()["errors"][0]
