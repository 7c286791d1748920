"""Writes of the xAPI document resources: State, Activity Profile and Agent Profile
(xAPI 1.0.3 Communication §2.2-2.7). The only writer of the document table."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from learning_records.models import Document
from learning_records.selectors import DocumentContext, documents_in
from learning_records.xapi.documents import (
    Conditions,
    Refusal,
    Write,
    concurrency_refusal,
    etag_of,
    is_json,
    merge,
)
from learning_records.xapi.versions import XapiVersion

# A document write re-reads and retries when a concurrent write changed the document between
# its read and its conditional update; more rounds than this means a hot spot, told as 409.
_WRITE_ATTEMPTS = 3


class DocumentRefused(Exception):
    """A document write that may not go ahead, with the xAPI status that says why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


@dataclass(frozen=True)
class DocumentBody:
    """A document as a request sends it; `parsed` is the JSON object it holds, when it is one
    that can be merged (xapi.documents.mergeable), else None."""

    content: bytes
    content_type: str
    parsed: dict[str, Any] | None = None


# What a write does to the current document (None when there is none): the new body, or
# None to delete it. It raises DocumentRefused when the write may not go ahead.
_Change = Callable[[Document | None], DocumentBody | None]


def document_put(
    *,
    organisation_id: int,
    context: DocumentContext,
    document_id: str,
    body: DocumentBody,
    version: XapiVersion,
    conditions: Conditions,
) -> None:
    """Store `body` as the document, replacing what is there (Communication §2.2)."""

    def replace(current: Document | None) -> DocumentBody:
        _check(Write.PUT, context, version, current, conditions)
        return body

    _write(organisation_id, context, document_id, replace)


def document_post(
    *,
    organisation_id: int,
    context: DocumentContext,
    document_id: str,
    body: DocumentBody,
    version: XapiVersion,
    conditions: Conditions,
) -> None:
    """Merge a posted JSON object into the stored one, or store the body as a new document
    when there is none (Communication §2.2.s7, §2.2.s8)."""

    def merged(current: Document | None) -> DocumentBody:
        _check(Write.POST, context, version, current, conditions)
        if current is None:
            return body
        if not is_json(body.content_type) or body.parsed is None:
            raise DocumentRefused(
                Refusal(
                    400,
                    "the document exists, and a POST merges into it: send a JSON object with "
                    "Content-Type application/json, or PUT to replace the document",
                )
            )
        if not is_json(current.content_type) or current.parsed is None:
            raise DocumentRefused(
                Refusal(
                    400,
                    "the stored document is not a JSON object, so nothing can be merged into "
                    "it; PUT to replace it",
                )
            )
        document = merge(current.parsed, body.parsed)
        content = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        limit: int = settings.KIPINA_XAPI_MAX_BODY_BYTES
        if len(content) > limit:
            raise DocumentRefused(
                Refusal(413, f"the merged document would be over the limit of {limit} bytes")
            )
        return DocumentBody(content, current.content_type, document)

    _write(organisation_id, context, document_id, merged)


def document_delete(
    *,
    organisation_id: int,
    context: DocumentContext,
    document_id: str,
    version: XapiVersion,
    conditions: Conditions,
) -> None:
    """Delete one document; deleting one that does not exist is no error."""

    def delete(current: Document | None) -> None:
        _check(Write.DELETE, context, version, current, conditions)

    _write(organisation_id, context, document_id, delete)


def documents_delete(*, organisation_id: int, context: DocumentContext) -> None:
    """Delete every document of a context: all state of an activity and agent, of one
    registration when the context names one (Communication §2.3.s5)."""
    documents_in(organisation_id=organisation_id, context=context).delete()


def _check(
    write: Write,
    context: DocumentContext,
    version: XapiVersion,
    current: Document | None,
    conditions: Conditions,
) -> None:
    refusal = concurrency_refusal(
        write=write,
        resource=context.resource,
        version=version,
        current_etag=current.etag if current is not None else None,
        conditions=conditions,
    )
    if refusal is not None:
        raise DocumentRefused(refusal)


def _write(
    organisation_id: int, context: DocumentContext, document_id: str, change: _Change
) -> None:
    """Apply `change` to the current document with a compare-and-set: the update or delete
    matches the row only as it was read, so two concurrent writes cannot both pass their
    preconditions against the same version. The loser reads again and is judged anew."""
    identity = context.identity(document_id)
    stored = Document.objects.filter(organisation_id=organisation_id, identity=identity)
    for _ in range(_WRITE_ATTEMPTS):
        current = stored.first()
        body = change(current)
        if body is None:
            if current is None or _matching(current).delete()[0]:
                return
            continue
        now = timezone.now()
        if current is not None:
            if _matching(current).update(
                content=body.content,
                content_type=body.content_type,
                etag=etag_of(body.content),
                parsed=body.parsed,
                updated=now,
            ):
                return
            continue
        try:
            with transaction.atomic():
                Document.objects.create(
                    organisation_id=organisation_id,
                    kind=context.resource,
                    identity=identity,
                    context_hash=context.context_hash,
                    activity_iri=context.activity_iri,
                    agent_key=context.agent_key,
                    registration=context.registration,
                    document_id=document_id,
                    content=body.content,
                    content_type=body.content_type,
                    etag=etag_of(body.content),
                    parsed=body.parsed,
                    updated=now,
                )
            return
        except IntegrityError:
            continue  # created concurrently: judge this write against that document
    raise DocumentRefused(
        Refusal(409, "the document kept changing while this request wrote it; try again")
    )


def _matching(current: Document) -> Any:
    return Document.objects.filter(pk=current.pk, updated=current.updated, etag=current.etag)
