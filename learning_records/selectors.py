"""Reads of the LRS: statements, documents, activities and agents."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from learning_records.models import (
    Activity,
    AttachmentContent,
    Document,
    Scope,
    Statement,
    StatementActivity,
    StatementAgent,
    identity_hash,
    lookup_hash,
)
from learning_records.xapi.definitions import activity_object, person_object
from learning_records.xapi.documents import DocumentResource
from learning_records.xapi.index import agent_key

# The Person of the Agents resource takes names from this many of the agent's latest statements.
_PERSON_STATEMENTS = 50


@dataclass(frozen=True)
class StatementFilter:
    """The GET /statements query parameters, parsed (xAPI 1.0.3 Communication §2.1.3)."""

    agent_key: str | None = None
    verb_iri: str | None = None
    activity_iri: str | None = None
    registration: str | None = None
    related_agents: bool = False
    related_activities: bool = False
    since: datetime | None = None
    until: datetime | None = None
    ascending: bool = False
    client_id: int | None = None  # set for clients that may read only their own statements

    @property
    def matches_content(self) -> bool:
        """True when a filter other than time or sequence is set: those pass through
        StatementRefs to their targets."""
        return any((self.agent_key, self.verb_iri, self.activity_iri, self.registration))


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this (stored, row id) in the query's order."""

    stored: datetime
    row_id: int


@dataclass(frozen=True)
class StatementPage:
    statements: list[Statement]
    next_cursor: Cursor | None


def statement_get(
    *, organisation_id: int, statement_id: str, voided: bool, client_id: int | None = None
) -> Statement | None:
    """One statement by id: a voided one only when `voided` asks for it (xAPI §2.1.4)."""
    statements = Statement.objects.filter(
        organisation_id=organisation_id, statement_id=statement_id, voided=voided
    )
    if client_id is not None:
        statements = statements.filter(client_id=client_id)
    return statements.first()


def statement_page(
    *, organisation_id: int, where: StatementFilter, limit: int, cursor: Cursor | None
) -> StatementPage:
    statements = _filtered(organisation_id, where)
    if cursor is not None:
        if where.ascending:
            after = Q(stored__gt=cursor.stored) | Q(stored=cursor.stored, id__gt=cursor.row_id)
        else:
            after = Q(stored__lt=cursor.stored) | Q(stored=cursor.stored, id__lt=cursor.row_id)
        statements = statements.filter(after)
    order = ("stored", "id") if where.ascending else ("-stored", "-id")
    rows = list(statements.order_by(*order)[: limit + 1])
    if len(rows) <= limit:
        return StatementPage(rows, None)
    last = rows[limit - 1]
    return StatementPage(rows[:limit], Cursor(last.stored, last.id))


def _filtered(organisation_id: int, where: StatementFilter) -> QuerySet[Statement]:
    statements = Statement.objects.filter(organisation_id=organisation_id, voided=False)
    if where.client_id is not None:
        statements = statements.filter(client_id=where.client_id)
    if where.since is not None:
        statements = statements.filter(stored__gt=where.since)
    if where.until is not None:
        statements = statements.filter(stored__lte=where.until)
    if where.matches_content:
        statements = statements.filter(statement_id__in=_matching_ids(organisation_id, where))
    return statements


def _matching_ids(organisation_id: int, where: StatementFilter) -> RawSQL:
    """Ids of statements matching the content filters, and of statements targeting them.

    xAPI 1.0.3 Communication §2.1.3 (Filter Conditions for StatementRefs): a statement whose
    object is a StatementRef matches when its target matches, recursively; voided targets
    count too, so their voiding statements are found. A recursive CTE follows the chain in
    the database, on SQLite and PostgreSQL alike.
    """
    anchor = Statement.objects.filter(organisation_id=organisation_id)
    if where.agent_key is not None:
        agents = StatementAgent.objects.filter(
            organisation_id=organisation_id,
            agent_hash=lookup_hash(where.agent_key),
            agent_key=where.agent_key,
        )
        if not where.related_agents:
            agents = agents.filter(related_only=False)
        anchor = anchor.filter(id__in=agents.values("statement_id"))
    if where.verb_iri is not None:
        anchor = anchor.filter(verb_hash=lookup_hash(where.verb_iri), verb_iri=where.verb_iri)
    if where.activity_iri is not None:
        activities = StatementActivity.objects.filter(
            organisation_id=organisation_id,
            activity_hash=lookup_hash(where.activity_iri),
            activity_iri=where.activity_iri,
        )
        if not where.related_activities:
            activities = activities.filter(related_only=False)
        anchor = anchor.filter(id__in=activities.values("statement_id"))
    if where.registration is not None:
        anchor = anchor.filter(registration=where.registration)
    anchor_sql, anchor_params = anchor.values("statement_id").query.sql_with_params()
    table = Statement._meta.db_table
    # Only Django's own compiled SQL and the table name are spliced in; values are parameters.
    sql = (
        f"WITH RECURSIVE matched(statement_id) AS ({anchor_sql} "  # noqa: S608
        f"UNION SELECT targeting.statement_id FROM {table} targeting "
        "JOIN matched ON targeting.object_statement_id = matched.statement_id "
        "WHERE targeting.organisation_id = %s) "
        "SELECT statement_id FROM matched"
    )
    return RawSQL(sql, (*anchor_params, organisation_id))  # noqa: S611


def attachment_contents(*, organisation_id: int, sha2s: set[str]) -> list[tuple[str, str, bytes]]:
    """(sha2, content type, data) of the stored attachments among `sha2s`."""
    if not sha2s:
        return []
    rows = AttachmentContent.objects.filter(
        organisation_id=organisation_id, sha2__in=sorted(sha2s)
    ).values_list("sha2", "content_type", "content")
    return [(sha2, content_type, bytes(content)) for sha2, content_type, content in rows]


# --- Documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentContext:
    """Where documents live: a resource with its activity and agent, and for states an
    optional registration (xAPI 1.0.3 Communication §2.3-§2.7). Unused parts are ''."""

    resource: DocumentResource
    activity_iri: str = ""
    agent_key: str = ""
    registration: str | None = None

    @property
    def context_hash(self) -> int:
        return lookup_hash(f"{self.resource}\n{self.activity_iri}\n{self.agent_key}")

    def identity(self, document_id: str) -> str:
        return identity_hash(
            self.resource, self.activity_iri, self.agent_key, self.registration or "", document_id
        )


@dataclass(frozen=True)
class DocumentIds:
    ids: list[str]
    last_modified: datetime | None


def document_get(
    *, organisation_id: int, context: DocumentContext, document_id: str
) -> Document | None:
    return Document.objects.filter(
        organisation_id=organisation_id, identity=context.identity(document_id)
    ).first()


def document_ids(
    *, organisation_id: int, context: DocumentContext, since: datetime | None
) -> DocumentIds:
    """The ids of a context's documents updated after `since` (exclusive), with the latest
    update among them (Communication §2.2.s6.b2)."""
    documents = documents_in(organisation_id=organisation_id, context=context)
    if since is not None:
        documents = documents.filter(updated__gt=since)
    rows = list(documents.order_by("document_id").values_list("document_id", "updated"))
    return DocumentIds(
        ids=[document_id for document_id, _ in rows],
        last_modified=max((updated for _, updated in rows), default=None),
    )


def documents_in(*, organisation_id: int, context: DocumentContext) -> QuerySet[Document]:
    """A context's documents. Without a registration, a state context spans every
    registration ("Activity + Agent [+ registration if specified]", Communication §2.3.s4)."""
    documents = Document.objects.filter(
        organisation_id=organisation_id,
        context_hash=context.context_hash,
        kind=context.resource,
        activity_iri=context.activity_iri,
        agent_key=context.agent_key,
    )
    if context.registration is not None:
        documents = documents.filter(registration=context.registration)
    return documents


# --- Activities and agents --------------------------------------------------------------


def activity_get(*, organisation_id: int, activity_iri: str) -> dict[str, Any]:
    """The Activity with its canonical definition (Communication §2.5)."""
    activities = Activity.objects.filter(
        organisation_id=organisation_id, identity=identity_hash(activity_iri)
    )
    definition = activities.values_list("definition", flat=True).first()
    return activity_object(activity_iri, definition)


def person_get(*, organisation_id: int, agent: dict[str, Any]) -> dict[str, Any]:
    """The Person of an Agent (Communication §2.4): the Agent itself, with the names its
    latest statements as actor gave it, where they were stored by a client that may define
    actors (the define scope, §4.2)."""
    key = agent_key(agent) or ""
    mentions = StatementAgent.objects.filter(
        organisation_id=organisation_id, agent_hash=lookup_hash(key), agent_key=key
    ).values("statement_id")
    rows = (
        Statement.objects.filter(organisation_id=organisation_id, id__in=mentions, actor_key=key)
        .order_by("-stored", "-id")
        .values_list("payload__actor__name", "client__scopes")[:_PERSON_STATEMENTS]
    )
    definers = {Scope.DEFINE, Scope.ALL}
    names = [
        name
        for name, scopes in rows
        if isinstance(name, str) and not definers.isdisjoint(scopes or ())
    ]
    return person_object(agent, names)
