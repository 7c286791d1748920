"""List endpoints read a page in a fixed number of queries, however many rows there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.engagement.network.conftest import World
from tests.factories import (
    ActivityFactory,
    ConsentFactory,
    EnrolmentFactory,
    IdentityFactory,
    MilestoneFactory,
    OrganisationFactory,
    PathwayFactory,
    PersonFactory,
    RoleFactory,
    SkillFactory,
)


def grow(world: World, times: int) -> None:
    """More of everything each list shows: pathways with milestones, criteria, skills and
    providers; learners with identities, roles, enrolments in the cohort, and consents."""
    for _ in range(times):
        pathway = PathwayFactory.create(
            skills=[SkillFactory.create(), SkillFactory.create()],
            providers=[OrganisationFactory.create()],
        )
        for position in (1, 2):
            milestone = MilestoneFactory.create(
                pathway=pathway, position=position, provider=world.sedu
            )
            milestone.skills.add(SkillFactory.create())
            ActivityFactory.create_batch(2, milestone=milestone)
        ActivityFactory.create(milestone=milestone, activity_iri="https://moodle.example.fi/shared")
        learner = PersonFactory.create()
        IdentityFactory.create(person=learner)
        RoleFactory.create(person=learner, organisation=world.savonia)
        enrolment = EnrolmentFactory.create(learner=learner, pathway=pathway, sponsor=world.valmet)
        world.cohort.enrolments.add(enrolment)
        ConsentFactory.create(enrolment=enrolment, employer=world.valmet)


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("admin", "/api/network/organisations/"),
        ("admin", "/api/network/people/"),
        ("teacher", "/api/network/people/"),
        ("admin", "/api/network/roles/"),
        ("admin", "/api/network/identities/"),
        ("admin", "/api/network/skills/"),
        ("admin", "/api/network/pathways/"),
        ("aino", "/api/network/pathways/"),
        ("admin", "/api/network/milestones/"),
        ("admin", "/api/network/activities/"),
        ("admin", "/api/network/enrolments/"),
        ("teacher", "/api/network/enrolments/"),
        ("employer", "/api/network/shared-enrolments/"),
        ("admin", "/api/network/cohorts/"),
        ("admin", "/api/network/consents/"),
        ("employer", "/api/network/consents/"),
        ("anonymous", "/api/network/catalogue/"),
        ("anonymous", "/api/network/catalogue/overlaps/"),
    ],
)
def test_it_reads_a_list_in_a_fixed_number_of_queries(world, django_assert_num_queries, who, path):
    client = world.client(who)
    grow(world, 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    grow(world, 4)

    with django_assert_num_queries(len(few)):
        response = client.get(path)

    assert response.status_code == 200
    assert response.json()["count"] > 0
