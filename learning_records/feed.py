"""Reads of the statement log for projections (engagement/progress), in stored order.

Other rooms read statements through here, never through the tables.
"""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan

from learning_records.models import Statement, StatementActivity, lookup_hash

_INDEXED_FIELDS = (
    "id",
    "organisation_id",
    "stored",
    "voided",
    "actor_key",
    "verb_iri",
    "object_statement_id",
)


class IndexedStatement(NamedTuple):
    """A statement as its index columns describe it, without its JSON: what a projection
    that reads every statement needs, at a fraction of the cost of parsing each one."""

    row_id: int
    organisation_id: int
    stored: datetime
    voided: bool
    actor_key: str  # "" for an anonymous Group
    verb_iri: str
    object_statement_id: uuid.UUID | None  # the target of a StatementRef object


@dataclass(frozen=True)
class Mention:
    """A statement that mentions some of the activities asked about, with what a
    projection needs of it then: its object, timestamp and the two result properties
    (Data §2.4.5) no column holds, extracted by the database."""

    row_id: int
    activities: frozenset[str]  # those asked about that it mentions
    object_activity_iri: str  # "" when the object is not an Activity
    timestamp: datetime
    duration: Any  # result.duration as sent, None without one
    scaled: Any  # result.score.scaled as sent, None without one


def indexed_statements_after(
    *, stored: datetime | None, row_id: int, until: datetime, limit: int
) -> list[IndexedStatement]:
    """The next `limit` statements after (stored, row_id), stored no later than `until`."""
    statements = Statement.objects.filter(stored__lte=until)
    if stored is not None:
        # A row comparison, which the (stored, id) index answers by seeking: spelled out as
        # `stored > s OR (stored = s AND id > i)`, PostgreSQL reads the index from its
        # start and filters out every statement already read.
        after = TupleGreaterThan(Tuple(F("stored"), F("id")), (stored, row_id))
        statements = statements.filter(after)
    return _indexed(statements.order_by("stored", "id"), limit)


def indexed_statements_by_actors(
    *, agent_keys: Sequence[str], after_row_id: int, limit: int
) -> list[IndexedStatement]:
    """Statements whose actor is one of `agent_keys`, in every store, by row id."""
    statements = Statement.objects.filter(
        actor_hash__in=[lookup_hash(key) for key in agent_keys],
        actor_key__in=agent_keys,
        id__gt=after_row_id,
    )
    return _indexed(statements.order_by("id"), limit)


def activity_mentions(*, row_ids: Collection[int], activity_iris: Collection[str]) -> list[Mention]:
    """Those of these statements that mention one of `activity_iris` as a related
    activity (object, context activities, the same in a SubStatement: Communication
    §2.1.3), read off the index rows."""
    if not row_ids or not activity_iris:
        return []
    first, last = min(row_ids), max(row_ids)
    # The range lets the planner see how few rows these are even without statistics (a
    # list of 2,000 ids is estimated at the whole table). A batch read in stored order has
    # nearly consecutive ids: the range alone then finds them, and the few others in it
    # are dropped here, cheaper than sending and matching the list.
    rows = StatementActivity.objects.filter(
        statement_id__gte=first,
        statement_id__lte=last,
        activity_hash__in={lookup_hash(iri) for iri in activity_iris},
        activity_iri__in=activity_iris,
    ).values_list(
        "statement_id",
        "activity_iri",
        "statement__object_activity_iri",
        "statement__timestamp",
        "statement__payload__result__duration",
        "statement__payload__result__score__scaled",
    )
    wanted = set(row_ids)
    if last - first >= 2 * len(wanted):
        rows = rows.filter(statement_id__in=wanted)
    activities: dict[int, set[str]] = defaultdict(set)
    details: dict[int, tuple[str, datetime, Any, Any]] = {}
    for row_id, activity_iri, *detail in rows:
        if row_id not in wanted:
            continue
        activities[row_id].add(activity_iri)
        details[row_id] = tuple(detail)
    return [
        Mention(row_id, frozenset(activities[row_id]), *detail)
        for row_id, detail in details.items()
    ]


def statement_row_ids(*, organisation_id: int, statement_ids: Sequence[str]) -> dict[str, int]:
    """Row ids of the statements with these ids in one store."""
    rows = Statement.objects.filter(
        organisation_id=organisation_id, statement_id__in=statement_ids
    ).values_list("statement_id", "id")
    return {str(statement_id): row_id for statement_id, row_id in rows}


def _indexed(statements: QuerySet[Statement], limit: int) -> list[IndexedStatement]:
    return list(map(IndexedStatement._make, statements.values_list(*_INDEXED_FIELDS)[:limit]))
