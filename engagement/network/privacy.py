"""The directory's part of a person's export and erasure (engagement/privacy calls these)."""

from collections import Counter
from typing import Any

from django.db import transaction

from engagement.network.models import Consent, Enrolment, Person, Role, XapiIdentity
from learning_records.erasure import mbox_keys


def agent_keys_of(person: Person) -> set[str]:
    """Every xAPI agent key that stands for the person: the linked identities, and the mbox
    and mbox_sha1sum forms of their e-mail addresses (an LMS may send either, linked or not)."""
    identities = list(XapiIdentity.objects.filter(person=person).values_list("kind", "value"))
    keys = set(XapiIdentity.objects.filter(person=person).values_list("agent_key", flat=True))
    addresses = {value.removeprefix("mailto:") for kind, value in identities if kind == "mbox"}
    if person.email:
        addresses.add(person.email)
    for address in addresses:
        keys |= mbox_keys(address)
    return keys


def person_export(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        "language": person.language,
        "time_zone": person.time_zone,
        "created_at": person.created_at,
        "login": person.user.get_username() if person.user else None,
        "roles": [
            {"organisation": r.organisation.name_en, "role": r.kind, "since": r.created_at}
            for r in Role.objects.filter(person=person).select_related("organisation")
        ],
        "xapi_identities": [
            {"kind": i.kind, "value": i.value, "home_page": i.home_page}
            for i in XapiIdentity.objects.filter(person=person).order_by("pk")
        ],
    }


def enrolments_of(person: Person) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(learner=person)
        .select_related("pathway", "sponsor")
        .prefetch_related("cohorts")
        .order_by("pk")
    )


def consents_export(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "enrolment": c.enrolment_id,
            "employer": c.employer.name_en,
            "given_at": c.given_at,
            "revoked_at": c.revoked_at,
        }
        for c in Consent.objects.filter(enrolment__learner=person)
        .select_related("employer")
        .order_by("pk")
    ]


@transaction.atomic
def person_erase(*, person: Person) -> Counter[str]:
    """Delete the person's directory rows: consents, enrolments (and their cohort places),
    the cohorts they teach (their place as teacher), roles, identities, and the person.
    The login is not the directory's: the caller deletes it."""
    counts: Counter[str] = Counter()
    for rows in (
        Consent.objects.filter(enrolment__learner=person),
        Enrolment.objects.filter(learner=person),
        Person.taught_cohorts.through.objects.filter(person=person),
        Role.objects.filter(person=person),
        XapiIdentity.objects.filter(person=person),
        Person.objects.filter(pk=person.pk),
    ):
        counts.update(rows.delete()[1])
    return counts
