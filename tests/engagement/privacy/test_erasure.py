"""Erasure on an administrator's request: nothing of the person is left in any table, on
SQLite and PostgreSQL alike; the other learners' records stay whole; an erasure record
without personal data says it happened."""

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test import Client

from engagement.badges.models import Assertion, ErasedAssertion
from engagement.events.models import Registration
from engagement.membership.models import MembershipApplication
from engagement.needs.models import EmployerLink
from engagement.network.models import Enrolment, Person
from engagement.privacy.erasure import person_erase
from engagement.privacy.models import ErasureRecord
from engagement.progress.models import EnrolmentProgress, Evidence
from engagement.rules.models import Decision
from learning_records.models import AttachmentContent, Document, Statement, StatementAgent
from notifications.models import Notification
from tests.engagement.badges.test_ob3_http import status_bit
from tests.engagement.builders import COURSE
from tests.engagement.dashboards.conftest import NOW
from tests.engagement.privacy.conftest import (
    AINO,
    BO,
    CERTIFICATE,
    CHECKLIST,
    COMPLETED,
    MENTORED,
    PASSED,
    World,
    _activity,
    _attached,
    _post,
    _post_with_attachments,
    _xapi_statement,
    login,
)
from tests.factories import UserFactory

_TEXT = (models.CharField, models.TextField, models.JSONField, models.BinaryField)


def _text_fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.local_concrete_fields if isinstance(f, _TEXT)]


def _as_text(value: Any) -> str:
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def traces(needles: dict[str, str]) -> Iterator[str]:
    """Every (table, column, identifier) where a text, JSON or binary column of any model of
    any installed app (many-to-many tables included) holds one of the identifiers, in any
    letter case. The rows are read raw, so JSON is searched as stored."""
    lowered = {label: needle.lower() for label, needle in needles.items() if needle}
    for model in apps.get_models(include_auto_created=True):
        columns = _text_fields(model)
        if not columns:
            continue
        rows = model._base_manager.values_list(*columns)
        for row in rows.iterator():
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                text = _as_text(value).lower()
                for label, needle in lowered.items():
                    if needle in text:
                        yield f"{model._meta.label}.{column} holds the {label}"


def _person_references(person_id: int, user_id: int | None) -> list[str]:
    """Foreign keys to the person or their login left anywhere."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.local_concrete_fields:
            target = getattr(field, "related_model", None)
            if target is Person:
                wanted: int | None = person_id
            elif target is not None and target._meta.label == "auth.User":
                wanted = user_id
            else:
                continue
            if (
                wanted is not None
                and model._base_manager.filter(**{field.attname: wanted}).exists()
            ):
                found.append(f"{model._meta.label}.{field.attname}")
    return found


@pytest.fixture
def admin_user(db: None) -> Any:
    return UserFactory.create(is_staff=True, is_superuser=True)


def _erase(world: World, admin_user: Any) -> ErasureRecord:
    with time_machine.travel(NOW, tick=False):
        record = person_erase(person_id=world.aino.pk, requested_by=admin_user, now=NOW)
    assert record is not None
    return record


def test_the_world_holds_every_identifier_before(world: World) -> None:
    """The search finds each identifier before the erasure (so its silence after means
    something)."""
    found = " ".join(traces(world.identifiers))
    for label in world.identifiers:
        assert f"the {label}" in found, label


def test_no_trace_remains(world: World, admin_user: Any) -> None:
    user_id = world.aino.user_id
    _erase(world, admin_user)
    left = list(traces(world.identifiers))
    assert left == [], "\n".join(left)
    assert _person_references(world.aino.pk, user_id) == []


def test_the_other_learners_records_stay_whole(world: World, admin_user: Any) -> None:
    bo = world.bo
    before = {
        "statements": Statement.objects.filter(actor_key__contains="bo@example.fi").count(),
        "evidence": Evidence.objects.filter(enrolment__learner=bo).count(),
        "progress": EnrolmentProgress.objects.filter(enrolment__learner=bo).count(),
        "decisions": Decision.objects.filter(enrolment__learner=bo).count(),
        "badges": Assertion.objects.filter(recipient=bo).count(),
        "registrations": Registration.objects.filter(person=bo).count(),
        "links": EmployerLink.objects.filter(person=bo).count(),
        "documents": Document.objects.filter(agent_key__contains="bo@example.fi").count(),
    }
    _erase(world, admin_user)
    after = {
        "statements": Statement.objects.filter(actor_key__contains="bo@example.fi").count(),
        "evidence": Evidence.objects.filter(enrolment__learner=bo).count(),
        "progress": EnrolmentProgress.objects.filter(enrolment__learner=bo).count(),
        "decisions": Decision.objects.filter(enrolment__learner=bo).count(),
        "badges": Assertion.objects.filter(recipient=bo).count(),
        "registrations": Registration.objects.filter(person=bo).count(),
        "links": EmployerLink.objects.filter(person=bo).count(),
        "documents": Document.objects.filter(agent_key__contains="bo@example.fi").count(),
    }
    assert after == before
    assert all(before.values()), before
    assert Enrolment.objects.filter(learner=bo).exists()
    digest = Notification.objects.get(idempotency_key="h7:digest")
    assert digest.body == "This week: [erased] is behind; Bo Testinen finished safety."


def test_statements_naming_her_in_bos_record_are_pseudonymised(
    world: World, admin_user: Any
) -> None:
    """Bo's statements keep their ids and Bo; Aino, as instructor and as team member, is one
    pseudonymous account, and the agent index finds the statements by it, not by her."""
    _erase(world, admin_user)
    taught, team = (Statement.objects.get(statement_id=i) for i in world.bo_statements)
    pseudonym = taught.payload["context"]["instructor"]
    assert pseudonym["account"]["homePage"].endswith("/erased")
    assert team.payload["context"]["team"]["member"][1] == pseudonym
    assert taught.payload["actor"]["mbox"] == "mailto:bo@example.fi"
    key = f"Agent|account|{pseudonym['account']['homePage']}|{pseudonym['account']['name']}"
    indexed = StatementAgent.objects.filter(agent_key=key).values_list("statement_id", flat=True)
    assert set(indexed) == {taught.pk, team.pk}
    response = world.lms.get(
        "/xapi/statements", {"agent": json.dumps(pseudonym), "related_agents": "true"}
    )
    assert {s["id"] for s in response.json()["statements"]} == set(world.bo_statements)


def test_her_own_statements_and_documents_are_gone(world: World, admin_user: Any) -> None:
    _erase(world, admin_user)
    assert not Statement.objects.filter(statement_id__in=world.aino_statements).exists()
    assert Document.objects.filter(agent_key__contains="aino").count() == 0
    response = world.lms.get("/xapi/statements", {"statementId": world.aino_statements[1]})
    assert response.status_code == 404


def test_her_attachments_go_and_shared_ones_stay(world: World, admin_user: Any) -> None:
    """The certificate only her statement had is deleted; the checklist that Bo's statement
    also carries stays, and so does Bo's statement."""
    certificate, checklist = (hashlib.sha256(c).hexdigest() for c in (CERTIFICATE, CHECKLIST))
    assert AttachmentContent.objects.filter(sha2=certificate).exists()
    _erase(world, admin_user)
    assert not AttachmentContent.objects.filter(sha2=certificate).exists()
    assert AttachmentContent.objects.filter(sha2=checklist).exists()
    kept = Statement.objects.filter(payload__attachments__0__sha2=checklist)
    assert [s.payload["actor"]["mbox"] for s in kept] == ["mailto:bo@example.fi"]


def test_her_badge_is_revoked_and_forgets_her(world: World, admin_user: Any) -> None:
    index = world.assertion.status_list_index
    _erase(world, admin_user)
    erased = ErasedAssertion.objects.get(uuid=world.assertion.uuid)
    assert erased.status_list_index == index
    response = Client().get(
        f"/badges/assertions/{world.assertion.uuid}", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 410
    assert response.json()["revoked"] is True


def test_her_credential_shows_revoked_in_the_status_list(world: World, admin_user: Any) -> None:
    """The Open Badges 3.0 credential she downloaded before still exists outside; a verifier
    reads its bit in the issuer's status list: 0 before the erasure, 1 after."""
    path = f"/badges/v3/credentials/{world.assertion.uuid}.json"
    credential = json.loads(login(world.aino).get(path).content)
    assert status_bit(credential) == 0
    _erase(world, admin_user)
    assert status_bit(credential) == 1


def test_a_failure_midway_leaves_everything_as_it_was(
    world: World, admin_user: Any, monkeypatch: Any
) -> None:
    """One transaction: a room failing late (here membership, after the LRS, badges and
    deliveries) undoes what the others had done, and no record says it happened."""
    statements, documents = Statement.objects.count(), Document.objects.count()

    def fail(**_: Any) -> None:
        raise RuntimeError("the membership room failed")

    monkeypatch.setattr("engagement.privacy.erasure.contact_erase", fail)
    with pytest.raises(RuntimeError):
        person_erase(person_id=world.aino.pk, requested_by=admin_user, now=NOW)
    assert (Statement.objects.count(), Document.objects.count()) == (statements, documents)
    assert Person.objects.filter(pk=world.aino.pk).exists()
    assert Assertion.objects.filter(recipient=world.aino).exists()
    assert not ErasedAssertion.objects.exists()
    assert not ErasureRecord.objects.exists()
    assert " ".join(traces(world.identifiers)).count("the mbox") > 0


def test_her_login_and_sessions_end(world: World, admin_user: Any) -> None:
    assert Session.objects.exists()
    sessions_before = Session.objects.count()
    _erase(world, admin_user)
    assert Session.objects.count() == sessions_before - 1
    assert not LogEntry.objects.filter(object_repr__contains="Virtanen").exists()


def test_the_membership_application_stays_without_her(world: World, admin_user: Any) -> None:
    _erase(world, admin_user)
    application = MembershipApplication.objects.get(name_en="Aino's company")
    assert application.contact_email == "erased@erased.invalid"


def test_the_record_counts_rows_and_names_nobody(world: World, admin_user: Any) -> None:
    # Hers: the seven posted here, two of the scenario, the badge's and the event's.
    statements = Statement.objects.count()
    record = _erase(world, admin_user)
    assert record.requested_by == admin_user
    assert record.counts["network.Person"] == 1
    assert record.counts["learning_records.Statement"] == statements - Statement.objects.count()
    assert record.counts["learning_records.Statement"] == len(world.aino_statements) + 4
    assert record.counts["learning_records.Statement (pseudonymised)"] == 2
    assert record.counts["badges.ErasedAssertion"] == 1
    text = json.dumps(record.counts) + str(record)
    assert "aino" not in text.lower()
    assert str(world.aino.pk) not in record.counts  # keys are table names only


def test_erasing_again_does_nothing(world: World, admin_user: Any) -> None:
    _erase(world, admin_user)
    assert person_erase(person_id=world.aino.pk, requested_by=admin_user, now=NOW) is None
    assert ErasureRecord.objects.count() == 1


def test_the_management_command(world: World, admin_user: Any, capsys: Any) -> None:
    call_command("person_erase", str(world.aino.pk), "--requested-by", admin_user.username)
    assert "erased: erasure" in capsys.readouterr().out
    assert not Person.objects.filter(pk=world.aino.pk).exists()
    with pytest.raises(CommandError, match="already erased"):
        call_command("person_erase", str(world.aino.pk), "--requested-by", admin_user.username)
    with pytest.raises(CommandError, match="no user named"):
        call_command("person_erase", str(world.bo.pk), "--requested-by", "nobody")


def test_the_admin_action_asks_then_erases(world: World, admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    url = "/admin/network/person/"
    form = {"action": "erase_people", "_selected_action": [world.aino.pk]}
    asked = client.post(url, form)
    assert asked.status_code == 200
    assert "cannot be undone" in asked.content.decode()
    assert Person.objects.filter(pk=world.aino.pk).exists()
    done = client.post(url, {**form, "confirmed": "yes"}, follow=True)
    assert "1 person erased" in done.content.decode()
    assert not Person.objects.filter(pk=world.aino.pk).exists()
    assert ErasureRecord.objects.get().requested_by == admin_user


def test_the_admin_action_needs_the_delete_permission(world: World) -> None:
    staff = UserFactory.create(is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="change_person"))
    client = Client()
    client.force_login(staff)
    form = {"action": "erase_people", "_selected_action": [world.aino.pk], "confirmed": "yes"}
    client.post("/admin/network/person/", form, follow=True)
    assert Person.objects.filter(pk=world.aino.pk).exists()


def test_an_extension_shaped_like_an_agent_does_not_stop_the_erasure(
    world: World, admin_user: Any
) -> None:
    """Extensions hold any JSON: a CRM reference {"account": "ACME-42"} in a statement kept
    for Bo is neither an Agent nor a reason to refuse her erasure."""
    crm = {"http://example.fi/crm": {"account": "ACME-42", "mbox_sha1sum": 5}}
    teacher_of = {"instructor": AINO, "extensions": crm}
    (kept,) = _post(world.lms, _xapi_statement(BO, MENTORED, _activity(COURSE), context=teacher_of))

    _erase(world, admin_user)

    payload = Statement.objects.get(statement_id=kept).payload
    assert payload["context"]["extensions"] == crm
    assert payload["context"]["instructor"]["account"]["homePage"].endswith("/erased")


def test_attachment_hashes_match_in_either_case(world: World, admin_user: Any) -> None:
    """xAPI lets a sender spell the SHA-2 in upper case; the data is kept under lower case.
    Her transcript (sent upper case) goes; a handout she sent lower case and Bo upper case
    stays for Bo."""
    transcript, handout = b"Aino Virtanen: transcript.\n", b"Handout for the whole cohort.\n"

    def shouted(statement: dict[str, Any]) -> dict[str, Any]:
        attachment = statement["attachments"][0]
        return {**statement, "attachments": [{**attachment, "sha2": attachment["sha2"].upper()}]}

    _post_with_attachments(
        world.lms,
        [
            (
                shouted(_attached(_xapi_statement(AINO, PASSED, _activity(COURSE)), transcript)),
                transcript,
            ),
            (_attached(_xapi_statement(AINO, COMPLETED, _activity(COURSE)), handout), handout),
            (
                shouted(_attached(_xapi_statement(BO, COMPLETED, _activity(COURSE)), handout)),
                handout,
            ),
        ],
    )
    stored = {hashlib.sha256(c).hexdigest() for c in (transcript, handout)}
    assert AttachmentContent.objects.filter(sha2__in=stored).count() == 2

    _erase(world, admin_user)

    left = set(AttachmentContent.objects.filter(sha2__in=stored).values_list("sha2", flat=True))
    assert left == {hashlib.sha256(handout).hexdigest()}
