"""The demo's needs: one covered, one a gap, the learner's match; a second run adds nothing."""

import pytest

from backend.demo import seed
from backend.demo.needs import BATTERY_MANAGEMENT, NEEDS, demo_needs_seed
from engagement.needs.models import EmployerLink, TrainingNeed
from engagement.needs.selectors import needs_offer_report, pathways_for_linked_employers
from tests.engagement.needs.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db: None) -> str:
    seed.demo_seed()
    return demo_needs_seed(today=TODAY)


def test_the_demo_has_a_covered_need_and_a_gap(seeded: str) -> None:
    rows = needs_offer_report()

    assert [row.skill_uri for row in rows if row.is_gap] == [BATTERY_MANAGEMENT]
    assert len([row for row in rows if not row.is_gap]) == len(NEEDS) - 1


def test_the_demo_learner_sees_pathways_her_employer_needs(seeded: str) -> None:
    link = EmployerLink.objects.get()

    titles = [match.pathway_title for match in pathways_for_linked_employers(person=link.person)]

    assert "Battery cell manufacturing" in titles


def test_a_second_run_adds_nothing(seeded: str) -> None:
    said = demo_needs_seed(today=TODAY)

    assert "(0 added now)" in said
    assert TrainingNeed.objects.count() == len(NEEDS)
    assert EmployerLink.objects.count() == 1
