"""Open Badges 2.0 documents (1EdTech OB 2.0, hosted verification) built from loaded rows.

No queries here: the selectors load each row with what it names (issuer, milestone
activities, skills), and the views serialise what these functions return. Every `id` is a
permanent URL under settings.KIPINA_PUBLIC_URL: a verifier re-reads it, so it must not move.
"""

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.urls import reverse

from engagement.badges.models import Assertion, BadgeClass, Issuer

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
ESCO_FRAMEWORK = "ESCO"
EQF_FRAMEWORK = "European Qualifications Framework"
EQF_URL = "https://europass.europa.eu/en/description-eight-eqf-levels"


def public_url(name: str, **kwargs: Any) -> str:
    return settings.KIPINA_PUBLIC_URL + reverse(f"badges:{name}", kwargs=kwargs)


def recipient_hash(*, email: str, salt: str) -> str:
    """OB 2.0 IdentityObject: "sha256$" + hex(sha256(identity + salt)), identity first."""
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def issuer_document(issuer: Issuer) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Profile",
        "id": public_url("issuer", uuid=issuer.uuid),
        "name": issuer.name_en,
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description_en:
        document["description"] = issuer.description_en
    return document


def machine_criteria(badge_class: BadgeClass) -> list[str]:
    """The completion rule as lines: what the projector counts for this badge (a milestone's
    activities and how many are needed; a pathway's milestones)."""
    if badge_class.milestone is not None:
        milestone = badge_class.milestone
        activities = list(milestone.activities.all())
        needed = milestone.required_count or len(activities)
        lines = [f"{needed} of these {len(activities)} activities, recorded in xAPI:"]
        for activity in activities:
            verbs = ", ".join(activity.verbs)
            minimum = (
                "" if activity.min_scaled is None else f", scaled score >= {activity.min_scaled}"
            )
            lines.append(f"{activity.activity_iri} ({verbs}{minimum})")
        return lines
    pathway = badge_class.pathway
    if pathway is None:  # the check constraint makes this unreachable: milestone xor pathway
        raise ValueError(f"badge class {badge_class.pk} has neither milestone nor pathway")
    milestones = list(pathway.milestones.all())
    lines = [f"All {len(milestones)} milestones of the pathway:"]
    lines.extend(f"{m.position}. {m.title_en}" for m in milestones)
    return lines


def criteria_narrative(badge_class: BadgeClass) -> str:
    """The administrator's words, then the machine criteria as a Markdown list."""
    rule = machine_criteria(badge_class)
    parts = [badge_class.criteria_en] if badge_class.criteria_en else []
    parts.append(rule[0] + "\n\n" + "\n".join(f"- {line}" for line in rule[1:]))
    return "\n\n".join(parts)


def alignments(badge_class: BadgeClass) -> list[dict[str, str]]:
    """The ESCO skills of the milestone (or pathway), then the pathway's EQF level."""
    pathway = badge_class.pathway or badge_class.milestone.pathway  # type: ignore[union-attr]
    owner = badge_class.milestone or pathway
    aligned = [
        {
            "targetName": skill.label_en,
            "targetUrl": skill.uri,
            "targetFramework": ESCO_FRAMEWORK,
            "targetCode": skill.uri.rsplit("/", 1)[-1],
        }
        for skill in owner.skills.all()
    ]
    aligned.append(
        {
            "targetName": f"EQF level {pathway.eqf_level}",
            "targetUrl": EQF_URL,
            "targetFramework": EQF_FRAMEWORK,
            "targetCode": str(pathway.eqf_level),
        }
    )
    return aligned


def badge_class_document(badge_class: BadgeClass) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": public_url("badge-class", uuid=badge_class.uuid),
        "name": badge_class.name_en,
        "description": badge_class.description_en,
        "image": public_url("badge-class-image", uuid=badge_class.uuid),
        "criteria": {"narrative": criteria_narrative(badge_class)},
        "issuer": public_url("issuer", uuid=badge_class.issuer.uuid),
        "alignment": alignments(badge_class),
    }
    if badge_class.tags:
        document["tags"] = [str(tag) for tag in badge_class.tags]
    return document


def erased_assertion_document(public_id: uuid.UUID) -> dict[str, Any]:
    """An assertion whose recipient was erased: revoked (only id and revoked are required)."""
    return {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": public_url("assertion", uuid=public_id),
        "revoked": True,
    }


def assertion_document(assertion: Assertion) -> dict[str, Any]:
    """The hosted assertion; a revoked one is stripped to what OB 2.0 still requires of it
    (Assertion.revoked: "If revoked is true, only revoked and id are required properties")."""
    url = public_url("assertion", uuid=assertion.uuid)
    if assertion.is_revoked:
        return {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": url,
            "revoked": True,
            "revocationReason": assertion.revocation_reason,
        }
    return {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": url,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": assertion.recipient_salt,
            "identity": assertion.recipient_hash,
        },
        "badge": public_url("badge-class", uuid=assertion.badge_class.uuid),
        "verification": {"type": "hosted"},
        "issuedOn": assertion.issued_at.isoformat(),
        "image": public_url("assertion-baked", uuid=assertion.uuid),
    }
