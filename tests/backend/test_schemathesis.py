"""Schemathesis over the whole /api/ schema, in process (WSGI), as the people who use each
operation: no 5xx, every status code and Content-Type documented, every body as the schema
says. Each operation gets positive and negative (schema-breaking) requests, sent as one of
its users, as another user who may not see the object, or anonymously; path ids are drawn
from random values and from the seeded objects, so the reads and writes of real rows run.

KIPINA_SCHEMATHESIS_EXAMPLES sets the examples per operation (default 10; e.g. 500 for a
long run)."""

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engagement.badges.keys import published_keys
from engagement.badges.models import BadgeClass, Issuer
from engagement.badges.services import badge_award
from engagement.events.models import Event
from engagement.events.services import event_create, registration_create
from engagement.membership.models import MembershipApplication
from engagement.needs.services import training_need_create
from engagement.network.models import Role
from engagement.rules.services import rule_create
from notifications.services import notification_create
from tests.factories import (
    ActivityFactory,
    CohortFactory,
    CompanyFactory,
    ConsentFactory,
    EnrolmentFactory,
    IdentityFactory,
    MilestoneFactory,
    NetworkFactory,
    OrganisationFactory,
    PathwayFactory,
    PersonFactory,
    RoleFactory,
    SkillFactory,
    UserFactory,
)

EXAMPLES = int(os.environ.get("KIPINA_SCHEMATHESIS_EXAMPLES", "10"))
APP = WSGIHandler()
CSRF_TOKEN = "k" * 32
SCHEMA = schemathesis.openapi.from_dict(
    json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
)
LABELS = [result.ok().label for result in SCHEMA.get_all_operations()]  # type: ignore[union-attr]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Who uses an operation, by the longest matching path prefix: the first is its main user.
USERS = {
    "/api/": ["admin"],
    "/api/network/people/me/": ["learner", "employer"],
    "/api/network/consents/": ["learner", "admin"],
    "/api/network/shared-enrolments/": ["employer"],
    "/api/network/catalogue/": ["learner"],
    "/api/rules/study-plan/": ["learner"],
    "/api/rules/traffic-lights/": ["teacher"],
    "/api/notifications/": ["learner"],
    "/api/needs/": ["employer", "learner"],
    "/api/needs/offer/": ["admin", "teacher"],
    "/api/badges/": ["learner"],
    "/api/badges/assertions/{uuid}/revoke/": ["admin"],
    "/api/badges/shown-to-employer/": ["employer"],
    "/api/events/{event_uuid}/registration/": ["learner"],
    "/api/me/": ["learner"],
    "/me/": ["learner"],
    "/badges/": ["learner"],
}
# Someone signed in who should be refused or see nothing, and no one.
STRANGERS = ["outsider", "anonymous"]


@dataclass
class World:
    cookies: dict[str, dict[str, str]]
    # Path parameter values of seeded objects, by parameter name and path prefix.
    ids: dict[str, dict[str, Any]] = field(default_factory=dict)


def users_of(path: str) -> list[str]:
    prefix = max((p for p in USERS if path.startswith(p)), key=len)
    return USERS[prefix]


def signed_in(user: Any) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN}


def person_with_login(username: str, organisation: Any, kind: str) -> Any:
    user = UserFactory.create(username=username)
    person = PersonFactory.create(user=user, given_name=username.title())
    RoleFactory.create(person=person, organisation=organisation, kind=kind)
    return person


@pytest.fixture
def world(db: None, settings: Any) -> Iterator[World]:
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    network = NetworkFactory.create(slug="network")
    savonia = OrganisationFactory.create(slug="savonia", name_en="Savonia UAS")
    valmet = CompanyFactory.create(slug="valmet", name_en="Valmet Automotive")
    skill = SkillFactory.create()
    pathway = PathwayFactory.create(slug="cells", providers=[savonia], skills=[skill])
    milestone = MilestoneFactory.create(pathway=pathway, provider=savonia)
    activity = ActivityFactory.create(milestone=milestone)
    admin = person_with_login("admin", network, Role.Kind.NETWORK_ADMIN)
    learner = person_with_login("learner", savonia, Role.Kind.LEARNER)
    teacher = person_with_login("teacher", savonia, Role.Kind.TEACHER)
    employer = person_with_login("employer", valmet, Role.Kind.EMPLOYER_CONTACT)
    outsider = person_with_login("outsider", savonia, Role.Kind.LEARNER)
    identity = IdentityFactory.create(person=learner)
    enrolment = EnrolmentFactory.create(learner=learner, pathway=pathway, sponsor=valmet)
    cohort = CohortFactory.create(provider=savonia, teachers=[teacher], enrolments=[enrolment])
    consent = ConsentFactory.create(enrolment=enrolment, employer=valmet)
    rule = rule_create(
        name="Come back",
        definition={"kind": "inactive", "days": 7, "action": {"type": "nudge", "template": "x"}},
    )
    notification = notification_create(
        person=learner, topic="nudge", template="come_back", idempotency_key="seed"
    )
    today = timezone.localdate()
    need = training_need_create(
        company=valmet,
        recorded_by=employer,
        skill_uris=[skill.uri],
        people=3,
        needed_by=today + dt.timedelta(days=90),
        eqf_level=5,
        today=today,
    )
    issuer = Issuer.objects.create(organisation=savonia, name_en="Savonia", url="https://x.fi")
    badge_class = BadgeClass.objects.create(issuer=issuer, milestone=milestone, name_en="Safety")
    assertion = badge_award(badge_class=badge_class, recipient=learner, enrolment=enrolment)
    starts = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=7)
    event = event_create(
        organiser=savonia,
        kind=Event.Kind.SEMINAR,
        title_en="Battery safety day",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        place="Kuopio",
        capacity=20,
        is_published=True,
    )
    for registered in (learner, outsider):
        registration_create(event=event, person=registered, now=dt.datetime.now(tz=dt.UTC))
    application = MembershipApplication.objects.create(
        name_en="Kokkola Battery College",
        kind="vocational",
        business_id="1234567-1",
        contact_given_name="Liisa",
        contact_family_name="Mäkelä",
        contact_email="liisa@akkuopisto.example.fi",
        language="fi",
    )
    people = {"admin": admin, "learner": learner, "teacher": teacher, "employer": employer}
    cookies = {name: signed_in(person.user) for name, person in people.items()}
    cookies["outsider"] = signed_in(outsider.user)
    ids = {
        "/api/network/organisations/": {"slug": savonia.slug},
        "/api/network/people/": {"id": learner.pk},
        "/api/network/roles/": {"id": learner.roles.get().pk},
        "/api/network/identities/": {"id": identity.pk},
        "/api/network/skills/": {"id": skill.pk},
        "/api/network/pathways/": {"slug": pathway.slug},
        "/api/network/catalogue/": {"slug": pathway.slug},
        "/api/network/milestones/": {"id": milestone.pk},
        "/api/network/activities/": {"id": activity.pk},
        "/api/network/enrolments/": {"id": enrolment.pk},
        "/api/network/shared-enrolments/": {"id": enrolment.pk},
        "/api/network/cohorts/": {"id": cohort.pk},
        "/api/network/consents/": {"id": consent.pk},
        "/api/rules/": {"id": rule.pk},
        "/api/notifications/": {"id": notification.pk},
        "/api/needs/": {"id": need.pk},
        "/api/badges/": {"uuid": str(assertion.assertion.uuid), "employer": valmet.slug},
        "/api/events/": {"event_uuid": str(event.uuid)},
        "/api/membership/": {"id": application.pk},
        "/badges/issuers/": {"uuid": str(issuer.uuid)},
        "/badges/classes/": {"uuid": str(badge_class.uuid)},
        "/badges/assertions/": {"uuid": str(assertion.assertion.uuid)},
        "/badges/contexts/": {"name": "openbadges-v3"},
        "/badges/v3/keys/": {"thumbprint": published_keys()[0].thumbprint},
        "/badges/v3/issuers/": {"uuid": str(issuer.uuid)},
        "/badges/v3/achievements/": {"uuid": str(badge_class.uuid)},
        "/badges/v3/credentials/": {"uuid": str(assertion.assertion.uuid)},
    }
    # The WSGI handler closes an old or broken connection as a request starts and ends,
    # which on PostgreSQL would end the test's transaction; Django's test client keeps it
    # open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield World(cookies, ids)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def seeded_ids(world: World, path: str, names: set[str]) -> dict[str, Any] | None:
    prefixes = [p for p in world.ids if path.startswith(p)]
    if not names or not prefixes:
        return None
    ids = world.ids[max(prefixes, key=len)]
    return {name: ids[name] for name in names} if names <= ids.keys() else None


def cases(operation: Any, world: World) -> st.SearchStrategy[Any]:
    names = {parameter.name for parameter in operation.path_parameters}
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    known = seeded_ids(world, operation.path, names)
    if known is not None:
        # Most draws name a real row: random ids mostly find nothing (404).
        strategies += 2 * [
            operation.as_strategy(mode, path_parameters=known) for mode in GenerationMode
        ]
    return st.one_of(strategies)


def send(case: Any, world: World, who: str) -> int:
    if who == "anonymous":
        return int(case.call_and_validate(app=APP, checks=CHECKS).status_code)
    response = case.call_and_validate(
        app=APP, cookies=world.cookies[who], headers={"X-CSRFToken": CSRF_TOKEN}, checks=CHECKS
    )
    return int(response.status_code)


def log_run(label: str, statuses: list[int]) -> None:
    """One line per operation (examples sent, answers by status) to KIPINA_SCHEMATHESIS_LOG,
    for the numbers in docs/reliability.md."""
    path = os.environ.get("KIPINA_SCHEMATHESIS_LOG")
    if path:
        counts = " ".join(f"{code}x{statuses.count(code)}" for code in sorted(set(statuses)))
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{label}\t{len(statuses)}\t{counts}\n")


def test_every_operation_was_collected() -> None:
    assert len(LABELS) >= 60, LABELS


@pytest.mark.parametrize("label", LABELS)
def test_operation(label: str, world: World) -> None:
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    people = users_of(operation.path)
    statuses: list[int] = []

    # Mostly the operation's own users: strangers and anonymous get refused early.
    @given(case=cases(operation, world), who=st.sampled_from(3 * people + STRANGERS))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, who: str) -> None:
        statuses.append(send(case, world, who))

    run()
    log_run(label, statuses)
    assert statuses, "no request was sent"
