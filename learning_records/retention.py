"""Retention of raw statements per organisation (issue 9; docs/retention.md says what stays).

An organisation's StatementRetention gives the days its store keeps statements. Those
stored before `now` minus that many days are deleted with their index rows, a bounded
batch per transaction, oldest first; then the attachment data none of the store's remaining
statements refers to. Deleting by that condition is what makes a run idempotent: a second
run with the same `now` finds nothing, and a run cut short leaves whole batches behind.

Readers of the log that must see every statement (the progress projector) hold expiry back:
each of settings.KIPINA_LRS_RETENTION_HOLDS names a function that says before when it has
read everything, and nothing stored at or after the earliest of those expires.
"""

import datetime as dt
import functools
import logging
import operator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet
from django.utils.module_loading import import_string

from learning_records.models import (
    AttachmentContent,
    Statement,
    StatementActivity,
    StatementAgent,
    StatementRetention,
)

# Statements deleted per transaction: row ids of one batch are all that is held in memory,
# and a batch (statement rows, ~6 index rows each) commits in well under a second.
EXPIRE_BATCH = 1000
# Payloads read per round trip when looking for the attachments still in use.
_SCAN_CHUNK = 2000
# Attachment rows named per DELETE (each by hash and last_sent_at).
_DELETE_CHUNK = 500
# A reader of the log this far behind the shortest retention is logged (held_back_warn).
HOLD_WARNING = dt.timedelta(days=1)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Expiry:
    statements: int  # statements deleted by this run
    attachments: int  # attachment data deleted by this run
    done: bool  # False: max_batches was reached with more left to delete


def organisations_with_retention() -> list[int]:
    """Organisations whose statements expire, by id."""
    return list(
        StatementRetention.objects.filter(statement_retention_days__isnull=False)
        .order_by("organisation_id")
        .values_list("organisation_id", flat=True)
    )


def retention_cutoff(*, organisation_id: int, now: dt.datetime) -> dt.datetime | None:
    """Statements stored before this expire at `now`; None when the store keeps them. The
    retention's moment, or earlier while a reader of the log has not got that far."""
    days = (
        StatementRetention.objects.filter(organisation_id=organisation_id)
        .values_list("statement_retention_days", flat=True)
        .first()
    )
    if days is None:
        return None
    due = now - dt.timedelta(days=days)
    return min(due, _read_before(default=due))


def held_back_warn(*, now: dt.datetime) -> None:
    """Log (once a night: the beat calls it) when readers of the log keep statements past the
    shortest retention by more than HOLD_WARNING: a projector stopped for good would
    otherwise keep every statement for ever without a word."""
    shortest = StatementRetention.objects.aggregate(Min("statement_retention_days"))
    days = shortest["statement_retention_days__min"]
    if days is None:
        return
    due = now - dt.timedelta(days=days)
    held = _read_before(default=due)
    if held < due - HOLD_WARNING:
        logger.warning(
            "statements past their retention are kept: a reader of the log "
            "(KIPINA_LRS_RETENTION_HOLDS) has read %s",
            "none yet"
            if held == dt.datetime.min.replace(tzinfo=dt.UTC)
            else f"only those stored before {held.isoformat()}",
        )


def _read_before(*, default: dt.datetime) -> dt.datetime:
    """The earliest moment before which every reader has read all; `default` if none holds."""
    paths: list[str] = settings.KIPINA_LRS_RETENTION_HOLDS
    return min((import_string(path)() for path in paths), default=default)


def statements_expire(
    *,
    organisation_id: int,
    now: dt.datetime,
    batch_size: int | None = None,
    max_batches: int | None = None,
) -> Expiry:
    """Delete the organisation's statements that are past its retention at `now`, in
    batches of `batch_size` (EXPIRE_BATCH), at most `max_batches` of them."""
    batch_size = batch_size or EXPIRE_BATCH
    cutoff = retention_cutoff(organisation_id=organisation_id, now=now)
    if cutoff is None:
        return Expiry(0, 0, done=True)
    deleted = batches = 0
    while max_batches is None or batches < max_batches:
        count = _batch_delete(organisation_id, cutoff, batch_size)
        deleted, batches = deleted + count, batches + 1
        if count < batch_size:
            return Expiry(deleted, _attachments_expire(organisation_id, cutoff), done=True)
    return Expiry(deleted, 0, done=False)


@transaction.atomic
def _batch_delete(organisation_id: int, cutoff: dt.datetime, batch_size: int) -> int:
    # The (organisation, stored, id) index yields the oldest first and stops at the batch.
    row_ids = list(
        Statement.objects.filter(organisation_id=organisation_id, stored__lt=cutoff)
        .order_by("stored", "id")
        .values_list("id", flat=True)[:batch_size]
    )
    if not row_ids:
        return 0
    StatementAgent.objects.filter(statement_id__in=row_ids).delete()
    StatementActivity.objects.filter(statement_id__in=row_ids).delete()
    # A plain DELETE, not the ORM's: its cascade would take the progress facts made from
    # these statements (Evidence, Qualification), and progress already made stays.
    placeholders = ", ".join(["%s"] * len(row_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Statement._meta.db_table} WHERE id IN ({placeholders})",  # noqa: S608
            row_ids,
        )
    return len(row_ids)


def _attachments_expire(organisation_id: int, cutoff: dt.datetime) -> int:
    """Delete the attachment data last sent before the cutoff that no remaining statement
    of the store refers to."""
    old = AttachmentContent.objects.filter(organisation_id=organisation_id, last_sent_at__lt=cutoff)
    return unused_attachments_delete(organisation_id=organisation_id, candidates=old)


def unused_attachments_delete(
    *, organisation_id: int, candidates: QuerySet[AttachmentContent]
) -> int:
    """Delete those of the candidates (the store's attachment data) that no statement of the
    store names. Data is shared by hash and only payloads say who uses it, so the store's
    statements that carry attachments are read, only when there are candidates.

    A statement stored during the scan may come with the same data: ingest then sets the
    data's last_sent_at (holding the row locked until it commits), so a row is deleted only
    while its last_sent_at is still the one read before the scan; PostgreSQL's DELETE waits
    for such a batch and checks the row again."""
    seen = dict(candidates.values_list("sha2", "last_sent_at"))
    if not seen:
        return 0
    unused = sorted(set(seen) - attachments_in_use(organisation_id=organisation_id))
    deleted = 0
    for start in range(0, len(unused), _DELETE_CHUNK):
        unchanged = [
            Q(sha2=sha2, last_sent_at=seen[sha2]) for sha2 in unused[start : start + _DELETE_CHUNK]
        ]
        deleted += AttachmentContent.objects.filter(
            functools.reduce(operator.or_, unchanged), organisation_id=organisation_id
        ).delete()[0]
    return deleted


def attachments_in_use(*, organisation_id: int) -> set[str]:
    """The SHA-2 hashes (lower case, as the data is stored) that the store's statements name,
    their own attachments and those of a SubStatement object. Read a chunk at a time."""
    carrying = Statement.objects.filter(organisation_id=organisation_id).filter(
        Q(payload__has_key="attachments") | Q(payload__object__has_key="attachments")
    )
    in_use: set[str] = set()
    for own, nested in carrying.values_list(
        "payload__attachments", "payload__object__attachments"
    ).iterator(chunk_size=_SCAN_CHUNK):
        in_use.update(attachment_hashes([*(own or ()), *(nested or ())]))
    return in_use


def attachment_hashes(attachments: list[object]) -> set[str]:
    # xAPI lets a sender spell the hash in either case; the data is stored under lower case.
    return {
        str(attachment["sha2"]).lower()
        for attachment in attachments
        if isinstance(attachment, dict) and "sha2" in attachment
    }
