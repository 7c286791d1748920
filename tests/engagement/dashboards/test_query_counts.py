"""Each page reads in a fixed number of queries: the count for a cohort of one learner is
the count for a cohort of many."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagement.network import services as network
from engagement.network.models import Cohort, Organisation, Person, Role
from engagement.progress.services import progress_project
from tests.engagement.builders import PASSED, SAFETY_QUIZ, Network, statement, store
from tests.engagement.dashboards.conftest import enrol, login_as, person_with_role
from tests.factories import CohortFactory, CompanyFactory

MANY = 25


class World:
    def __init__(self, net: Network) -> None:
        self.net = net
        self.teacher = person_with_role(Role.Kind.TEACHER, net.provider)
        self.company = CompanyFactory.create()
        self.contact = person_with_role(Role.Kind.EMPLOYER_CONTACT, self.company)
        self.admin = person_with_role(
            Role.Kind.NETWORK_ADMIN,
            Organisation.objects.create(slug="net", name_en="Net", kind="network"),
        )
        self.cohort: Cohort = CohortFactory.create(provider=net.provider, teachers=[self.teacher])
        self.count = 0
        self.grow(1)

    def grow(self, learners: int) -> None:
        """Add learners who each passed the quiz and share their studies with the company."""
        statements = []
        for _ in range(learners):
            self.count += 1
            enrolment = enrol(self.net, f"L{self.count}")
            self.cohort.enrolments.add(enrolment)
            network.consent_give(enrolment=enrolment, employer=self.company)
            statements.append(
                statement(SAFETY_QUIZ, PASSED, actor=f"mailto:l{self.count}@example.fi")
            )
        store(self.net.client, *statements)
        progress_project()

    def pages(self) -> dict[str, tuple[Person, str]]:
        return {
            "teacher": (self.teacher, reverse("dashboards:teacher", args=[self.cohort.pk])),
            "employer": (self.contact, reverse("dashboards:employer")),
            "learner": (self.net.learner, reverse("dashboards:learner")),
            "network": (self.admin, reverse("dashboards:network")),
            "csv": (self.teacher, reverse("dashboards:teacher_csv", args=[self.cohort.pk])),
        }


def _counts(world: World) -> dict[str, int]:
    counts = {}
    for name, (person, url) in world.pages().items():
        client = login_as(person)
        client.get(url)  # warm: the session and caches of a first request
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[name] = len(queries)
    return counts


def test_every_page_reads_as_many_queries_for_many_learners(
    net: Network, frozen: Any, django_assert_num_queries: Any
) -> None:
    world = World(net)
    one = _counts(world)
    world.grow(MANY - 1)
    for name, (person, url) in world.pages().items():
        client = login_as(person)
        client.get(url)
        with django_assert_num_queries(one[name]):
            client.get(url)
