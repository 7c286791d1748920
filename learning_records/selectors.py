"""Reads of the LRS: statements, documents, activities and agents."""

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from backend.db import among
from engagement.network.models import Organisation
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
    """One page of a statement query, newest first unless `ascending`.

    The statements that match the filters are read off their index in stored order,
    stopping after a page; with a content filter, those that reach a match through
    StatementRefs are found (`_targeting_ids`) and read as a page too, and the two pages
    are merged here.
    """
    rows = _page(_direct(organisation_id, where), where, cursor, limit)
    if where.matches_content:
        # A statement that targets a match belongs on this page only if it sorts before the
        # last direct match read (ties of `stored` included).
        boundary = rows[limit].stored if len(rows) > limit else None
        targeting = _targeting_ids(organisation_id, where, cursor, boundary)
        if targeting:
            plain = _statements_of(organisation_id, where)
            plain = _Driven(plain.rows.filter(among("statement_id", targeting, "uuid")))
            rows = _merge(rows, _page(plain, where, cursor, limit), where.ascending)
    if len(rows) <= limit:
        return StatementPage(rows, None)
    last = rows[limit - 1]
    return StatementPage(rows[:limit], Cursor(last.stored, last.id))


@dataclass(frozen=True)
class _Driven:
    """The rows a query reads in stored order: statements, or the agent or activity index
    rows that carry a copy of their statement's stored time. `via` leads from a row to its
    statement's fields; `row` is the statement's id on the row."""

    rows: QuerySet[Any]
    via: str = ""
    row: str = "id"

    def where(self, **conditions: Any) -> "_Driven":
        rows = self.rows.filter(**{f"{self.via}{k}": v for k, v in conditions.items()})
        return _Driven(rows, self.via, self.row)


def _statements_of(organisation_id: int, where: StatementFilter) -> _Driven:
    driven = _Driven(Statement.objects.filter(organisation_id=organisation_id))
    return _visible(driven, where)


def _visible(driven: _Driven, where: StatementFilter) -> _Driven:
    driven = driven.where(voided=False)
    return driven if where.client_id is None else driven.where(client_id=where.client_id)


def _direct(organisation_id: int, where: StatementFilter) -> _Driven:
    """The statements the reader may see that match the filters themselves."""
    return _visible(_matching(organisation_id, where), where)


def _matching(organisation_id: int, where: StatementFilter) -> _Driven:
    """Every statement of the store that matches the content filters, voided or not."""
    index_rows: QuerySet[Any]
    if where.agent_key is not None:
        index_rows = StatementAgent.objects.filter(
            organisation_id=organisation_id, **_agent_match(where.agent_key, where.related_agents)
        )
        driven = _Driven(index_rows, "statement__", "statement")
    elif where.activity_iri is not None:
        index_rows = StatementActivity.objects.filter(
            organisation_id=organisation_id,
            **_activity_match(where.activity_iri, where.related_activities),
        )
        driven = _Driven(index_rows, "statement__", "statement")
    else:
        driven = _Driven(Statement.objects.filter(organisation_id=organisation_id))
    if where.verb_iri is not None:
        driven = driven.where(verb_hash=lookup_hash(where.verb_iri), verb_iri=where.verb_iri)
    if where.registration is not None:
        driven = driven.where(registration=where.registration)
    if where.agent_key is not None and where.activity_iri is not None:
        activity = _activity_exists(where.activity_iri, where.related_activities, "statement")
        driven = _Driven(driven.rows.filter(activity), driven.via, driven.row)
    return driven


def _page(
    driven: _Driven, where: StatementFilter, cursor: Cursor | None, limit: int
) -> list[Statement]:
    rows = _window(driven, where, cursor)
    row = driven.row
    order = ("stored", row) if where.ascending else ("-stored", f"-{row}")
    if not driven.via:
        return list(rows.order_by(*order)[: limit + 1])
    page = rows.select_related("statement").order_by(*order)[: limit + 1]
    return [index_row.statement for index_row in page]


def _window(driven: _Driven, where: StatementFilter, cursor: Cursor | None) -> QuerySet[Any]:
    """The rows within `since`, `until` and after the cursor, in the query's direction."""
    rows, row = driven.rows, driven.row
    if where.since is not None:
        rows = rows.filter(stored__gt=where.since)
    if where.until is not None:
        rows = rows.filter(stored__lte=where.until)
    if cursor is not None:
        # The first condition bounds the index range; the second settles ties of `stored`.
        bound, beyond = ("gte", "gt") if where.ascending else ("lte", "lt")
        rows = rows.filter(
            Q(**{f"stored__{bound}": cursor.stored})
            & (
                Q(**{f"stored__{beyond}": cursor.stored})
                | Q(stored=cursor.stored, **{f"{row}__{beyond}": cursor.row_id})
            )
        )
    return rows


def _agent_match(key: str, related: bool, prefix: str = "") -> dict[str, Any]:
    match: dict[str, Any] = {f"{prefix}agent_hash": lookup_hash(key), f"{prefix}agent_key": key}
    if not related:
        match[f"{prefix}related_only"] = False
    return match


def _activity_match(iri: str, related: bool, prefix: str = "") -> dict[str, Any]:
    match: dict[str, Any] = {
        f"{prefix}activity_hash": lookup_hash(iri),
        f"{prefix}activity_iri": iri,
    }
    if not related:
        match[f"{prefix}related_only"] = False
    return match


def _activity_exists(iri: str, related: bool, statement: str = "pk") -> Exists:
    rows = StatementActivity.objects.filter(
        statement=OuterRef(statement), **_activity_match(iri, related)
    )
    return Exists(rows)


# Chains of statements targeting statements are followed this deep; longer ones stop there.
_MAX_REFERENCE_DEPTH = 10
# Up to this many matches are read (their row ids, off the filter's index) to weigh the two
# ways of finding what targets them; beyond it, the page's StatementRefs are followed.
_MATCHES_READ_AT_MOST = 1000


def _targeting_ids(
    organisation_id: int,
    where: StatementFilter,
    cursor: Cursor | None,
    boundary: datetime | None,
) -> set[str]:
    """Ids of statements that reach a match through StatementRefs.

    xAPI 1.0.3 Communication §2.1.3 (Filter Conditions for StatementRefs): a statement whose
    object is a StatementRef matches when its target matches, recursively; voided targets
    count too, which is how voiding statements are found. Two ways, whichever reads fewer
    rows: from the matches of a rare filter, their referrers (and theirs) store-wide; or
    from the StatementRefs that could still sort onto this page (after the cursor, within
    since/until, not beyond the last direct match read), their chains of targets followed
    down to a match. Only statements with a StatementRef object are read: partial indexes
    hold them.
    """
    matching = _matching(organisation_id, where)
    # In the filter's index order, so that the read stops after the first rows of the index.
    newest = matching.rows.order_by("-stored", f"-{matching.row}")
    read = list(newest.values_list(matching.row, flat=True)[: _MATCHES_READ_AT_MOST + 1])
    matches = set(read) if len(read) <= _MATCHES_READ_AT_MOST else None
    references = Statement.objects.filter(
        organisation_id=organisation_id, object_statement_id__isnull=False
    )
    heads = _window(_visible(_Driven(references), where), where, cursor)
    if boundary is not None:
        heads = heads.filter(**{"stored__lte" if where.ascending else "stored__gte": boundary})
    if matches is not None and _fewer_matches_than_heads(len(matches), heads):
        # Two steps, not a subquery: the planner would read every StatementRef of the store.
        found = Statement.objects.filter(among("id", matches))
        uuids = [str(i) for i in found.values_list("statement_id", flat=True)]
        return _referrers_of(
            references, references.filter(among("object_statement_id", uuids, "uuid"))
        )
    return _chains_to(organisation_id, where, heads, matches)


def _fewer_matches_than_heads(matches: int, heads: QuerySet[Any]) -> bool:
    return heads[: matches + 1].count() > matches


def _referrers_of(references: QuerySet[Statement], first: QuerySet[Statement]) -> set[str]:
    """`first` (the statements targeting a match), those targeting them, and so on."""
    level = {str(i) for i in first.values_list("statement_id", flat=True)}
    found = set(level)
    for _ in range(_MAX_REFERENCE_DEPTH - 1):
        if not level:
            break
        nearer = references.filter(among("object_statement_id", level, "uuid"))
        level = {str(i) for i in nearer.values_list("statement_id", flat=True)} - found
        found |= level
    return found


def _chains_to(
    organisation_id: int, where: StatementFilter, heads: QuerySet[Any], matches: set[int] | None
) -> set[str]:
    """Those of `heads` (StatementRef statements) whose chain of targets reaches a match:
    one of `matches` (row ids) when they are known, else a statement passing the filters.
    One query per level of the chains."""
    waiting: dict[str, set[str]] = {}  # a target -> the heads whose chain leads to it
    for head, target in heads.values_list("statement_id", "object_statement_id"):
        waiting.setdefault(str(target), set()).add(str(head))
    found: set[str] = set()
    passes = ExpressionWrapper(_content(where), output_field=BooleanField())
    for _ in range(_MAX_REFERENCE_DEPTH):
        if not waiting:
            break
        targets = Statement.objects.filter(
            among("statement_id", waiting, "uuid"), organisation_id=organisation_id
        )
        if matches is None:
            targets = targets.annotate(hit=passes)
        else:
            targets = targets.annotate(hit=Value(False))
        further: dict[str, set[str]] = {}
        for row_id, target, next_target, hit in targets.values_list(
            "id", "statement_id", "object_statement_id", "hit"
        ):
            chained = waiting[str(target)]
            if hit or (matches is not None and row_id in matches):
                found |= chained
            elif next_target is not None:
                further.setdefault(str(next_target), set()).update(chained)
        waiting = further
    return found


def _content(where: StatementFilter) -> Q:
    """The content filters as a condition on a statement row."""
    condition = Q()
    if where.verb_iri is not None:
        condition &= Q(verb_hash=lookup_hash(where.verb_iri), verb_iri=where.verb_iri)
    if where.registration is not None:
        condition &= Q(registration=where.registration)
    if where.agent_key is not None:
        agents = StatementAgent.objects.filter(
            statement=OuterRef("pk"), **_agent_match(where.agent_key, where.related_agents)
        )
        condition &= Q(Exists(agents))
    if where.activity_iri is not None:
        condition &= Q(_activity_exists(where.activity_iri, where.related_activities))
    return condition


def _merge(first: list[Statement], second: list[Statement], ascending: bool) -> list[Statement]:
    unique = {statement.id: statement for statement in (*first, *second)}
    return sorted(unique.values(), key=lambda s: (s.stored, s.id), reverse=not ascending)


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


# --- A person's records (export and erasure) --------------------------------------------------


def statement_ids_mentioning(
    *, organisation_id: int, agent_keys: Collection[str], after: int, limit: int
) -> list[int]:
    """Row ids of one store's statements that mention one of the agents anywhere (actor,
    object, authority, context, group members, sub-statements: the related_agents index
    rows), after row id `after`, in row id order."""
    return list(
        StatementAgent.objects.filter(
            organisation_id=organisation_id,
            agent_hash__in=[lookup_hash(key) for key in agent_keys],
            agent_key__in=list(agent_keys),
            statement_id__gt=after,
        )
        .order_by("statement_id")
        .values_list("statement_id", flat=True)
        .distinct()[:limit]
    )


def statements_mentioning(*, agent_keys: Collection[str], chunk: int) -> Iterator[list[Statement]]:
    """Every statement of every store that mentions one of the agents, voided ones too, a
    chunk at a time (a learner may have tens of thousands). Each store is read on its own so
    that the (organisation, agent hash, ...) index is used; a caller that deletes or rewrites
    a chunk before asking for the next still gets each statement once (row id order)."""
    if not agent_keys:
        return
    for organisation_id in Organisation.objects.order_by("pk").values_list("pk", flat=True):
        after = 0
        while ids := statement_ids_mentioning(
            organisation_id=organisation_id, agent_keys=agent_keys, after=after, limit=chunk
        ):
            yield list(
                Statement.objects.filter(pk__in=ids).select_related("organisation").order_by("pk")
            )
            after = ids[-1]


def documents_of_agents(*, agent_keys: Collection[str]) -> Iterator[Document]:
    """Agent-profile and state documents of the agents, in every store. No index leads with
    the agent (documents are found by their context hash), so this reads the table; it is
    small next to the statements and is read only for an export or an erasure."""
    documents = Document.objects.filter(agent_key__in=list(agent_keys)).select_related(
        "organisation"
    )
    return documents.order_by("pk").iterator(chunk_size=100)
