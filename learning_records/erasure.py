"""Erasure of a person from the LRS (GDPR Art. 17), the one place statements are deleted
or rewritten for that reason (the LRS is the only writer of statements).

A statement whose actor or object Agent is the person is a record of the person: it is
deleted, with its index rows, its progress evidence (ORM cascade) and attachments no other
statement uses. A statement where the person only appears elsewhere (authority, context
instructor or team, a group's member, a sub-statement, context agents) is someone else's
record: the person's Agent is replaced by a pseudonymous account Agent, so the statement
still says "someone" took part and nobody can tell who. Agent-profile and state documents
of the person's agents are deleted.

xAPI 1.0.3 says stored statements are immutable (Data §2.3.2); the right to erasure
outranks it, and the rewritten statements keep their ids.
"""

import hashlib
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any

from django.conf import settings
from django.db import transaction

from learning_records.models import (
    AttachmentContent,
    Document,
    Statement,
    StatementAgent,
    lookup_hash,
)
from learning_records.retention import attachment_hashes, unused_attachments_delete
from learning_records.selectors import statements_mentioning
from learning_records.xapi.index import agent_key

# Statements rewritten per query: the payloads of one chunk are what is held in memory.
CHUNK = 500
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def mbox_keys(address: str) -> set[str]:
    """The agent keys an e-mail address can appear under: its mbox and its mbox_sha1sum
    (xAPI 1.0.3 Data §2.4.2.3: the SHA-1 of the mailto IRI), as sent and lower-cased."""
    keys = set()
    for mbox in {f"mailto:{address}", f"mailto:{address.lower()}"}:
        keys.add(agent_key({"mbox": mbox}) or "")
        keys.add(
            agent_key(
                {"mbox_sha1sum": hashlib.sha1(mbox.encode(), usedforsecurity=False).hexdigest()}
            )
            or ""
        )
    return keys - {""}


def pseudonymous_agent(pseudonym: str) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "account": {"homePage": f"{settings.KIPINA_PUBLIC_URL}/erased", "name": pseudonym},
    }


def is_records_subject(payload: dict[str, Any], agent_keys: Collection[str]) -> bool:
    """Is the statement a record of one of these agents (its actor or object Agent)?"""
    target = payload["object"]
    object_key = agent_key(target) if target.get("objectType") in ("Agent", "Group") else None
    return agent_key(payload["actor"]) in agent_keys or object_key in agent_keys


def agents_replaced(value: Any, replace: Callable[[str | None], bool], by: dict[str, Any]) -> Any:
    """`value` (a statement, or part of one) with each Agent or identified Group whose agent
    key `replace` accepts replaced by a copy of `by`."""
    if isinstance(value, list):
        return [agents_replaced(item, replace, by) for item in value]
    if not isinstance(value, dict):
        return value
    key = _agent_key_or_none(value) if any(ifi in value for ifi in _IFIS) else None
    if key is not None and replace(key):
        return dict(by)
    return {key: agents_replaced(item, replace, by) for key, item in value.items()}


def _agent_key_or_none(value: dict[str, Any]) -> str | None:
    # Extensions hold any JSON: {"account": "ACME-42"} is not an Agent, and must neither stop
    # an erasure nor be taken for one.
    try:
        return agent_key(value)
    except (TypeError, KeyError, AttributeError, ValueError):
        return None


def _attachments(payload: dict[str, Any]) -> set[str]:
    target = payload.get("object")
    nested = target.get("attachments") if isinstance(target, dict) else None
    return attachment_hashes([*(payload.get("attachments") or ()), *(nested or ())])


@transaction.atomic
def agents_erase(*, agent_keys: Collection[str], pseudonym: str) -> Counter[str]:
    """Delete or pseudonymise every statement and document of these agents (one person's
    identities); return the rows touched per table. Runs in the caller's transaction."""
    keys = set(agent_keys)
    replacement = pseudonymous_agent(pseudonym)
    counts: Counter[str] = Counter()
    orphans: set[tuple[int, str]] = set()
    for chunk in statements_mentioning(agent_keys=keys, chunk=CHUNK):
        deleted = {s.pk for s in chunk if is_records_subject(s.payload, keys)}
        for statement in chunk:
            if statement.pk in deleted:
                orphans |= {(statement.organisation_id, h) for h in _attachments(statement.payload)}
        if deleted:
            # Only the ids: the cascade needs no payloads, and parsing them was most of the time.
            _, per_model = Statement.objects.filter(pk__in=deleted).only("pk").delete()
            counts.update(per_model)
        kept = [s for s in chunk if s.pk not in deleted]
        for statement in kept:
            statement.payload = agents_replaced(statement.payload, keys.__contains__, replacement)
        Statement.objects.bulk_update(kept, ["payload"])
        counts["learning_records.Statement (pseudonymised)"] += len(kept)
        counts.update(_index_rows_pseudonymise(kept, keys, replacement))
    _, documents = Document.objects.filter(agent_key__in=list(keys)).delete()
    counts.update(documents)
    counts["learning_records.AttachmentContent"] += _orphans_delete(orphans)
    return counts


def _index_rows_pseudonymise(
    statements: list[Statement], agent_keys: Collection[str], replacement: dict[str, Any]
) -> Counter[str]:
    """The agent index rows of rewritten statements name the pseudonym, not the person."""
    if not statements:
        return Counter()
    new_key = agent_key(replacement) or ""
    rows = StatementAgent.objects.filter(
        statement_id__in=[s.pk for s in statements], agent_key__in=list(agent_keys)
    )
    # One row per statement and key, as the LRS writes them (a direct mention wins): two of
    # the person's identities in one statement become one pseudonym.
    replaced: dict[int, StatementAgent] = {}
    for row in rows.only(*_ROW_FIELDS).order_by("related_only", "pk"):
        replaced.setdefault(row.statement_id, row)
    removed, _ = rows.delete()
    StatementAgent.objects.bulk_create(
        StatementAgent(
            statement_id=row.statement_id,
            organisation_id=row.organisation_id,
            agent_key=new_key,
            agent_hash=lookup_hash(new_key),
            related_only=row.related_only,
            stored=row.stored,
        )
        for row in replaced.values()
    )
    return Counter({"learning_records.StatementAgent (pseudonymised)": removed})


_ROW_FIELDS = ("statement_id", "organisation_id", "related_only", "stored")


def _orphans_delete(attachments: set[tuple[int, str]]) -> int:
    """Delete the erased statements' attachment data that no remaining statement of its store
    names (data is shared by hash, and only the payloads say who uses it)."""
    deleted = 0
    stores = sorted({organisation_id for organisation_id, _ in attachments})
    for organisation_id in stores:
        hashes = sorted(sha2 for store, sha2 in attachments if store == organisation_id)
        deleted += unused_attachments_delete(
            organisation_id=organisation_id,
            candidates=AttachmentContent.objects.filter(
                organisation_id=organisation_id, sha2__in=hashes
            ),
        )
    return deleted
