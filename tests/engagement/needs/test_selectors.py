"""The needs-vs-offer report read from the database."""

from typing import Any

import pytest

from engagement.needs.models import TrainingNeed
from engagement.needs.selectors import needs_offer_report
from tests.engagement.needs.conftest import World
from tests.factories import MilestoneFactory, PathwayFactory, SkillFactory

pytestmark = pytest.mark.django_db


def test_withdrawn_and_met_needs_do_not_count(world: World) -> None:
    world.need(people=4)
    world.need(people=10, status=TrainingNeed.Status.WITHDRAWN)
    world.need(people=20, status=TrainingNeed.Status.MET)

    (row,) = needs_offer_report()

    assert (row.people_waiting, row.needs) == (4, 1)


def test_a_pathway_and_its_milestone_teaching_the_skill_are_one_entry(world: World) -> None:
    world.need()

    (row,) = needs_offer_report()

    assert [(t.pathway_title, t.milestones) for t in row.pathways] == [
        ("Cell chemistry", ("Electrolytes",))
    ]


def test_an_unpublished_pathway_is_no_offer(world: World) -> None:
    world.cell_pathway.is_published = False
    world.cell_pathway.save(update_fields=["is_published"])
    world.need()

    (row,) = needs_offer_report()

    assert row.is_gap


def test_a_skill_taught_only_by_a_milestone_is_covered(world: World) -> None:
    milestone = MilestoneFactory.create(
        pathway=PathwayFactory.create(title_en="Plant safety", eqf_level=6), title_en="Risks"
    )
    milestone.skills.set([world.safety])
    world.need(skills=[world.safety], eqf_level=6)

    (row,) = needs_offer_report()

    assert [t.pathway_title for t in row.pathways] == ["Plant safety"]


def _needs(world: World, count: int) -> None:
    for index in range(count):
        skill = SkillFactory.create()
        pathway = PathwayFactory.create(skills=[skill])
        MilestoneFactory.create(pathway=pathway).skills.set([skill])
        world.need(skills=[skill, world.chemistry], people=index + 1)


@pytest.mark.parametrize("count", [1, 12])
def test_the_report_takes_three_queries_however_many_needs(
    world: World, count: int, django_assert_num_queries: Any
) -> None:
    _needs(world, count)

    with django_assert_num_queries(3):
        rows = needs_offer_report()

    assert len(rows) == count + 1
