import datetime as dt

from celery import shared_task
from django.utils import timezone

from learning_records.retention import (
    held_back_warn,
    organisations_with_retention,
    statements_expire,
)

# Batches one task run may delete before it hands over to a fresh task with the same `now`:
# keeps each run well inside the task time limit and lets other queued work through.
BATCHES_PER_RUN = 50


@shared_task(name="lrs.expire_statements")
def lrs_expire_statements() -> int:
    """Beat: one task per organisation with a statement retention, all with the same `now`.

    Idempotent: each task deletes what is past the retention at `now`; what an earlier or
    overlapping run deleted is not found again.
    """
    moment = timezone.now()
    held_back_warn(now=moment)
    now = moment.isoformat()
    organisations = organisations_with_retention()
    for organisation_id in organisations:
        lrs_expire_statements_of.delay(organisation_id, now)
    return len(organisations)


@shared_task(name="lrs.expire_statements_of", acks_late=True)
def lrs_expire_statements_of(organisation_id: int, now: str) -> int:
    """Delete one organisation's expired statements. Idempotent: deletes by condition
    (stored before the cutoff), a batch per transaction, so a retried or repeated run
    deletes only what is still there."""
    expiry = statements_expire(
        organisation_id=organisation_id,
        now=dt.datetime.fromisoformat(now),
        max_batches=BATCHES_PER_RUN,
    )
    if not expiry.done:
        lrs_expire_statements_of.delay(organisation_id, now)
    return expiry.statements
