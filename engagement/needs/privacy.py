"""The needs room's part of a person's export and erasure."""

from collections import Counter
from typing import Any

from django.db import transaction

from engagement.needs.models import EmployerLink, TrainingNeed
from engagement.network.models import Person


def employer_links_export(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "company": link.company.name_en,
            "linked_at": link.created_at,
            "unlinked_at": link.revoked_at,
        }
        for link in EmployerLink.objects.filter(person=person)
        .select_related("company")
        .order_by("pk")
    ]


@transaction.atomic
def employer_links_erase(*, person: Person) -> Counter[str]:
    """Delete the person's employer links; needs they recorded stay (they are the company's)
    without saying who recorded them."""
    recorded = TrainingNeed.objects.filter(recorded_by=person).update(recorded_by=None)
    counts: Counter[str] = Counter(EmployerLink.objects.filter(person=person).delete()[1])
    counts["needs.TrainingNeed (recorder removed)"] += recorded
    return counts
