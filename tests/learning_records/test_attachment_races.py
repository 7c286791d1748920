"""Attachment data written and deleted at the same moment, in separate connections
(PostgreSQL: SQLite runs one writer at a time, so there the two cannot overlap): retention
against a batch sending the same data, and batches sending the same files in other orders."""

import datetime as dt
import hashlib
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


def test_batches_sending_the_same_files_in_opposite_orders_do_not_deadlock(lrs, organisation):
    """Writing attachment rows holds them until the batch commits (a new row through the
    unique index, a known one by the update); rows are written in hash order, so two batches
    naming the same files in different orders wait for each other, never deadlock (without
    the order, 200 files sent 10 times each way deadlocked at once)."""
    client = LrsClient.objects.get(organisation=organisation)
    files = [f"Liite {number}\n".encode() for number in range(200)]
    data = [AttachmentData(hashlib.sha256(f).hexdigest(), "text/plain", f) for f in files]
    start, failures = threading.Barrier(2), []

    def send(order: list[AttachmentData]) -> None:
        try:
            for _ in range(10):
                declared = [
                    make_attachment(sha2=d.sha2, length=len(d.content), contentType="text/plain")
                    for d in order
                ]
                parsed = parse_statements(
                    [new_statement(attachments=declared)], version=XapiVersion.V1_0_3
                )
                start.wait(timeout=30)
                statements_store(
                    client=client,
                    statements=parsed,
                    version=XapiVersion.V1_0_3,
                    attachments={d.sha2: d for d in order},
                )
        except Exception as error:
            failures.append(error)
            start.abort()
        finally:
            connection.close()

    senders = [
        threading.Thread(target=send, args=(data,)),
        threading.Thread(target=send, args=(data[::-1],)),
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()

    assert failures == []
    assert Statement.objects.count() == 20
    assert AttachmentContent.objects.count() == 200
