"""The network the access matrix (test_access_matrix.py) runs every request against.

One *target* learner, Aino, owns the data every path parameter names: her enrolment in a
cohort at the provider Savonia, her consents, identity, notification, badge, study plan,
event registration and xAPI records in Savonia's LRS. Around her stands one actor per role
of DESIGN.md "Who may see what", each related to her in one way (the ACTORS table).
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from engagement.badges.employer_shares import employer_share_create
from engagement.badges.keys import published_keys
from engagement.badges.models import Assertion, BadgeClass, BadgeShare, Issuer
from engagement.badges.services import badge_award, badge_share_set
from engagement.dashboards.plotly_js import PLOTLY_VERSION
from engagement.events import services as events
from engagement.events.models import Event
from engagement.membership import services as membership
from engagement.membership.models import MembershipApplication
from engagement.needs import services as needs
from engagement.needs.models import EmployerLink, TrainingNeed
from engagement.network import services as network
from engagement.network.interchange import FORMAT
from engagement.network.models import (
    Cohort,
    Consent,
    Enrolment,
    EscoSkill,
    Milestone,
    MilestoneActivity,
    Organisation,
    Pathway,
    Person,
    Role,
    XapiIdentity,
)
from engagement.rules import services as rules
from engagement.rules.models import Rule
from learning_records.models import LrsClient, lookup_hash
from learning_records.services import lrs_client_create
from notifications.links import preference_token, unsubscribe_token
from notifications.models import Channel, Notification, Topic
from tests.factories import CohortFactory, UserFactory

XAPI_VERSION = "1.0.3"
AINO_MBOX = "mailto:aino.matrix@example.fi"
# Markers: text that appears in a response only if the target's record is in it.
AINO_NAME = "Ainomatrix"
ACTIVITY_IRI = "https://moodle.savonia.fi/mod/quiz/matrix-4471"
# The activity's name as the LMS defines it: shared by every learner of the activity.
ACTIVITY_NAME = "Safety quiz 4471"
STATE_ID = "matrix-state"
PROFILE_ID = "matrix-profile"
PILOT_MILESTONE = "Pilot milestone 4471"
NOTIFICATION_TEMPLATE = "matrix_notification_4471"

# Who acts. Each is described by how they relate to Aino and her data.
ACTORS = {
    "anonymous": "no login",
    "owner": "Aino herself: the learner who owns the data",
    "learner_peer": "Bea, another learner of the same provider (in another cohort)",
    "teacher": "teacher of Aino's cohort, with the teacher role at its provider",
    "teacher_other_cohort": "teacher at the same provider, of another cohort",
    "employer_consented": "employer contact of a company Aino shares her enrolment with",
    "employer_no_consent": "employer contact of a company with no consent from Aino",
    "employer_revoked": "employer contact of a company whose consent Aino revoked",
    "other_org_admin": "staff of another provider: teacher there, and a network_admin role "
    "held at that provider (not at the network, so it grants nothing)",
    "network_admin": "network administrator (network_admin role in the network)",
    "lrs_owner": "LRS client of Savonia, the tenant holding Aino's statements",
    "lrs_other": "LRS client of another organisation",
}
PEOPLE = frozenset(
    actor for actor in ACTORS if actor not in ("anonymous", "lrs_owner", "lrs_other")
)
LRS_CLIENTS = frozenset({"lrs_owner", "lrs_other"})
EVERYONE = frozenset(ACTORS)


@dataclass
class World:
    network_org: Organisation
    savonia: Organisation
    sedu: Organisation
    valmet: Organisation
    kokkola: Organisation
    northvolt: Organisation
    pathway: Pathway
    pilot: Pathway
    pilot_milestone: Milestone
    pilot_activity: MilestoneActivity
    skill: EscoSkill
    aino: Person
    enrolment: Enrolment
    cohort: Cohort
    consent: Consent
    revoked_consent: Consent
    identity: XapiIdentity
    role: Role
    notification: Notification
    issuer: Issuer
    badge_class: BadgeClass
    assertion: Assertion
    badge_share: BadgeShare
    need: TrainingNeed
    employer_link: EmployerLink
    event: Event
    started_event: Event
    application: MembershipApplication
    approved_application: MembershipApplication
    rule: Rule
    statement_id: str
    statement: dict[str, Any]
    users: dict[str, User]
    sessions: dict[str, str]
    lrs_credentials: dict[str, tuple[str, str]]
    people: dict[str, Person] = field(default_factory=dict)

    def client(self, actor: str) -> Client:
        """A test client acting as `actor`: a signed-in browser, an LRS client sending
        HTTP Basic and the xAPI version header, or nobody."""
        if actor in self.lrs_credentials:
            key, secret = self.lrs_credentials[actor]
            token = base64.b64encode(f"{key}:{secret}".encode()).decode()
            return Client(
                headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
            )
        client = Client()
        if actor != "anonymous":
            # Sessions made once with the world: a sign-in per request costs more than most
            # of the requests themselves.
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[actor]
        return client

    @property
    def aino_agent(self) -> str:
        return json.dumps({"objectType": "Agent", "mbox": AINO_MBOX})

    @property
    def future_date(self) -> str:
        return (timezone.localdate() + dt.timedelta(days=60)).isoformat()

    @property
    def plotly(self) -> str:
        return PLOTLY_VERSION

    @property
    def thumbprint(self) -> str:
        return published_keys()[0].thumbprint

    @property
    def import_document(self) -> dict[str, Any]:
        skill = {"uri": "http://data.europa.eu/esco/skill/imported-1", "label_en": "imported"}
        return {"format": FORMAT, "skills": [skill]}

    def company_of(self, actor: str) -> Organisation | None:
        """The company an employer contact speaks for."""
        role = Role.objects.filter(
            person=self.people.get(actor), kind=Role.Kind.EMPLOYER_CONTACT
        ).first()
        return None if role is None else role.organisation


def _person(username: str, given_name: str, family_name: str = "Virtanen") -> tuple[Person, User]:
    user = UserFactory.create(username=username)
    person = network.person_create(
        given_name=given_name,
        family_name=family_name,
        email=f"{username}@example.fi",
    )
    person.user = user
    person.save(update_fields=["user"])
    return person, user


def _role(person: Person, organisation: Organisation, kind: str) -> Role:
    # Straight to the table: the other-organisation admin's role is one role_grant refuses,
    # the kind of row an older import or a hand edit leaves behind.
    return Role.objects.create(person=person, organisation=organisation, kind=kind)


def _organisation(slug: str, kind: str) -> Organisation:
    return Organisation.objects.create(slug=slug, name_en=slug.title(), kind=kind)


def _xapi(credentials: tuple[str, str], method: str, path: str, body: Any) -> None:
    key, secret = credentials
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    client = Client(
        headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": XAPI_VERSION}
    )
    response = getattr(client, method)(path, json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 204), (path, response.status_code, response.content)


def build_world() -> World:
    # The tests' hasher (tests/conftest.py): LRS secrets hashed here are checked there.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        return _built()


def _built() -> World:
    now = timezone.now()
    network_org = _organisation("network", Organisation.Kind.NETWORK)
    savonia = _organisation("savonia", Organisation.Kind.UNIVERSITY_OF_APPLIED_SCIENCES)
    sedu = _organisation("sedu", Organisation.Kind.VOCATIONAL)
    valmet = _organisation("valmet", Organisation.Kind.COMPANY)
    kokkola = _organisation("kokkola", Organisation.Kind.COMPANY)
    northvolt = _organisation("northvolt", Organisation.Kind.COMPANY)

    skill = EscoSkill.objects.create(
        uri="http://data.europa.eu/esco/skill/matrix-4471", label_en="assemble battery cells"
    )
    pathway = Pathway.objects.create(
        slug="cells", title_en="Battery cells", eqf_level=5, effort_hours=60, is_published=True
    )
    pathway.providers.set([savonia])
    pathway.skills.set([skill])
    milestone = Milestone.objects.create(
        pathway=pathway, position=1, title_en="Safety", provider=savonia
    )
    MilestoneActivity.objects.create(
        milestone=milestone,
        activity_iri=ACTIVITY_IRI,
        activity_hash=lookup_hash(ACTIVITY_IRI),
        verbs=["http://adlnet.gov/expapi/verbs/passed"],
    )
    # Nobody is enrolled on it yet: an administrator enrols Aino.
    Pathway.objects.create(
        slug="extra", title_en="Extra", eqf_level=4, effort_hours=10, is_published=True
    )
    # Unpublished: visible to those enrolled on it and administrators only.
    pilot = Pathway.objects.create(
        slug="pilot-4471", title_en="Pilot 4471", eqf_level=6, effort_hours=30, is_published=False
    )
    pilot_milestone = Milestone.objects.create(
        pathway=pilot, position=1, title_en=PILOT_MILESTONE, provider=savonia
    )
    pilot_iri = "https://moodle.savonia.fi/mod/quiz/pilot-4471"
    pilot_activity = MilestoneActivity.objects.create(
        milestone=pilot_milestone,
        activity_iri=pilot_iri,
        activity_hash=lookup_hash(pilot_iri),
        verbs=["http://adlnet.gov/expapi/verbs/passed"],
    )

    aino, aino_user = _person("owner", AINO_NAME)
    bea, bea_user = _person("learner_peer", "Bea")
    teacher, teacher_user = _person("teacher", "Tea")
    other_teacher, other_teacher_user = _person("teacher_other_cohort", "Tom")
    emma, emma_user = _person("employer_consented", "Emma")
    erik, erik_user = _person("employer_no_consent", "Erik")
    eva, eva_user = _person("employer_revoked", "Eva")
    olli, olli_user = _person("other_org_admin", "Olli")
    ada, ada_user = _person("network_admin", "Ada")

    role = _role(aino, savonia, Role.Kind.LEARNER)
    _role(bea, savonia, Role.Kind.LEARNER)
    _role(teacher, savonia, Role.Kind.TEACHER)
    _role(other_teacher, savonia, Role.Kind.TEACHER)
    _role(emma, valmet, Role.Kind.EMPLOYER_CONTACT)
    _role(erik, kokkola, Role.Kind.EMPLOYER_CONTACT)
    _role(eva, northvolt, Role.Kind.EMPLOYER_CONTACT)
    _role(olli, sedu, Role.Kind.TEACHER)
    _role(olli, sedu, Role.Kind.NETWORK_ADMIN)
    _role(ada, network_org, Role.Kind.NETWORK_ADMIN)

    identity = network.identity_link(person=aino, kind="mbox", value=AINO_MBOX)
    enrolment = network.enrolment_create(
        learner=aino, pathway=pathway, started_on=dt.date(2026, 1, 12)
    )
    network.enrolment_create(learner=aino, pathway=pilot, started_on=dt.date(2026, 1, 12))
    bea_enrolment = network.enrolment_create(
        learner=bea, pathway=pathway, started_on=dt.date(2026, 1, 12)
    )
    cohort = CohortFactory.create(
        provider=savonia, name="Cells 2026", teachers=[teacher], enrolments=[enrolment]
    )
    CohortFactory.create(
        provider=savonia, name="Cells autumn", teachers=[other_teacher], enrolments=[bea_enrolment]
    )
    CohortFactory.create(provider=sedu, name="Sedu cells", teachers=[olli])
    consent = network.consent_give(enrolment=enrolment, employer=valmet)
    revoked_consent = network.consent_revoke(
        consent=network.consent_give(enrolment=enrolment, employer=northvolt)
    )

    client_owner, secret_owner = lrs_client_create(
        organisation=savonia, name="Savonia Moodle", key="lrs-savonia"
    )
    _client_other, secret_other = lrs_client_create(
        organisation=sedu, name="Sedu Moodle", key="lrs-sedu"
    )
    credentials = {
        "lrs_owner": (client_owner.key, secret_owner),
        "lrs_other": ("lrs-sedu", secret_other),
    }
    statement_id = "5a5b1c9e-4471-4a71-9c1e-000000004471"
    actor = {"objectType": "Agent", "mbox": AINO_MBOX, "name": f"{AINO_NAME} Virtanen"}
    statement = {
        "id": statement_id,
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {
            "objectType": "Activity",
            "id": ACTIVITY_IRI,
            "definition": {"name": {"en": ACTIVITY_NAME}},
        },
        "result": {"score": {"scaled": 0.9}, "duration": "PT47M"},
        "timestamp": "2026-02-03T18:00:00Z",
    }
    _xapi(credentials["lrs_owner"], "post", "/xapi/statements", statement)
    agent = json.dumps({"objectType": "Agent", "mbox": AINO_MBOX})
    _xapi(
        credentials["lrs_owner"],
        "post",
        f"/xapi/activities/state?activityId={ACTIVITY_IRI}&agent={agent}&stateId={STATE_ID}",
        {"marker": AINO_NAME},
    )
    _xapi(
        credentials["lrs_owner"],
        "post",
        f"/xapi/activities/profile?activityId={ACTIVITY_IRI}&profileId={PROFILE_ID}",
        {"marker": AINO_NAME},
    )
    _xapi(
        credentials["lrs_owner"],
        "post",
        f"/xapi/agents/profile?agent={agent}&profileId={PROFILE_ID}",
        {"marker": AINO_NAME},
    )

    notification = Notification.objects.create(
        person=aino,
        topic=Topic.ACHIEVEMENTS,
        template=NOTIFICATION_TEMPLATE,
        idempotency_key="matrix-4471",
        context={},
        not_before=now,
        channel=Channel.IN_APP,
        status=Notification.Status.SENT,
        sent_at=now,
    )
    issuer = Issuer.objects.create(
        organisation=savonia,
        name_en="Savonia UAS",
        url="https://www.savonia.fi",
        email="badges@savonia.fi",
    )
    badge_class = BadgeClass.objects.create(
        issuer=issuer,
        milestone=milestone,
        name_en="Battery safety",
        description_en="Works safely with battery cells.",
        criteria_en="Pass the safety quiz.",
    )
    assertion = badge_award(badge_class=badge_class, recipient=aino, enrolment=enrolment).assertion
    badge_share = badge_share_set(person=aino, enabled=True)
    employer_share_create(assertion=assertion, employer=valmet, now=now)
    rules.study_plan_set(person=aino, days_per_week=3)

    need = needs.training_need_create(
        company=valmet,
        recorded_by=emma,
        skill_uris=[skill.uri],
        people=4,
        needed_by=(now + dt.timedelta(days=90)).date(),
        eqf_level=5,
        today=now.date(),
        description_en="Cell assembly for the new line",
    )
    employer_link = needs.employer_link_create(person=aino, company=valmet, now=now)
    event = events.event_create(
        organiser=savonia,
        kind=Event.Kind.SEMINAR,
        title_en="Cell safety seminar",
        starts_at=now + dt.timedelta(days=30),
        ends_at=now + dt.timedelta(days=30, hours=2),
        capacity=20,
        place="Kuopio",
    )
    events.registration_create(event=event, person=aino, now=now)
    # Attendance is marked once an event has started: this one started an hour ago.
    started = events.event_create(
        organiser=savonia,
        kind=Event.Kind.WORKSHOP,
        title_en="Cell assembly workshop",
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
        place="Kuopio",
    )
    events.registration_create(event=started, person=aino, now=now)
    Event.objects.filter(pk=started.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )

    application = membership.application_submit(data=_application("1234567-1", "Akkuopisto"))
    approved = membership.application_submit(data=_application("7654321-2", "Cathode College"))
    approved = membership.application_approve(
        application_id=approved.pk, decided_by=ada_user, now=now
    )
    rule = rules.rule_create(
        name="Come back",
        definition={
            "kind": "inactive",
            "days": 7,
            "action": {"type": "nudge", "template": "come_back"},
        },
    )

    users = {
        "owner": aino_user,
        "learner_peer": bea_user,
        "teacher": teacher_user,
        "teacher_other_cohort": other_teacher_user,
        "employer_consented": emma_user,
        "employer_no_consent": erik_user,
        "employer_revoked": eva_user,
        "other_org_admin": olli_user,
        "network_admin": ada_user,
    }
    people = {
        "owner": aino,
        "learner_peer": bea,
        "teacher": teacher,
        "teacher_other_cohort": other_teacher,
        "employer_consented": emma,
        "employer_no_consent": erik,
        "employer_revoked": eva,
        "other_org_admin": olli,
        "network_admin": ada,
    }
    sessions: dict[str, str] = {}
    for name, user in users.items():
        browser = Client()
        browser.force_login(user)
        sessions[name] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    return World(
        network_org=network_org,
        savonia=savonia,
        sedu=sedu,
        valmet=valmet,
        kokkola=kokkola,
        northvolt=northvolt,
        pathway=pathway,
        pilot=pilot,
        pilot_milestone=pilot_milestone,
        pilot_activity=pilot_activity,
        skill=skill,
        aino=aino,
        enrolment=enrolment,
        cohort=cohort,
        consent=consent,
        revoked_consent=revoked_consent,
        identity=identity,
        role=role,
        notification=notification,
        issuer=issuer,
        badge_class=badge_class,
        assertion=assertion,
        badge_share=badge_share,
        need=need,
        employer_link=employer_link,
        event=event,
        started_event=started,
        application=application,
        approved_application=approved,
        rule=rule,
        statement_id=statement_id,
        statement=statement,
        users=users,
        sessions=sessions,
        lrs_credentials=credentials,
        people=people,
    )


def _application(business_id: str, name: str) -> dict[str, Any]:
    return {
        "name_en": name,
        "kind": Organisation.Kind.VOCATIONAL,
        "business_id": business_id,
        "contact_given_name": "Liisa",
        "contact_family_name": "Mäkelä",
        "contact_email": f"liisa@{name.lower().replace(' ', '')}.example.fi",
        "language": "fi",
        "offer": "Battery courses.",
    }


def unsubscribe_token_of(world: World) -> str:
    return unsubscribe_token(person_id=world.aino.pk, topic=Topic.STUDY_REMINDERS)


def preference_token_of(world: World) -> str:
    return preference_token(person_id=world.aino.pk)


def secret_token_of(world: World) -> str:
    return membership.secret_link_token(world.approved_application)


def lrs_client_of(world: World, actor: str) -> LrsClient:
    return LrsClient.objects.get(key=world.lrs_credentials[actor][0])
