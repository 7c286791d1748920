"""Every member of our OB 3.0 documents means something under their JSON-LD contexts, read
from our own server (PyLD expansion; a term the contexts do not define would be dropped)."""

import json

import pytest
from django.test import Client
from pyld import jsonld

from engagement.badges.credentials import OB_V3_CONTEXT, VC_V2_CONTEXT
from tests.engagement.badges.test_ob3_http import as_person, path_of, verify

SERVED = {
    VC_V2_CONTEXT: "/badges/contexts/credentials-v2.json",
    OB_V3_CONTEXT: "/badges/contexts/openbadges-v3.json",
}


def load_from_our_server(url, options=None):
    """Only the bundled contexts, fetched from our server; anything else fails the test."""
    if url not in SERVED:
        raise AssertionError(f"a context outside the bundle was asked for: {url}")
    response = Client().get(SERVED[url])
    assert response.status_code == 200
    document = json.loads(response.getvalue())
    return {"contextUrl": None, "documentUrl": url, "document": document}


def dropped_terms(document) -> list:
    dropped: list[str | None] = []
    jsonld.expand(
        document,
        {"documentLoader": load_from_our_server},
        on_property_dropped=dropped.append,
    )
    return dropped


@pytest.fixture
def credential(assertion):
    response = as_person(assertion.recipient).get(f"/badges/v3/credentials/{assertion.uuid}.json")
    return json.loads(response.content)


def test_the_credential_expands_without_dropping_a_member(credential):
    assert dropped_terms(credential) == []


def test_the_status_list_credential_expands_without_dropping_a_member(credential):
    response = Client().get(path_of(credential["credentialStatus"]["statusListCredential"]))
    claims = verify(response.content.decode())
    for registered in ("iss", "jti", "nbf", "sub"):
        claims.pop(registered)
    assert dropped_terms(claims) == []


def test_the_profile_and_achievement_documents_expand_without_dropping_a_member(credential):
    for url in (credential["issuer"]["id"], credential["credentialSubject"]["achievement"]["id"]):
        assert dropped_terms(Client().get(path_of(url)).json()) == []


def test_a_misspelt_member_would_be_caught(credential):
    credential["credentialSubject"]["achievment"] = credential["credentialSubject"]["achievement"]
    assert dropped_terms(credential) == ["achievment"]
