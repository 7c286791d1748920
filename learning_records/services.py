"""Writes of the LRS: clients and statements. The only writer of these tables."""

import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagement.network.models import Organisation
from learning_records.attachments import AttachmentData
from learning_records.models import (
    AttachmentContent,
    LrsClient,
    Scope,
    Statement,
    StatementActivity,
    StatementAgent,
    lookup_hash,
)
from learning_records.xapi.compare import statements_equivalent
from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.index import StatementKeys, statement_keys
from learning_records.xapi.timestamps import format_timestamp, parse_timestamp
from learning_records.xapi.versions import XapiVersion

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
# SQLite allows 32,766 bound parameters in one statement; chunks of ids stay far below.
_ID_CHUNK = 900
_INSERT_BATCH = 500


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
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _store(client, prepared, version)
                _attachments_store(client.organisation_id, attachments or {})
            break
        except IntegrityError:
            # A concurrent request stored one of these ids between our look-up and our
            # insert. The second pass sees its row and compares against it.
            if attempt == 2:
                raise
    return [statement_id for statement_id, _ in prepared]


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
    client: LrsClient, prepared: list[tuple[str, dict[str, Any]]], version: XapiVersion
) -> None:
    organisation_id = client.organisation_id
    existing = _stored_payloads(organisation_id, [sid for sid, _ in prepared])
    new: list[tuple[str, dict[str, Any]]] = []
    for statement_id, statement in prepared:
        stored = existing.get(statement_id)
        if stored is None:
            new.append((statement_id, statement))
        elif not statements_equivalent(stored, {**statement, "id": statement_id}):
            raise StatementConflict(
                f"statement {statement_id} is already stored with different content"
            )
    if not new:
        return
    _check_voiding(organisation_id, new)

    now = timezone.now()
    authority = authority_for(client)
    rows: list[Statement] = []
    indexed: list[tuple[Statement, StatementKeys]] = []
    for statement_id, statement in new:
        payload = _lrs_properties(statement_id, statement, now, authority, version)
        keys = statement_keys(payload)
        row = Statement(
            organisation_id=organisation_id,
            client=client,
            statement_id=statement_id,
            payload=payload,
            verb_iri=keys.verb_iri,
            verb_hash=lookup_hash(keys.verb_iri),
            actor_key=keys.actor_key or "",
            object_activity_iri=keys.object_activity_iri or "",
            object_statement_id=keys.object_statement_id,
            registration=keys.registration,
            timestamp=parse_timestamp(payload["timestamp"]),
            stored=now,
        )
        rows.append(row)
        indexed.append((row, keys))
    Statement.objects.bulk_create(rows, batch_size=_INSERT_BATCH)
    StatementAgent.objects.bulk_create(_agent_rows(indexed), batch_size=_INSERT_BATCH)
    StatementActivity.objects.bulk_create(_activity_rows(indexed), batch_size=_INSERT_BATCH)
    _apply_voiding(organisation_id, rows)


def _attachments_store(organisation_id: int, attachments: Mapping[str, AttachmentData]) -> None:
    """Keep each attachment's data once per store; a repeat of known data is a no-op."""
    AttachmentContent.objects.bulk_create(
        [
            AttachmentContent(
                organisation_id=organisation_id,
                sha2=data.sha2,
                content_type=data.content_type,
                length=len(data.content),
                content=data.content,
            )
            for data in attachments.values()
        ],
        ignore_conflicts=True,
    )


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


def _apply_voiding(organisation_id: int, rows: list[Statement]) -> None:
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


def _agent_rows(indexed: Iterable[tuple[Statement, StatementKeys]]) -> list[StatementAgent]:
    index_rows: list[StatementAgent] = []
    for row, keys in indexed:
        for agent_key in keys.related_agents | keys.agents:
            index_rows.append(
                StatementAgent(
                    statement=row,
                    organisation_id=row.organisation_id,
                    agent_key=agent_key,
                    agent_hash=lookup_hash(agent_key),
                    related_only=agent_key not in keys.agents,
                )
            )
    return index_rows


def _activity_rows(
    indexed: Iterable[tuple[Statement, StatementKeys]],
) -> list[StatementActivity]:
    index_rows: list[StatementActivity] = []
    for row, keys in indexed:
        for activity_iri in keys.related_activities | keys.activities:
            index_rows.append(
                StatementActivity(
                    statement=row,
                    organisation_id=row.organisation_id,
                    activity_iri=activity_iri,
                    activity_hash=lookup_hash(activity_iri),
                    related_only=activity_iri not in keys.activities,
                )
            )
    return index_rows
