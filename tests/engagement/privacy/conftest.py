"""A learner who has used every feature (Aino), next to learners who share her provider,
cohort and activities (Bo, Cai): statements through the real /xapi/ endpoint in two
tenants, documents, progress, decisions, deliveries, a badge, consents, events, needs, a
membership application, a login with a session, and the admin's history."""

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from engagement.badges.models import Assertion, BadgeClass, Issuer
from engagement.badges.services import badge_award
from engagement.events.models import Event
from engagement.events.services import registration_create
from engagement.membership.models import MembershipApplication
from engagement.needs.services import employer_link_create
from engagement.network import services as network
from engagement.network.models import Person, XapiIdentity
from engagement.progress.services import progress_project
from engagement.rules.models import Decision
from engagement.rules.services import rule_create, study_plan_set
from notifications.models import DeliveryAttempt, EmailEvent, Notification, Suppression
from notifications.services import notification_create, preference_update
from tests.conftest import XapiClient, make_lrs_client
from tests.engagement.builders import COMPLETED, COURSE, PASSED, SAFETY_QUIZ, SAFETY_VIDEO, Network
from tests.engagement.dashboards.conftest import NOW, Scenario, make_scenario
from tests.factories import CompanyFactory, UserFactory

AINO_MBOX = "mailto:aino@example.fi"
AINO_SHA1 = hashlib.sha1(AINO_MBOX.encode(), usedforsecurity=False).hexdigest()
AINO_ACCOUNT = {"homePage": "https://moodle.savonia.fi", "name": "aino.virtanen.7"}
AINO = {"objectType": "Agent", "name": "Aino Virtanen", "mbox": AINO_MBOX}
BO = {"objectType": "Agent", "name": "Bo Testinen", "mbox": "mailto:bo@example.fi"}
TEACHER = {"objectType": "Agent", "name": "Teacher", "mbox": "mailto:teacher@savonia.fi"}
MENTORED = "http://id.tincanapi.com/verb/mentored"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def login(person: Person) -> Client:
    """A client signed in as the person, with a login made for them if they have none."""
    if person.user is None:
        person.user = UserFactory.create()
        person.save(update_fields=["user"])
    client = Client()
    client.force_login(person.user)
    return client


def streamed(response: Any) -> Any:
    return json.loads(b"".join(response.streaming_content))


def _xapi_statement(actor: dict[str, Any], verb: str, target: dict[str, Any], **more: Any) -> Any:
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": verb},
        "object": target,
        "timestamp": "2026-02-05T10:00:00Z",
        **more,
    }


def _activity(iri: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri}


@dataclass
class World:
    scenario: Scenario
    aino: Person
    bo: Person
    lms: XapiClient
    other_lms: XapiClient
    aino_statements: list[str]  # hers: deleted by erasure
    bo_statements: list[str]  # Bo's, one naming Aino as instructor, one as team member
    voided_id: str
    assertion: Assertion

    @property
    def identifiers(self) -> dict[str, str]:
        return {
            "name": "Aino Virtanen",
            "e-mail": "aino@example.fi",
            "mbox": AINO_MBOX,
            "mbox_sha1sum": AINO_SHA1,
            "account name": AINO_ACCOUNT["name"],
            "username": self.username,
            "badge recipient hash": self.recipient_hash,
        }

    username: str = ""
    recipient_hash: str = ""


def _post(lms: XapiClient, *statements: dict[str, Any]) -> list[str]:
    response = lms.post("/xapi/statements", list(statements))
    assert response.status_code == 200, response.content
    ids: list[str] = response.json()
    return ids


CERTIFICATE = b"Todistus: Aino Virtanen, akkuturvallisuus.\n"
CHECKLIST = b"Safety checklist, same for everyone.\n"
_BOUNDARY = "h7-boundary"


def _attached(statement: dict[str, Any], content: bytes) -> dict[str, Any]:
    attachment = {
        "usageType": "http://id.tincanapi.com/attachment/certificate_of_completion",
        "display": {"en-US": "Certificate"},
        "contentType": "text/plain",
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }
    return {**statement, "attachments": [attachment]}


def _post_with_attachments(
    lms: XapiClient, statements: list[tuple[dict[str, Any], bytes]]
) -> list[str]:
    """xAPI 1.0.3 Communication §1.5.2: multipart/mixed, the statements first, then each
    attachment's raw data once under its SHA-2."""
    contents = {s["attachments"][0]["sha2"]: content for s, content in statements}
    chunks = [
        f"--{_BOUNDARY}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps([s for s, _ in statements]).encode(),
    ]
    for sha2, content in contents.items():
        head = f"Content-Type: text/plain\r\nX-Experience-API-Hash: {sha2}\r\n"
        head += "Content-Transfer-Encoding: binary\r\n"
        chunks += [f"\r\n--{_BOUNDARY}\r\n{head}\r\n".encode(), content]
    chunks.append(f"\r\n--{_BOUNDARY}--\r\n".encode())
    response = lms.post(
        "/xapi/statements",
        b"".join(chunks),
        content_type=f"multipart/mixed; boundary={_BOUNDARY}",
    )
    assert response.status_code == 200, response.content
    ids: list[str] = response.json()
    return ids


def _put_document(lms: XapiClient, resource: str, params: dict[str, str], body: Any) -> None:
    # A profile PUT must say it creates (Communication §3.1); a state PUT may.
    headers = {"If-None-Match": "*"}
    response = lms.put(f"/xapi/{resource}?{urlencode(params)}", body, headers=headers)
    assert response.status_code == 204, response.content


def build_world(net: Network) -> World:
    scenario = make_scenario(net)
    aino, bo = scenario.learners["aino"], scenario.learners["bo"]
    network.identity_link(
        person=aino, kind="account", value=AINO_ACCOUNT["name"], home_page=AINO_ACCOUNT["homePage"]
    )
    _, lms = make_lrs_client(net.provider, "h7-moodle")
    _, other_lms = make_lrs_client(CompanyFactory.create(), "h7-company-lms")
    account_agent = {"objectType": "Agent", "account": AINO_ACCOUNT}
    sha1_agent = {"objectType": "Agent", "mbox_sha1sum": AINO_SHA1}
    aino_ids = _post(
        lms,
        _xapi_statement(AINO, COMPLETED, _activity(SAFETY_VIDEO)),
        _xapi_statement(account_agent, PASSED, _activity(SAFETY_QUIZ), result={"response": "ok"}),
        _xapi_statement(sha1_agent, COMPLETED, _activity(COURSE)),
        _xapi_statement(TEACHER, MENTORED, AINO),
    )
    voided_id = aino_ids[0]
    _post(lms, _xapi_statement(TEACHER, VOIDED, {"objectType": "StatementRef", "id": voided_id}))
    aino_ids += _post(other_lms, _xapi_statement(AINO, COMPLETED, _activity(COURSE)))
    team = {"objectType": "Group", "name": "Team A", "member": [BO, AINO]}
    bo_ids = _post(
        lms,
        _xapi_statement(BO, PASSED, _activity(SAFETY_QUIZ), context={"instructor": AINO}),
        _xapi_statement(BO, COMPLETED, _activity(COURSE), context={"team": team}),
    )
    with_files = [
        (_attached(_xapi_statement(AINO, PASSED, _activity(COURSE)), CERTIFICATE), CERTIFICATE),
        (_attached(_xapi_statement(AINO, COMPLETED, _activity(COURSE)), CHECKLIST), CHECKLIST),
        (_attached(_xapi_statement(BO, COMPLETED, _activity(COURSE)), CHECKLIST), CHECKLIST),
    ]
    files = _post_with_attachments(lms, with_files)
    aino_ids += files[:2]
    state = {"activityId": SAFETY_VIDEO, "agent": json.dumps(AINO), "stateId": "bookmark"}
    _put_document(lms, "activities/state", state, {"position": 42, "learner": "Aino Virtanen"})
    profile = {"agent": json.dumps(AINO), "profileId": "preferences"}
    _put_document(lms, "agents/profile", profile, {"nickname": "Aino Virtanen"})
    bo_state = {"activityId": SAFETY_VIDEO, "agent": json.dumps(BO), "stateId": "bookmark"}
    _put_document(lms, "activities/state", bo_state, {"position": 7})
    progress_project()

    issuer = Issuer.objects.create(
        organisation=net.provider, name_en="Savonia", url="https://savonia.fi", email="b@savonia.fi"
    )
    badge = BadgeClass.objects.create(
        issuer=issuer, milestone=net.safety, name_en="Battery safety", description_en="Safe."
    )
    assertion = badge_award(
        badge_class=badge, recipient=aino, enrolment=scenario.enrolments["aino"]
    ).assertion
    badge_award(badge_class=badge, recipient=bo, enrolment=scenario.enrolments["bo"])

    rule = rule_create(
        name="Red light to the teacher",
        definition={
            "kind": "teacher_alert",
            "action": {"type": "alert_teacher", "template": "red_light"},
        },
        holdout_share=0.0,
    )
    for person, enrolment in ((scenario.teacher, "aino"), (aino, "aino"), (scenario.teacher, "bo")):
        decision = Decision.objects.create(
            rule=rule,
            version=rule.versions.get(),
            person=person,
            enrolment=scenario.enrolments[enrolment],
            window=f"2026-W06-{person.pk}",
            action={"type": "alert_teacher"},
            reasons=[{"code": "idle", "days": 15}],
            decided_at=NOW,
        )
        Notification.objects.create(
            person=person,
            topic="teacher_alerts",
            template="red_light",
            decision=decision,
            idempotency_key=f"decision:{decision.pk}",
            not_before=NOW,
            subject=f"About {enrolment}",
        )
    mail = notification_create(
        person=aino, topic="study_reminders", template="inactive", idempotency_key="h7:aino:1"
    )
    Notification.objects.filter(pk=mail.pk).update(
        subject="Hei Aino", body="Hei Aino Virtanen, jatketaan!", status="sent", sent_at=NOW
    )
    DeliveryAttempt.objects.create(
        notification=mail,
        number=1,
        channel="email",
        outcome="sent",
        status_code=202,
        provider_response='{"to": "aino@example.fi"}',
        started_at=NOW,
        finished_at=NOW,
    )
    EmailEvent.objects.create(
        sg_event_id="h7-ev-1",
        event="delivered",
        email="aino@example.fi",
        occurred_at=NOW,
        kipina_id="h7:aino:1",
        notification=mail,
        payload={"email": "aino@example.fi"},
        received_at=NOW,
    )
    Suppression.objects.create(email="aino@example.fi", reason="unsubscribed from everything")
    digest = notification_create(
        person=scenario.teacher, topic="digests", template="digest", idempotency_key="h7:digest"
    )
    Notification.objects.filter(pk=digest.pk).update(
        body="This week: Aino Virtanen is behind; Bo Testinen finished safety."
    )
    preference_update(person_id=aino.pk, opted_out=["digests"], weekly_nudge_cap=2)
    study_plan_set(person=aino, days_per_week=3)

    event = Event.objects.create(
        title_en="Battery day",
        organiser=net.provider,
        kind="seminar",
        starts_at=NOW + dt.timedelta(days=10),
        ends_at=NOW + dt.timedelta(days=10, hours=2),
        place="Kuopio",
        activity_iri="https://kipina.example/events/battery-day",
        is_published=True,
    )
    registration_create(event=event, person=aino, now=NOW)
    registration_create(event=event, person=bo, now=NOW)
    employer_link_create(person=aino, company=scenario.company, now=NOW)
    employer_link_create(person=bo, company=scenario.company, now=NOW)
    MembershipApplication.objects.create(
        name_en="Aino's company",
        kind="company",
        business_id="1234567-1",
        contact_given_name="Aino",
        contact_family_name="Virtanen",
        contact_email="aino@example.fi",
        offer="Cells",
        status="pending",
    )
    client = login(aino)
    client.get("/me/")  # a live session
    LogEntry.objects.create(
        user=UserFactory.create(is_staff=True),
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(aino.pk),
        object_repr=str(aino),
        action_flag=ADDITION,
        change_message="[]",
    )
    # The admin's history of her account identity names it by its agent key only.
    account = XapiIdentity.objects.get(person=aino, kind="account")
    LogEntry.objects.create(
        user=UserFactory.create(is_staff=True),
        content_type=ContentType.objects.get_for_model(XapiIdentity),
        object_id=str(account.pk),
        object_repr=str(account),
        action_flag=ADDITION,
        change_message="[]",
    )
    world = World(scenario, aino, bo, lms, other_lms, aino_ids, bo_ids, voided_id, assertion)
    world.username = aino.user.get_username() if aino.user else ""
    world.recipient_hash = assertion.recipient_hash
    return world


@pytest.fixture
def world(net: Network) -> World:
    with time_machine.travel(NOW, tick=False):
        return build_world(net)
