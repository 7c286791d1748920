"""Open Badges 3.0: an award as an `OpenBadgeCredential` (a W3C Verifiable Credential 2.0),
signed as a VC-JWT (OB 3.0 §8.2, "JSON Web Token Proof Format").

Pure: plain values in, a dict or a compact JWS out; `engagement/badges/views_ob3.py` maps the
models to these values. The signature is made by jwcrypto; nothing here does cryptography.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jwcrypto import jwt

from engagement.badges.keys import SigningKey

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The 1EdTech JSON Schema a verifier may check the credential against (a reference only:
# verifiers fetch it, we never do).
OB_V3_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


@dataclass(frozen=True)
class IssuerProfile:
    id: str
    name: str
    url: str = ""
    email: str = ""
    description: str = ""


@dataclass(frozen=True)
class Alignment:
    target_name: str
    target_url: str
    target_code: str = ""
    target_framework: str = ""
    # OB 3.0 AlignmentTargetType, e.g. "ceasn:Competency" for an ESCO skill; "" for none.
    target_type: str = ""


@dataclass(frozen=True)
class Achievement:
    id: str
    name: str
    description: str
    criteria_narrative: str
    criteria_url: str = ""
    image_url: str = ""
    alignments: tuple[Alignment, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Award:
    # A URN, not a URL: the credential is the learner's to hold and show, we host no copy.
    credential_id: str
    # OB 3.0 IdentityObject: "sha256$" + hex of sha256(e-mail + salt), the OB 2.0 form.
    identity_hash: str
    salt: str
    awarded_at: datetime
    status: dict[str, Any] | None = None


def vc_datetime(moment: datetime) -> str:
    """An xsd:dateTimeStamp in UTC, seconds precision, as VC 2.0 §4.9 asks for validFrom."""
    if moment.tzinfo is None:
        raise ValueError("a credential's time must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def open_badge_credential(
    *, issuer: IssuerProfile, achievement: Achievement, award: Award
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (OB 3.0 §B.1.1 AchievementCredential)."""
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": award.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.name,
        "issuer": profile_json(issuer),
        "validFrom": vc_datetime(award.awarded_at),
        "awardedDate": vc_datetime(award.awarded_at),
        # No credentialSubject.id: a stable id for the learner would let anyone who sees two
        # of their badges link them. The recipient is known only by the salted hash.
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": award.identity_hash,
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": award.salt,
                }
            ],
            "achievement": achievement_json(achievement, issuer),
        },
        "credentialSchema": [{"id": OB_V3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if award.status is not None:
        credential["credentialStatus"] = award.status
    return credential


def credential_sign(credential: dict[str, Any], *, key: SigningKey, kid: str) -> str:
    """The credential as a compact JWS (VC-JWT), signed with `key`; `kid` is its JWK's URL.

    OB 3.0 §8.2.1 allows only alg, kid, jwk and typ in the header; §8.2.2 adds iss, jti and
    nbf beside the credential's own members (sub only when credentialSubject has an id, and
    exp only with validUntil: ours have neither).
    """
    issuer = credential["issuer"]
    claims = dict(credential)
    claims["iss"] = issuer["id"] if isinstance(issuer, dict) else issuer
    claims["jti"] = credential["id"]
    claims["nbf"] = int(_parse_vc_datetime(credential["validFrom"]).timestamp())
    subject_id = credential["credentialSubject"].get("id")
    if subject_id:
        claims["sub"] = subject_id
    token = jwt.JWT(
        header={"alg": key.alg, "kid": kid, "typ": "JWT"},
        claims=json.dumps(claims, ensure_ascii=False, separators=(",", ":")),
    )
    token.make_signed_token(key.private)
    signed: str = token.serialize()
    return signed


def _parse_vc_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def profile_json(issuer: IssuerProfile) -> dict[str, Any]:
    """OB 3.0 Profile: in credentials, and alone at the issuer's 3.0 URL."""
    profile: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    for member, value in (
        ("url", issuer.url),
        ("email", issuer.email),
        ("description", issuer.description),
    ):
        if value:
            profile[member] = value
    return profile


def achievement_json(achievement: Achievement, issuer: IssuerProfile) -> dict[str, Any]:
    """OB 3.0 Achievement: in credentials, and alone at the badge class's 3.0 URL."""
    criteria: dict[str, Any] = {"narrative": achievement.criteria_narrative}
    if achievement.criteria_url:
        criteria["id"] = achievement.criteria_url
    body: dict[str, Any] = {
        "id": achievement.id,
        "type": ["Achievement"],
        "name": achievement.name,
        "description": achievement.description,
        "criteria": criteria,
        "creator": profile_json(issuer),
    }
    if achievement.image_url:
        body["image"] = {"id": achievement.image_url, "type": "Image"}
    if achievement.alignments:
        body["alignment"] = [_alignment(alignment) for alignment in achievement.alignments]
    if achievement.tags:
        body["tag"] = list(achievement.tags)
    return body


def _alignment(alignment: Alignment) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": alignment.target_name,
        "targetUrl": alignment.target_url,
    }
    for member, value in (
        ("targetCode", alignment.target_code),
        ("targetFramework", alignment.target_framework),
        ("targetType", alignment.target_type),
    ):
        if value:
            body[member] = value
    return body
