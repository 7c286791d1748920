"""Writes of the LRS: clients, statements and canonical activities (documents are in
documents.py). The only writer of these tables."""

import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.celery import kick
from engagement.network.models import Organisation
from learning_records.attachments import AttachmentData
from learning_records.bulk import IndexRow, StatementRow, activities_insert, statements_insert
from learning_records.models import (
    Activity,
    AttachmentContent,
    LrsClient,
    Scope,
    Statement,
    identity_hash,
    lookup_hash,
)
from learning_records.xapi.compare import statements_equivalent
from learning_records.xapi.definitions import activity_definitions, merge_definition
from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.index import StatementKeys, statement_keys
from learning_records.xapi.timestamps import format_timestamp, parse_timestamp
from learning_records.xapi.versions import XapiVersion

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
# SQLite allows 32,766 bound parameters in one statement; chunks of ids stay far below.
_ID_CHUNK = 900
_INSERT_BATCH = 500
_Id = TypeVar("_Id")
_Row = TypeVar("_Row")


class StoreTooSlow(Exception):
    """A batch that could not be written within the store deadline (503, retry)."""


class StatementConflict(Exception):
    """A statement id already stored with different content (xAPI: 409 Conflict)."""


# --- Clients ------------------------------------------------------------------------------


@transaction.atomic
def lrs_client_create(
    *,
    organisation: Organisation,
    name: str,
    key: str | None = None,
    secret: str | None = None,
    scopes: Sequence[str] = (Scope.ALL,),
) -> tuple[LrsClient, str]:
    """A new client and its secret in plain text (shown once, then only its hash is kept)."""
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    key = key or secrets.token_urlsafe(16)
    if LrsClient.objects.filter(key=key).exists():
        raise ValueError(f"an LRS client with key {key!r} already exists")
    secret = secret or secrets.token_urlsafe(32)
    client = LrsClient.objects.create(
        organisation=organisation,
        name=name,
        key=key,
        secret_hash=make_password(secret),
        scopes=list(scopes),
    )
    return client, secret


def lrs_client_set_secret(*, client: LrsClient, secret: str) -> None:
    client.secret_hash = make_password(secret)
    client.save(update_fields=["secret_hash"])


def authority_for(client: LrsClient) -> dict[str, Any]:
    """The authority Agent of statements stored with this client's credentials (xAPI §2.4.9)."""
    return {
        "objectType": "Agent",
        "name": client.name,
        "account": {"homePage": settings.KIPINA_PUBLIC_URL, "name": client.key},
    }


# --- Statements ---------------------------------------------------------------------------------


def statements_store(
    *,
    client: LrsClient,
    statements: Sequence[dict[str, Any]],
    version: XapiVersion,
    attachments: Mapping[str, AttachmentData] | None = None,
) -> list[str]:
    """Store a validated batch whole or not at all; return its ids in order.

    A statement whose id is already stored with equivalent content is accepted without a
    second copy (a retried batch); different content under a stored id is a conflict.
    """
    prepared = _with_ids(statements)
    # Most batches are new: the first pass writes without looking for stored ids, and the
    # unique constraint says when one was there. Then a pass that looks, and compares; and
    # one more in case a concurrent request stored one of the ids in between.
    for attempt in (1, 2, 3):
        try:
            with transaction.atomic():
                stored_at = timezone.now()
                _store(client, prepared, version, stored_at, look_up=attempt > 1)
                _attachments_store(client.organisation_id, attachments or {}, stored_at)
                _check_deadline(stored_at)
                transaction.on_commit(_statements_stored)
            break
        except IntegrityError:
            if attempt == 3:
                raise
    return [statement_id for statement_id, _ in prepared]


def _check_deadline(stored_at: datetime) -> None:
    """Roll back a batch that took too long to write.

    Its statements carry `stored_at`, taken when the write began. Readers of the log
    (the progress projector) stop KIPINA_PROGRESS_SETTLE_SECONDS short of now, trusting that
    nothing commits later than that with an earlier stored time; this enforces it. The client
    gets 503 and retries, which is safe: a statement's id makes a retry idempotent.
    """
    elapsed = (timezone.now() - stored_at).total_seconds()
    if elapsed > settings.KIPINA_XAPI_STORE_DEADLINE_SECONDS:
        raise StoreTooSlow(f"writing the batch took {elapsed:.1f} s; try again")


def _statements_stored() -> None:
    # Readers see a batch once it has settled (KIPINA_PROGRESS_SETTLE_SECONDS): kick then.
    countdown = settings.KIPINA_PROGRESS_SETTLE_SECONDS + 1
    for task_name in settings.KIPINA_STATEMENTS_STORED_TASKS:
        kick(task_name, countdown=countdown)


def _with_ids(statements: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    prepared: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    errors: list[str] = []
    for index, statement in enumerate(statements):
        statement_id = str(statement.get("id") or uuid.uuid4()).lower()
        if statement_id in seen:
            first = seen[statement_id]
            errors.append(f"statement[{index}].id: {statement_id} is also statement[{first}]'s id")
        seen[statement_id] = index
        prepared.append((statement_id, statement))
    if errors:
        raise XapiValidationError(errors)
    return prepared


def _store(
    client: LrsClient,
    prepared: list[tuple[str, dict[str, Any]]],
    version: XapiVersion,
    now: datetime,
    *,
    look_up: bool,
) -> None:
    organisation_id = client.organisation_id
    existing = _stored_payloads(organisation_id, [sid for sid, _ in prepared]) if look_up else {}
    new: list[tuple[str, dict[str, Any]]] = []
    for statement_id, statement in prepared:
        stored = existing.get(statement_id)
        if stored is None:
            new.append((statement_id, statement))
        elif not _resent(stored, statement_id, statement):
            raise StatementConflict(
                f"statement {statement_id} is already stored with different content"
            )
    if not new:
        return
    _check_voiding(organisation_id, new)

    authority = authority_for(client)
    rows: list[StatementRow] = []
    agents: list[IndexRow] = []
    activities: list[IndexRow] = []
    for position, (statement_id, statement) in enumerate(new):
        payload = _lrs_properties(statement_id, statement, now, authority, version)
        keys = statement_keys(payload)
        rows.append(_statement_row(client, statement_id, payload, keys, now))
        agents += _index_rows(position, keys.agents, keys.related_agents)
        activities += _index_rows(position, keys.activities, keys.related_activities)
    statements_insert(rows, agents, activities)
    _apply_voiding(organisation_id, rows)
    # xAPI 1.0.3 Communication §4.2 (define): without it, ids are stored but definitions
    # do not change the LRS's own representation of the activities.
    if client.has_any_scope(Scope.DEFINE, Scope.ALL):
        _activities_define(organisation_id, [row.payload for row in rows], now)


def _statement_row(
    client: LrsClient,
    statement_id: str,
    payload: dict[str, Any],
    keys: StatementKeys,
    now: datetime,
) -> StatementRow:
    return StatementRow(
        organisation_id=client.organisation_id,
        client_id=client.id,
        statement_id=statement_id,
        payload=payload,
        verb_iri=keys.verb_iri,
        verb_hash=lookup_hash(keys.verb_iri),
        actor_key=keys.actor_key or "",
        actor_hash=lookup_hash(keys.actor_key) if keys.actor_key else None,
        object_activity_iri=keys.object_activity_iri or "",
        object_statement_id=keys.object_statement_id,
        registration=keys.registration,
        timestamp=parse_timestamp(payload["timestamp"]),
        stored=now,
    )


def _index_rows(position: int, direct: frozenset[str], related: frozenset[str]) -> list[IndexRow]:
    """One row per key; `related_only` for keys only the related_* parameters match."""
    return [
        IndexRow(position, key, lookup_hash(key), key not in direct) for key in direct | related
    ]


def _attachments_store(
    organisation_id: int, attachments: Mapping[str, AttachmentData], now: datetime
) -> None:
    """Keep each attachment's data once per store; a repeat of known data only marks it sent
    again, which also holds off a retention or erasure run deciding meanwhile that no
    statement uses it (the update locks the row until this batch commits)."""
    if not attachments:
        return
    AttachmentContent.objects.bulk_create(
        [
            AttachmentContent(
                organisation_id=organisation_id,
                sha2=data.sha2,
                content_type=data.content_type,
                length=len(data.content),
                content=data.content,
                last_sent_at=now,
            )
            # In hash order: two batches sending the same files in different orders would
            # otherwise lock the rows in different orders and deadlock.
            for data in sorted(attachments.values(), key=lambda data: data.sha2)
        ],
        update_conflicts=True,
        unique_fields=["organisation", "sha2"],
        update_fields=["last_sent_at"],
    )


def _resent(stored: Mapping[str, Any], statement_id: str, statement: Mapping[str, Any]) -> bool:
    """Is `statement` the stored one sent again? A resend is usually byte-identical, so
    plain equality (ignoring what the LRS set) settles most cases at C speed; only the rest
    go through the spec's full comparison rules."""
    sent = {"id": statement_id, **statement}
    kept = {
        key: value
        for key, value in stored.items()
        if key not in ("stored", "authority")
        and (key in sent or key not in ("timestamp", "version"))
    }
    sent.pop("authority", None)
    sent.pop("stored", None)
    return kept == sent or statements_equivalent(stored, sent)


def _stored_payloads(organisation_id: int, ids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        for statement_id, payload in Statement.objects.filter(
            organisation_id=organisation_id, statement_id__in=chunk
        ).values_list("statement_id", "payload"):
            found[str(statement_id)] = payload
    return found


def _lrs_properties(
    statement_id: str,
    statement: dict[str, Any],
    now: Any,
    authority: dict[str, Any],
    version: XapiVersion,
) -> dict[str, Any]:
    """The statement with what the LRS sets: id, stored, authority, timestamp, version."""
    stored = format_timestamp(now)
    payload = {"id": statement_id, **statement}
    payload["id"] = statement_id
    payload["stored"] = stored
    payload["authority"] = authority
    payload.setdefault("timestamp", stored)
    # xAPI 1.0.3 Data §2.4.10: a statement without a version is stored as 1.0.0.
    payload.setdefault("version", "1.0.0" if version == XapiVersion.V1_0_3 else "2.0.0")
    return payload


def _check_voiding(organisation_id: int, new: list[tuple[str, dict[str, Any]]]) -> None:
    """xAPI 1.0.3 Data §2.3.2: a voiding statement's object is a StatementRef, and a
    voiding statement cannot itself be voided."""
    errors: list[str] = []
    targets: dict[str, int] = {}
    voiding_in_batch: set[str] = set()
    for index, (statement_id, statement) in enumerate(new):
        if statement["verb"]["id"] != VOIDED_VERB:
            continue
        voiding_in_batch.add(statement_id)
        target = statement["object"]
        if target.get("objectType") != "StatementRef":
            errors.append(
                f"statement[{index}].object: a voiding statement's object must be a StatementRef"
            )
            continue
        targets[str(target["id"]).lower()] = index
    voiding_targets = set(targets) & voiding_in_batch
    for start in range(0, len(targets), _ID_CHUNK):
        chunk = list(targets)[start : start + _ID_CHUNK]
        voiding_targets.update(
            str(statement_id)
            for statement_id in Statement.objects.filter(
                organisation_id=organisation_id,
                statement_id__in=chunk,
                verb_hash=lookup_hash(VOIDED_VERB),
                verb_iri=VOIDED_VERB,
            ).values_list("statement_id", flat=True)
        )
    errors.extend(
        f"statement[{targets[target]}].object: statement {target} is a voiding statement "
        "and cannot be voided"
        for target in sorted(voiding_targets)
    )
    if errors:
        raise XapiValidationError(errors)


def _apply_voiding(organisation_id: int, rows: list[StatementRow]) -> None:
    """Mark the targets of new voiding statements, and new statements that an earlier
    voiding statement already targets (xAPI 1.0.3 Data §2.3.2: the LRS does not refuse a
    voiding statement whose target it has not received yet)."""
    voided_hash = lookup_hash(VOIDED_VERB)
    targets = [
        str(row.object_statement_id)
        for row in rows
        if row.verb_iri == VOIDED_VERB and row.object_statement_id
    ]
    plain = [str(row.statement_id) for row in rows if row.verb_iri != VOIDED_VERB]
    for start in range(0, len(plain), _ID_CHUNK):
        chunk = plain[start : start + _ID_CHUNK]
        targets.extend(
            str(target)
            for target in Statement.objects.filter(
                organisation_id=organisation_id,
                verb_hash=voided_hash,
                object_statement_id__in=chunk,
            ).values_list("object_statement_id", flat=True)
        )
    for start in range(0, len(targets), _ID_CHUNK):
        Statement.objects.filter(
            organisation_id=organisation_id, statement_id__in=targets[start : start + _ID_CHUNK]
        ).exclude(verb_hash=voided_hash).update(voided=True)


def _in_chunks(
    ids: Sequence[_Id], query: Callable[[Sequence[_Id]], Iterable[_Row]]
) -> Iterator[_Row]:
    """`query`'s rows for every chunk of `ids` (bound parameters stay within SQLite's limit)."""
    for start in range(0, len(ids), _ID_CHUNK):
        yield from query(ids[start : start + _ID_CHUNK])


def _activities_define(
    organisation_id: int, payloads: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    """Merge the activity definitions of new statements into the canonical ones.

    Most batches only repeat definitions the LRS already has: one plain read finds that
    out. Only the activities whose canonical definition changes are read again, locking
    their rows (so concurrent batches merge one after the other), then updated or inserted.
    """
    definitions: dict[str, dict[str, Any]] = {}
    for payload in payloads:
        for activity_iri, definition in activity_definitions(payload):
            definitions[activity_iri] = merge_definition(
                definitions.get(activity_iri, {}), definition
            )
    if not definitions:
        return
    identities = {identity_hash(activity_iri): activity_iri for activity_iri in definitions}
    stored = dict(
        _in_chunks(
            sorted(identities),
            lambda chunk: Activity.objects.filter(
                organisation_id=organisation_id, identity__in=chunk
            ).values_list("identity", "definition"),
        )
    )
    identities = {
        identity: activity_iri
        for identity, activity_iri in identities.items()
        if identity not in stored
        or merge_definition(stored[identity], definitions[activity_iri]) != stored[identity]
    }
    definitions = {activity_iri: definitions[activity_iri] for activity_iri in identities.values()}
    if not definitions:
        return
    changed: list[Activity] = []
    for start in range(0, len(identities), _ID_CHUNK):
        chunk = sorted(identities)[start : start + _ID_CHUNK]
        # Ordered, so two batches lock shared rows in the same order and cannot deadlock.
        for activity in (
            Activity.objects.select_for_update()
            .filter(organisation_id=organisation_id, identity__in=chunk)
            .order_by("identity")
        ):
            merged = merge_definition(
                activity.definition, definitions.pop(identities[activity.identity])
            )
            if merged != activity.definition:
                activity.definition, activity.updated = merged, now
                changed.append(activity)
    Activity.objects.bulk_update(changed, ["definition", "updated"], batch_size=_INSERT_BATCH)
    # A concurrent batch inserting the same activity makes this an IntegrityError, and
    # statements_store runs the batch again: it then finds the row and merges into it.
    iris = {activity_iri: identity for identity, activity_iri in identities.items()}
    activities_insert(organisation_id, definitions, iris, now)
