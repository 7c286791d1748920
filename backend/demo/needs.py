"""Training needs of the demo's companies: one the offer covers, one a gap, so the
needs-vs-offer page (/needs/offer/, the network administrator's login) has both; and the
demo learner's link to her employer, so /needs/for-me/ shows matching pathways.

Running the demo again finds the same needs (by company and English description) and the
same link, and changes nothing. Dates are relative to the run's day, so never in the past.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from backend.demo.network import BATTERY_CHEMISTRY, KENNOTEHDAS, KIERTOAKKU, LEARNER_USERNAME
from backend.demo.network import RECYCLING as RECYCLING_SKILL
from engagement.needs.models import TrainingNeed
from engagement.needs.services import employer_link_create, training_need_create
from engagement.network.models import EscoSkill, Organisation

# An invented skill in ESCO's form that no demo pathway teaches: the gap.
BATTERY_MANAGEMENT = "http://data.europa.eu/esco/skill/5b7f3a2e-0c41-4d8e-9a6b-1f2e3d4c5b6a"

# (company, skills, people, EQF level, months ahead, description)
NEEDS = (
    (KENNOTEHDAS, (BATTERY_CHEMISTRY,), 6, 5, 6, "Cell line operators for the new line"),
    (KENNOTEHDAS, (BATTERY_MANAGEMENT,), 3, 6, 9, "Battery management system engineers"),
    (KIERTOAKKU, (RECYCLING_SKILL,), 4, 5, 4, "Recycling process technicians"),
)


def demo_needs_seed(*, today: dt.date) -> str:
    """The line the demo prints about the needs."""
    EscoSkill.objects.get_or_create(
        uri=BATTERY_MANAGEMENT,
        defaults={
            "label_en": "battery management systems",
            "label_fi": "akunhallintajärjestelmät",
            "label_sv": "batterihanteringssystem",
        },
    )
    made = 0
    for slug, skills, people, level, months, description in NEEDS:
        company = Organisation.objects.get(slug=slug)
        if TrainingNeed.objects.filter(company=company, description_en=description).exists():
            continue
        training_need_create(
            company=company,
            recorded_by=None,
            skill_uris=skills,
            people=people,
            needed_by=today + dt.timedelta(days=30 * months),
            eqf_level=level,
            today=today,
            description_en=description,
        )
        made += 1
    learner = get_user_model().objects.get(username=LEARNER_USERNAME).person
    kennotehdas = Organisation.objects.get(slug=KENNOTEHDAS)
    employer_link_create(person=learner, company=kennotehdas, now=timezone.now())
    return (
        f"Training needs: {len(NEEDS)} ({made} added now), one of them a gap (/needs/offer/); "
        f"{learner} linked {kennotehdas} to see matching pathways (/needs/for-me/)."
    )
