"""A verifier's path over real HTTP: PyJWT's own JWKS client fetches our published key set
from a live server, finds the key by the credential's kid and verifies the credential; the
status list is fetched with urllib from the URL the credential names."""

import base64
import gzip
import urllib.request
from typing import Any

import jwt
import pytest
from django.utils import timezone

from engagement.badges.services import assertion_revoke
from tests.engagement.badges.test_ob3_http import as_person

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  our live server
        return response.read().decode()


def verify(token: str, key_set_url: str) -> dict[str, Any]:
    key = jwt.PyJWKClient(key_set_url, cache_keys=False).get_signing_key_from_jwt(token)
    return jwt.decode(token, key=key.key, algorithms=["RS256", "EdDSA"])


def revoked_bit(credential: dict[str, Any], key_set_url: str) -> int:
    entry = credential["credentialStatus"]
    status_list = verify(fetch(entry["statusListCredential"]), key_set_url)
    encoded = status_list["credentialSubject"]["encodedList"].removeprefix("u")
    bitstring = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    index = int(entry["statusListIndex"])
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


def test_a_verifier_checks_a_credential_against_the_live_server(live_server, settings, assertion):
    settings.KIPINA_PUBLIC_URL = live_server.url
    key_set_url = f"{live_server.url}/badges/v3/keys"
    response = as_person(assertion.recipient).get(f"/badges/v3/credentials/{assertion.uuid}.jwt")
    credential = verify(response.content.decode(), key_set_url)
    assert credential["jti"] == f"urn:uuid:{assertion.uuid}"
    assert credential["credentialStatus"]["statusListCredential"].startswith(live_server.url)
    assert revoked_bit(credential, key_set_url) == 0
    assertion_revoke(assertion=assertion, reason="Issued by mistake.", now=timezone.now())
    assert revoked_bit(credential, key_set_url) == 1
