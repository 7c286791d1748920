"""Retention against a batch committing at the same moment, in separate connections
(PostgreSQL: SQLite runs one writer at a time, so there the two cannot overlap)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from learning_records.attachments import AttachmentData
from learning_records.models import AttachmentContent, LrsClient, Statement
from learning_records.retention import Expiry, statements_expire
from learning_records.services import statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion
from tests.learning_records.test_retention import ESSAY, ESSAY_SHA, keep_for, store_with_attachment
from tests.xapi_samples import make_attachment, new_statement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql(settings) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    settings.KIPINA_LRS_RETENTION_HOLDS = []


def _waiting_on_a_lock(within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def test_old_data_a_batch_is_sending_again_is_not_deleted_under_it(lrs, organisation):
    """The batch has marked the data sent again but not committed; the retention run does
    not see its statement, finds the data unused, and its DELETE waits for the batch, then
    sees the new last_sent_at and leaves the data."""
    client = LrsClient.objects.get(organisation=organisation)
    keep_for(organisation, 30)
    now = timezone.now()
    store_with_attachment(client, now - dt.timedelta(days=60))
    marked, commit = threading.Event(), threading.Event()
    expired: list[Expiry] = []

    def batch() -> None:
        attachment = make_attachment(sha2=ESSAY_SHA, length=len(ESSAY), contentType="text/plain")
        parsed = parse_statements(
            [new_statement(attachments=[attachment])], version=XapiVersion.V1_0_3
        )
        try:
            with transaction.atomic():
                statements_store(
                    client=client,
                    statements=parsed,
                    version=XapiVersion.V1_0_3,
                    attachments={ESSAY_SHA: AttachmentData(ESSAY_SHA, "text/plain", ESSAY)},
                )
                marked.set()
                commit.wait(timeout=30)
        finally:
            connection.close()

    def expire() -> None:
        try:
            expired.append(statements_expire(organisation_id=organisation.id, now=now))
        finally:
            connection.close()

    sender = threading.Thread(target=batch)
    sender.start()
    assert marked.wait(timeout=30)
    cleaner = threading.Thread(target=expire)
    cleaner.start()
    waited = _waiting_on_a_lock(within=10)
    commit.set()
    sender.join()
    cleaner.join()

    assert waited, "the retention run's DELETE should have waited for the sending batch"
    assert [(e.statements, e.attachments) for e in expired] == [(1, 0)]
    assert Statement.objects.count() == 1
    assert AttachmentContent.objects.get(sha2=ESSAY_SHA).content == ESSAY
