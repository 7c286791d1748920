"""Open Badges 3.0 documents built from loaded rows (the counterpart of ob2.py): the rows are
mapped to the plain values of credentials.py, which builds and signs.

Ids are permanent URLs under settings.KIPINA_PUBLIC_URL, except the credential's own id: a
`urn:uuid:` of the assertion, since the credential is the learner's to hold and we host no
public copy of it (OB 2.0's hosted assertion is the public one).
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from engagement.badges import ob2
from engagement.badges.credentials import (
    OB_V3_CONTEXT,
    VC_V2_CONTEXT,
    Achievement,
    Alignment,
    Award,
    IssuerProfile,
    achievement_json,
    credential_sign,
    open_badge_credential,
    profile_json,
)
from engagement.badges.keys import PublicKey, published_keys, signing_key
from engagement.badges.models import Assertion, BadgeClass, Issuer
from engagement.badges.status_list import status_entry, status_list_credential

# OB 3.0 AlignmentTargetType for a skill of a competency framework such as ESCO.
COMPETENCY_TARGET_TYPE = "ceasn:Competency"


def key_id(thumbprint: str | None = None) -> str:
    """The `kid` of a key (ours now by default): the URL of its public JWK (OB 3.0 §8.2.1)."""
    return ob2.public_url("ob3-key", thumbprint=thumbprint or signing_key().thumbprint)


def key_set() -> dict[str, Any]:
    """The JWK Set verifiers fetch: the current key, then retired ones; public members only."""
    return {"keys": [_published(key) for key in published_keys()]}


def published_key(thumbprint: str) -> dict[str, Any] | None:
    for key in published_keys():
        if key.thumbprint == thumbprint:
            return _published(key)
    return None


def _published(key: PublicKey) -> dict[str, Any]:
    return {**key.public_jwk(), "kid": key_id(key.thumbprint)}


def did() -> str:
    """Our did:web: the DID Web method maps `did:web:host:p:q` to https://host/p/q/did.json,
    so the DID follows from the URL the document is served at (a port's colon is %3A)."""
    served = urlsplit(ob2.public_url("ob3-did"))
    path = served.path.removesuffix("/did.json").strip("/")
    return ":".join(["did:web", served.netloc.replace(":", "%3A"), *path.split("/")])


def did_document() -> dict[str, Any]:
    """The same public key as the JWK Set, for verifiers that resolve keys through DIDs."""
    identifier = did()
    methods = [
        {
            "id": f"{identifier}#{key.thumbprint}",
            "type": "JsonWebKey2020",
            "controller": identifier,
            "publicKeyJwk": key.public_jwk(),
        }
        for key in published_keys()
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jws/v1"],
        "id": identifier,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def issuer_profile(issuer: Issuer) -> IssuerProfile:
    return IssuerProfile(
        id=ob2.public_url("ob3-issuer", uuid=issuer.uuid),
        name=issuer.name_en,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description_en,
    )


def achievement(badge_class: BadgeClass) -> Achievement:
    """Needs the badge class loaded as selectors.badge_class_get loads it."""
    return Achievement(
        id=ob2.public_url("ob3-achievement", uuid=badge_class.uuid),
        name=badge_class.name_en,
        description=badge_class.description_en,
        criteria_narrative=ob2.criteria_narrative(badge_class),
        # The badge class page shows the criteria to people.
        criteria_url=ob2.public_url("badge-class", uuid=badge_class.uuid),
        image_url=ob2.public_url("badge-class-image", uuid=badge_class.uuid),
        alignments=tuple(_alignment(aligned) for aligned in ob2.alignments(badge_class)),
        tags=tuple(str(tag) for tag in badge_class.tags),
    )


def status_list_url(issuer: Issuer) -> str:
    return ob2.public_url("ob3-status-list", uuid=issuer.uuid)


def credential(assertion: Assertion, badge_class: BadgeClass) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of an assertion (`badge_class` loaded in full)."""
    issuer = badge_class.issuer
    award = Award(
        credential_id=f"urn:uuid:{assertion.uuid}",
        identity_hash=assertion.recipient_hash,
        salt=assertion.recipient_salt,
        awarded_at=assertion.issued_at,
        status=status_entry(list_url=status_list_url(issuer), index=assertion.status_list_index),
    )
    return open_badge_credential(
        issuer=issuer_profile(issuer), achievement=achievement(badge_class), award=award
    )


def signed(document: dict[str, Any]) -> str:
    return credential_sign(document, key=signing_key(), kid=key_id())


def signed_status_list(issuer: Issuer, revoked_indexes: Iterable[int], now: dt.datetime) -> str:
    document = status_list_credential(
        list_url=status_list_url(issuer),
        # The id alone: the list's only context is VC 2.0, which has no terms for the
        # profile's e-mail or web site (they would be dropped by JSON-LD processing).
        issuer=issuer_profile(issuer).id,
        revoked_indexes=revoked_indexes,
        valid_from=now,
    )
    return signed(document)


def profile_document(issuer: Issuer) -> dict[str, Any]:
    return {"@context": [VC_V2_CONTEXT, OB_V3_CONTEXT], **profile_json(issuer_profile(issuer))}


def achievement_document(badge_class: BadgeClass) -> dict[str, Any]:
    body = achievement_json(achievement(badge_class), issuer_profile(badge_class.issuer))
    return {"@context": [VC_V2_CONTEXT, OB_V3_CONTEXT], **body}


def _alignment(aligned: dict[str, str]) -> Alignment:
    return Alignment(
        target_name=aligned["targetName"],
        target_url=aligned["targetUrl"],
        target_code=aligned.get("targetCode", ""),
        target_framework=aligned.get("targetFramework", ""),
        target_type=COMPETENCY_TARGET_TYPE
        if aligned.get("targetFramework") == ob2.ESCO_FRAMEWORK
        else "",
    )
