"""Statement retention per organisation (learning_records/retention.py, docs/retention.md)."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import IntegrityError

from engagement.network.models import Organisation
from learning_records import retention
from learning_records.attachments import AttachmentData
from learning_records.models import (
    AttachmentContent,
    LrsClient,
    Statement,
    StatementActivity,
    StatementAgent,
    StatementRetention,
)
from learning_records.retention import organisations_with_retention, statements_expire
from learning_records.services import statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion
from tests.conftest import XapiClient
from tests.xapi_samples import make_attachment, new_statement

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 1, 30, tzinfo=dt.UTC)
STATEMENTS = "/xapi/statements"


@pytest.fixture(autouse=True)
def _no_reader_holds_expiry_back(settings) -> None:
    """The LRS alone: no reader of the log waits for statements here (the progress
    projector's hold is tested in test_retention_tasks.py, with the projector)."""
    settings.KIPINA_LRS_RETENTION_HOLDS = []


def keep_for(organisation: Organisation, days: int | None) -> None:
    StatementRetention.objects.update_or_create(
        organisation=organisation, defaults={"statement_retention_days": days}
    )


def post_at(lrs: XapiClient, when: dt.datetime, *statements: dict) -> list[str]:
    with time_machine.travel(when, tick=False):
        response = lrs.post(STATEMENTS, list(statements))
    assert response.status_code == 200, response.content
    return response.json()


def stored_ids(organisation: Organisation) -> set[str]:
    rows = Statement.objects.filter(organisation=organisation)
    return {str(statement_id) for statement_id in rows.values_list("statement_id", flat=True)}


def test_it_deletes_statements_stored_before_the_retention_with_their_index_rows(lrs, organisation):
    keep_for(organisation, 30)
    post_at(lrs, NOW - dt.timedelta(days=45), new_statement())
    [recent] = post_at(lrs, NOW - dt.timedelta(days=10), new_statement())

    expiry = statements_expire(organisation_id=organisation.id, now=NOW)

    assert (expiry.statements, expiry.done) == (1, True)
    assert stored_ids(organisation) == {recent}
    kept = Statement.objects.get(statement_id=recent).id
    assert set(StatementAgent.objects.values_list("statement_id", flat=True)) == {kept}
    assert set(StatementActivity.objects.values_list("statement_id", flat=True)) == {kept}


def test_another_organisations_old_statements_stay(lrs, other_lrs, organisation):
    keep_for(organisation, 30)
    long_ago = NOW - dt.timedelta(days=400)
    post_at(lrs, long_ago, new_statement())
    [theirs] = post_at(other_lrs, long_ago, new_statement())

    statements_expire(organisation_id=organisation.id, now=NOW)

    assert stored_ids(organisation) == set()
    assert {str(s) for s in Statement.objects.values_list("statement_id", flat=True)} == {theirs}


def test_a_statement_stored_exactly_the_retention_ago_stays_until_a_moment_later(lrs, organisation):
    """The retention is "stored before now minus the days": the boundary itself stays."""
    keep_for(organisation, 30)
    boundary = NOW - dt.timedelta(days=30)
    [at_boundary] = post_at(lrs, boundary, new_statement())
    [just_before] = post_at(lrs, boundary - dt.timedelta(microseconds=1), new_statement())

    statements_expire(organisation_id=organisation.id, now=NOW)
    assert stored_ids(organisation) == {at_boundary}

    statements_expire(organisation_id=organisation.id, now=NOW + dt.timedelta(seconds=1))
    assert just_before not in stored_ids(organisation)
    assert at_boundary not in stored_ids(organisation)


def test_it_deletes_in_batches_oldest_first_and_resumes_where_it_stopped(lrs, organisation):
    keep_for(organisation, 1)
    ids = [post_at(lrs, NOW - dt.timedelta(days=10 - n), new_statement())[0] for n in range(5)]

    first = statements_expire(organisation_id=organisation.id, now=NOW, batch_size=2, max_batches=1)

    assert (first.statements, first.done) == (2, False)
    assert stored_ids(organisation) == set(ids[2:])
    rest = statements_expire(organisation_id=organisation.id, now=NOW, batch_size=2)
    assert (rest.statements, rest.done) == (3, True)
    assert stored_ids(organisation) == set()


def test_without_a_retention_every_statement_is_kept(lrs, organisation):
    [kept] = post_at(lrs, NOW - dt.timedelta(days=3650), new_statement())
    assert statements_expire(organisation_id=organisation.id, now=NOW).statements == 0
    keep_for(organisation, None)
    assert statements_expire(organisation_id=organisation.id, now=NOW).statements == 0
    assert stored_ids(organisation) == {kept}
    assert organisations_with_retention() == []


def test_a_second_run_with_the_same_now_deletes_nothing_more(lrs, organisation):
    keep_for(organisation, 30)
    post_at(lrs, NOW - dt.timedelta(days=31), new_statement(), new_statement())

    first = statements_expire(organisation_id=organisation.id, now=NOW)
    again = statements_expire(organisation_id=organisation.id, now=NOW)

    assert (first.statements, again.statements) == (2, 0)


def test_the_lrs_no_longer_returns_expired_statements(lrs, organisation):
    keep_for(organisation, 30)
    [old] = post_at(lrs, NOW - dt.timedelta(days=31), new_statement())
    [recent] = post_at(lrs, NOW - dt.timedelta(days=1), new_statement())

    statements_expire(organisation_id=organisation.id, now=NOW)

    assert lrs.get(STATEMENTS, {"statementId": old}).status_code == 404
    assert lrs.get(STATEMENTS, {"statementId": recent}).status_code == 200
    listed = lrs.get(STATEMENTS, {"limit": "10"}).json()["statements"]
    assert [statement["id"] for statement in listed] == [recent]


def test_a_voiding_statement_outlives_its_expired_target(lrs, organisation):
    """xAPI 1.0.3 Data §2.3.2: the LRS may hold a voiding statement whose target it has not
    got; the target stays gone for voidedStatementId too."""
    keep_for(organisation, 30)
    [target] = post_at(lrs, NOW - dt.timedelta(days=40), new_statement())
    voiding = new_statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": target},
    )
    [voider] = post_at(lrs, NOW - dt.timedelta(days=5), voiding)

    statements_expire(organisation_id=organisation.id, now=NOW)

    assert stored_ids(organisation) == {voider}
    assert lrs.get(STATEMENTS, {"voidedStatementId": target}).status_code == 404
    assert lrs.get(STATEMENTS, {"statementId": voider}).json()["object"]["id"] == target


def test_a_statement_sent_again_after_it_expired_is_stored_anew(lrs, organisation):
    keep_for(organisation, 30)
    statement = new_statement()
    post_at(lrs, NOW - dt.timedelta(days=31), statement)
    statements_expire(organisation_id=organisation.id, now=NOW)

    post_at(lrs, NOW, statement)

    assert stored_ids(organisation) == {statement["id"]}


ESSAY = b"Kennojen valmistus: essee.\n"
ESSAY_SHA = hashlib.sha256(ESSAY).hexdigest()


def store_with_attachment(client: LrsClient, when: dt.datetime) -> None:
    attachment = make_attachment(sha2=ESSAY_SHA, length=len(ESSAY), contentType="text/plain")
    parsed = parse_statements([new_statement(attachments=[attachment])], version=XapiVersion.V1_0_3)
    data = {ESSAY_SHA: AttachmentData(ESSAY_SHA, "text/plain", ESSAY)}
    with time_machine.travel(when, tick=False):
        statements_store(
            client=client, statements=parsed, version=XapiVersion.V1_0_3, attachments=data
        )


@pytest.fixture
def client(lrs, organisation) -> LrsClient:
    return LrsClient.objects.get(organisation=organisation)


def test_attachment_data_goes_with_the_last_statement_that_used_it(client, organisation):
    keep_for(organisation, 30)
    store_with_attachment(client, NOW - dt.timedelta(days=60))
    store_with_attachment(client, NOW - dt.timedelta(days=10))  # the same file again

    first = statements_expire(organisation_id=organisation.id, now=NOW)
    assert (first.statements, first.attachments) == (1, 0)
    assert AttachmentContent.objects.filter(sha2=ESSAY_SHA).exists()

    later = statements_expire(organisation_id=organisation.id, now=NOW + dt.timedelta(days=21))
    assert (later.statements, later.attachments) == (1, 1)
    assert not AttachmentContent.objects.exists()


def test_another_organisations_copy_of_an_attachment_stays(client, organisation, other_lrs):
    keep_for(organisation, 30)
    store_with_attachment(client, NOW - dt.timedelta(days=60))
    theirs = LrsClient.objects.get(key="valmet-lms")
    store_with_attachment(theirs, NOW - dt.timedelta(days=60))

    statements_expire(organisation_id=organisation.id, now=NOW)

    assert list(AttachmentContent.objects.values_list("organisation_id", flat=True)) == [
        theirs.organisation_id
    ]


def test_data_sent_again_while_the_cleanup_looks_for_users_stays(client, organisation, monkeypatch):
    """A statement stored during the scan for attachments in use, whose batch commits after
    the scan's snapshot, comes with the same old data: the scan does not see it, but the
    data's new last_sent_at keeps it from the delete."""
    keep_for(organisation, 30)
    store_with_attachment(client, NOW - dt.timedelta(days=60))
    scan = retention.attachments_in_use

    def scan_then_a_statement_arrives(*, organisation_id: int) -> set[str]:
        in_use = scan(organisation_id=organisation_id)
        store_with_attachment(client, NOW)
        return in_use

    monkeypatch.setattr(retention, "attachments_in_use", scan_then_a_statement_arrives)

    expiry = statements_expire(organisation_id=organisation.id, now=NOW)

    assert (expiry.statements, expiry.attachments) == (1, 0)
    assert Statement.objects.count() == 1
    assert AttachmentContent.objects.get(sha2=ESSAY_SHA).content == ESSAY


def test_sending_known_data_again_marks_it_sent_again(client, organisation):
    store_with_attachment(client, NOW - dt.timedelta(days=60))
    store_with_attachment(client, NOW)

    data = AttachmentContent.objects.get(sha2=ESSAY_SHA)
    assert (data.created_at, data.last_sent_at) == (NOW - dt.timedelta(days=60), NOW)


def test_a_reader_of_the_log_holds_expiry_back_until_it_has_read(lrs, organisation, settings):
    keep_for(organisation, 30)
    [oldest] = post_at(lrs, NOW - dt.timedelta(days=50), new_statement())
    [unread] = post_at(lrs, NOW - dt.timedelta(days=40), new_statement())
    settings.KIPINA_LRS_RETENTION_HOLDS = [f"{__name__}.read_before_45_days_ago"]

    expiry = statements_expire(organisation_id=organisation.id, now=NOW)

    assert expiry.statements == 1
    assert stored_ids(organisation) == {unread}
    assert oldest not in stored_ids(organisation)


def test_a_reader_far_behind_is_logged_once(
    lrs, organisation, other_organisation, settings, caplog
):
    keep_for(organisation, 30)
    keep_for(other_organisation, 60)
    settings.KIPINA_LRS_RETENTION_HOLDS = [f"{__name__}.read_before_45_days_ago"]

    retention.held_back_warn(now=NOW)

    [warning] = [r for r in caplog.records if r.name == "learning_records.retention"]
    assert warning.levelname == "WARNING"
    assert "stored before 2026-10-14T01:30:00+00:00" in warning.getMessage()


def test_a_reader_that_never_read_is_logged_as_such(organisation, settings, caplog):
    keep_for(organisation, 30)
    settings.KIPINA_LRS_RETENTION_HOLDS = [f"{__name__}.read_nothing_yet"]

    retention.held_back_warn(now=NOW)

    [warning] = [r for r in caplog.records if r.name == "learning_records.retention"]
    assert "has read none yet" in warning.getMessage()


@pytest.mark.parametrize("hold", ["read_before_now", "read_before_45_days_ago"])
def test_a_reader_within_a_day_of_the_retention_is_not_logged(organisation, settings, caplog, hold):
    keep_for(organisation, 44)  # 45 days ago is within a day of it
    settings.KIPINA_LRS_RETENTION_HOLDS = [f"{__name__}.{hold}"]

    retention.held_back_warn(now=NOW)

    assert not [r for r in caplog.records if r.name == "learning_records.retention"]


def read_nothing_yet() -> dt.datetime:
    return dt.datetime.min.replace(tzinfo=dt.UTC)


def read_before_now() -> dt.datetime:
    return NOW


def read_before_45_days_ago() -> dt.datetime:
    return NOW - dt.timedelta(days=45)


def test_a_retention_of_zero_days_is_refused(organisation):
    """Zero days would delete statements before the progress projector has read them."""
    with pytest.raises(IntegrityError):
        StatementRetention.objects.create(organisation=organisation, statement_retention_days=0)
