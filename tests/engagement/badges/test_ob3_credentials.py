"""OpenBadgeCredential building and VC-JWT signing (engagement/badges/credentials.py).

Signed with jwcrypto in the code, verified here with PyJWT: an independent JOSE library."""

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from engagement.badges.credentials import (
    OB_V3_CONTEXT,
    VC_V2_CONTEXT,
    Achievement,
    Alignment,
    Award,
    IssuerProfile,
    credential_sign,
    open_badge_credential,
    vc_datetime,
)
from engagement.badges.keys import _parse as parse_key
from engagement.badges.status_list import status_entry

AWARDED = datetime(2025, 5, 4, 9, 30, 15, 123456, tzinfo=UTC)
ISSUER = IssuerProfile(
    id="https://kipina.example/badges/v3/issuers/1b2c",
    name="Savonia UAS",
    url="https://savonia.example",
    email="badges@savonia.example",
)
ACHIEVEMENT = Achievement(
    id="https://kipina.example/badges/v3/achievements/9f8e",
    name="Battery cell safety",
    description="Handles lithium-ion cells safely.",
    criteria_narrative="Completed the cell safety milestone.",
    image_url="https://kipina.example/badges/9f8e/image.png",
    alignments=(
        Alignment(
            target_name="handle hazardous materials",
            target_url="http://data.europa.eu/esco/skill/abc",
            target_framework="ESCO",
            target_type="ceasn:Competency",
        ),
    ),
    tags=("battery", "safety"),
)
AWARD = Award(
    credential_id="urn:uuid:0f1e2d3c-4b5a-4968-8776-655443322110",
    identity_hash="sha256$" + "ab" * 32,
    salt="pepper",
    awarded_at=AWARDED,
    status=status_entry(list_url="https://kipina.example/badges/v3/status/1b2c", index=7),
)
KID = "https://kipina.example/badges/v3/keys/thumb"


def pem_of(private) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="module", params=["rsa", "ed25519"])
def key(request):
    if request.param == "rsa":
        return parse_key(pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    return parse_key(pem_of(ed25519.Ed25519PrivateKey.generate()))


def credential() -> dict:
    return open_badge_credential(issuer=ISSUER, achievement=ACHIEVEMENT, award=AWARD)


def verify(token: str, public_jwk: dict) -> dict:
    return jwt.decode(
        token,
        key=jwt.PyJWK(public_jwk).key,
        algorithms=[public_jwk["alg"]],
        issuer=ISSUER.id,
        options={"require": ["iss", "jti", "nbf"]},
    )


def segments(token: str) -> list[dict]:
    return [
        json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        for part in token.split(".")[:2]
    ]


def test_it_is_an_open_badge_credential_with_both_contexts():
    body = credential()
    assert body["@context"] == [VC_V2_CONTEXT, OB_V3_CONTEXT]
    assert body["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert body["validFrom"] == "2025-05-04T09:30:15Z"
    assert body["credentialStatus"]["statusListIndex"] == "7"


def test_the_recipient_is_known_only_by_the_salted_hash():
    subject = credential()["credentialSubject"]
    assert "id" not in subject
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": AWARD.identity_hash,
            "identityType": "emailAddress",
            "hashed": True,
            "salt": "pepper",
        }
    ]


def test_the_achievement_carries_the_badge_class():
    achievement = credential()["credentialSubject"]["achievement"]
    assert achievement["criteria"] == {"narrative": "Completed the cell safety milestone."}
    assert achievement["image"] == {"id": ACHIEVEMENT.image_url, "type": "Image"}
    assert achievement["tag"] == ["battery", "safety"]
    assert achievement["alignment"][0]["targetType"] == "ceasn:Competency"
    assert achievement["creator"]["id"] == ISSUER.id


def test_a_signed_credential_verifies_with_an_independent_library(key):
    token = credential_sign(credential(), key=key, kid=KID)
    claims = verify(token, key.public_jwk())
    assert claims["iss"] == ISSUER.id
    assert claims["jti"] == AWARD.credential_id
    assert claims["nbf"] == int(AWARDED.replace(microsecond=0).timestamp())
    assert claims["credentialSubject"] == credential()["credentialSubject"]


def test_the_header_has_only_what_ob3_allows(key):
    header, _ = segments(credential_sign(credential(), key=key, kid=KID))
    assert header == {"alg": key.alg, "kid": KID, "typ": "JWT"}


def test_a_changed_payload_fails(key):
    token = credential_sign(credential(), key=key, kid=KID)
    head, _payload, signature = token.split(".")
    claims = segments(token)[1]
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "sha256$" + "cd" * 32
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{head}.{forged}.{signature}", key.public_jwk())


def test_a_changed_signature_fails(key):
    head, payload, signature = credential_sign(credential(), key=key, kid=KID).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0x01
    altered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{head}.{payload}.{altered}", key.public_jwk())


def test_another_key_does_not_verify(key):
    token = credential_sign(credential(), key=key, kid=KID)
    if key.alg == "RS256":
        other = parse_key(pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    else:
        other = parse_key(pem_of(ed25519.Ed25519PrivateKey.generate()))
    with pytest.raises(jwt.InvalidSignatureError):
        verify(token, other.public_jwk())


def test_times_are_utc_whatever_zone_they_come_in():
    helsinki = timezone(timedelta(hours=2))
    assert vc_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=helsinki)) == "2026-01-02T01:04:05Z"


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        vc_datetime(datetime(2026, 1, 2))  # noqa: DTZ001
