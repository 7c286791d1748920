"""Open Badges 3.0 over HTTP: the published key, the learner's credential download, the
status list and the 3.0 documents (engagement/badges/views_ob3.py).

The proof of issue 7: a credential downloaded here verifies with PyJWT (not jwcrypto, which
signs) against the JWK fetched from the `kid` URL the credential names; a tampered one fails;
the status list bit, decoded by hand, is 0 while valid and 1 once revoked."""

import base64
import gzip
import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.conf import settings
from django.test import Client
from django.utils import timezone

from engagement.badges.keys import new_key_pem, public_pem
from engagement.badges.services import assertion_revoke
from engagement.network.models import Person
from tests.engagement.badges.conftest import signed_in

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
UNKNOWN = "00000000-0000-4000-8000-000000000000"
CONTEXTS = Path(__file__).resolve().parents[3] / "engagement" / "badges" / "contexts"


def path_of(url: str) -> str:
    assert url.startswith(settings.KIPINA_PUBLIC_URL)
    return url.removeprefix(settings.KIPINA_PUBLIC_URL)


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def header_of(token: str) -> dict:
    return json.loads(b64decode(token.split(".")[0]))


def published_key(token: str):
    """The public key the token's kid names, fetched over HTTP like a verifier would."""
    response = Client().get(path_of(header_of(token)["kid"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk+json"
    return jwt.PyJWK(response.json())


def verify(token: str) -> dict:
    key = published_key(token)
    return jwt.decode(
        token,
        key=key.key,
        algorithms=[key.algorithm_name],
        options={"require": ["iss", "jti", "nbf"]},
    )


def as_person(person: Person) -> Client:
    """A signed-in client of this person, making their login the first time."""
    if person.user is None:
        return signed_in(person)
    client = Client()
    client.force_login(person.user)
    return client


def download(assertion, extension="jwt") -> str:
    path = f"/badges/v3/credentials/{assertion.uuid}.{extension}"
    response = as_person(assertion.recipient).get(path)
    assert response.status_code == 200, response.content
    return response.content.decode()


def status_bit(credential: dict) -> int:
    """Fetch the credential's status list, verify it, decode the bitstring by hand."""
    entry = credential["credentialStatus"]
    response = Client().get(path_of(entry["statusListCredential"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    status_list = verify(response.content.decode())
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded[0] == "u"
    bitstring = gzip.decompress(b64decode(encoded[1:]))
    assert len(bitstring) >= 16 * 1024
    index = int(entry["statusListIndex"])
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


@pytest.fixture
def ed25519_key(settings):
    settings.KIPINA_BADGE_SIGNING_KEY = (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def test_the_published_key_set_has_no_private_part(db):
    response = Client().get("/badges/v3/keys")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    (key,) = response.json()["keys"]
    assert PRIVATE_MEMBERS.isdisjoint(key)
    assert Client().get(path_of(key["kid"])).json() == key


def test_a_downloaded_credential_verifies_against_the_published_key(assertion):
    token = download(assertion)
    claims = verify(token)
    assert header_of(token)["alg"] == "RS256"
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["jti"] == f"urn:uuid:{assertion.uuid}"
    assert claims["iss"] == claims["issuer"]["id"]
    assert claims["credentialSubject"]["achievement"]["name"] == "Battery safety"
    identity = claims["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == assertion.recipient_hash


def test_an_ed25519_key_signs_eddsa_and_verifies(assertion, ed25519_key):
    token = download(assertion)
    assert header_of(token)["alg"] == "EdDSA"
    assert verify(token)["jti"] == f"urn:uuid:{assertion.uuid}"


def test_the_credential_does_not_carry_the_e_mail(assertion):
    token = download(assertion)
    email = assertion.recipient.email
    assert email
    assert email not in b64decode(token.split(".")[1]).decode()
    assert email not in download(assertion, "json")


def test_a_credential_with_a_changed_payload_fails(assertion):
    head, payload, signature = download(assertion).split(".")
    claims = json.loads(b64decode(payload))
    claims["credentialSubject"]["achievement"]["name"] = "Battery chemistry expert"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{head}.{forged}.{signature}")


def test_a_credential_with_a_changed_signature_fails(assertion):
    head, payload, signature = download(assertion).split(".")
    raw = bytearray(b64decode(signature))
    raw[-1] ^= 0x01
    altered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{head}.{payload}.{altered}")


def test_a_credential_signed_with_another_key_fails(assertion, settings):
    published = Client().get("/badges/v3/keys").json()["keys"][0]
    settings.KIPINA_BADGE_SIGNING_KEY = (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    token = download(assertion)
    # The attacker's token keeps the header, but the verifier holds our published key.
    with pytest.raises(jwt.exceptions.InvalidTokenError):
        jwt.decode(token, key=jwt.PyJWK(published).key, algorithms=[published["alg"]])


def test_the_status_bit_is_0_while_valid_and_1_once_revoked(assertion):
    credential = json.loads(download(assertion, "json"))
    assert status_bit(credential) == 0
    assertion_revoke(assertion=assertion, reason="Issued by mistake.", now=timezone.now())
    assert status_bit(credential) == 1


def test_the_status_list_names_the_issuer_and_is_cached_briefly(assertion):
    credential = json.loads(download(assertion, "json"))
    response = Client().get(path_of(credential["credentialStatus"]["statusListCredential"]))
    claims = verify(response.content.decode())
    assert claims["issuer"] == claims["iss"] == credential["issuer"]["id"]
    assert response["Cache-Control"] == "public, max-age=300"


def test_the_issuer_and_achievement_documents_are_served(assertion):
    credential = json.loads(download(assertion, "json"))
    profile = Client().get(path_of(credential["issuer"]["id"]))
    assert profile.status_code == 200
    assert profile.json()["type"] == ["Profile"]
    achievement = credential["credentialSubject"]["achievement"]
    served = Client().get(path_of(achievement["id"])).json()
    assert served["@context"] == credential["@context"]
    assert served["name"] == achievement["name"]
    assert served["alignment"][0]["targetType"] == "ceasn:Competency"


@pytest.mark.parametrize("name", ["credentials-v2", "openbadges-v3"])
def test_the_bundled_contexts_are_served(db, name):
    response = Client().get(f"/badges/contexts/{name}.json")
    assert response.status_code == 200
    expected = (CONTEXTS / f"{name}.json").read_bytes()
    assert response.getvalue() == expected


# --- Refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["jwt", "json"])
def test_a_credential_needs_a_sign_in(assertion, extension):
    response = Client().get(f"/badges/v3/credentials/{assertion.uuid}.{extension}")
    assert response.status_code == 403
    assert response.json()["detail"] == "Sign in to download your badges."


@pytest.mark.parametrize("extension", ["jwt", "json"])
def test_another_learners_credential_is_not_found(assertion, extension):
    other = Person.objects.create(given_name="Eero", family_name="Muu", email="eero@example.fi")
    response = signed_in(other).get(f"/badges/v3/credentials/{assertion.uuid}.{extension}")
    assert response.status_code == 404


def test_a_login_without_a_person_gets_403(assertion):
    response = signed_in(None).get(f"/badges/v3/credentials/{assertion.uuid}.jwt")
    assert response.status_code == 403


def test_a_revoked_credential_is_gone_with_its_reason(assertion):
    assertion_revoke(assertion=assertion, reason="Issued by mistake.", now=timezone.now())
    response = as_person(assertion.recipient).get(f"/badges/v3/credentials/{assertion.uuid}.jwt")
    assert response.status_code == 410
    assert "Issued by mistake." in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        f"/badges/v3/credentials/{UNKNOWN}.jwt",
        f"/badges/v3/issuers/{UNKNOWN}",
        f"/badges/v3/achievements/{UNKNOWN}",
        f"/badges/v3/status/{UNKNOWN}",
        "/badges/v3/keys/not-our-thumbprint",
        "/badges/v3/status/not-a-uuid",
    ],
)
def test_an_unknown_id_is_not_found(assertion, path):
    assert as_person(assertion.recipient).get(path).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_documents_are_read_only(assertion, issuer, method):
    learner = as_person(assertion.recipient)
    for path in (
        "/badges/v3/keys",
        f"/badges/v3/status/{issuer.uuid}",
        f"/badges/v3/issuers/{issuer.uuid}",
        f"/badges/v3/credentials/{assertion.uuid}.jwt",
    ):
        assert getattr(learner, method)(path).status_code == 405, path


def test_the_did_web_document_publishes_the_same_public_key(assertion, settings):
    settings.KIPINA_PUBLIC_URL = "https://badges.kipina.example:8443"
    response = Client().get("/badges/v3/did.json")
    assert response.status_code == 200
    document = response.json()
    assert document["id"] == "did:web:badges.kipina.example%3A8443:badges:v3"
    (method,) = document["verificationMethod"]
    assert document["assertionMethod"] == [method["id"]]
    assert PRIVATE_MEMBERS.isdisjoint(method["publicKeyJwk"])
    key = jwt.PyJWK(method["publicKeyJwk"])
    token = download(assertion)
    claims = jwt.decode(token, key=key.key, algorithms=[key.algorithm_name])
    assert claims["jti"] == f"urn:uuid:{assertion.uuid}"


def test_a_credential_signed_with_a_retired_key_still_verifies(assertion, settings):
    old = settings.KIPINA_BADGE_SIGNING_KEY
    token = download(assertion)
    settings.KIPINA_BADGE_SIGNING_KEY = new_key_pem().decode()
    settings.KIPINA_BADGE_RETIRED_KEYS = public_pem(old)
    keys = Client().get("/badges/v3/keys").json()["keys"]
    assert len(keys) == 2
    assert keys[1]["kid"] == header_of(token)["kid"]
    assert verify(token)["jti"] == f"urn:uuid:{assertion.uuid}"
    assert header_of(download(assertion))["kid"] == keys[0]["kid"]
