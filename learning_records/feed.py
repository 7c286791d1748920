"""Reads of the statement log for projections (engagement/progress), in stored order.

Other rooms read statements through here, never through the tables.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from learning_records.models import Statement, lookup_hash

_FIELDS = ("id", "organisation_id", "statement_id", "stored", "voided", "payload")


@dataclass(frozen=True)
class LoggedStatement:
    row_id: int
    organisation_id: int
    statement_id: str
    stored: datetime
    voided: bool
    payload: dict[str, Any]


def statements_after(
    *, stored: datetime | None, row_id: int, until: datetime, limit: int
) -> list[LoggedStatement]:
    """The next `limit` statements after (stored, row_id), stored no later than `until`."""
    statements = Statement.objects.filter(stored__lte=until)
    if stored is not None:
        statements = statements.filter(Q(stored__gt=stored) | Q(stored=stored, id__gt=row_id))
    rows = statements.order_by("stored", "id").values_list(*_FIELDS)[:limit]
    return [_logged(row) for row in rows]


def statements_by_actors(
    *, agent_keys: Sequence[str], after_row_id: int, limit: int
) -> list[LoggedStatement]:
    """Statements whose actor is one of `agent_keys`, in every store, by row id."""
    rows = (
        Statement.objects.filter(
            actor_hash__in=[lookup_hash(key) for key in agent_keys],
            actor_key__in=agent_keys,
            id__gt=after_row_id,
        )
        .order_by("id")
        .values_list(*_FIELDS)[:limit]
    )
    return [_logged(row) for row in rows]


def statement_row_ids(*, organisation_id: int, statement_ids: Sequence[str]) -> dict[str, int]:
    """Row ids of the statements with these ids in one store."""
    rows = Statement.objects.filter(
        organisation_id=organisation_id, statement_id__in=statement_ids
    ).values_list("statement_id", "id")
    return {str(statement_id): row_id for statement_id, row_id in rows}


def _logged(row: tuple[Any, ...]) -> LoggedStatement:
    row_id, organisation_id, statement_id, stored, voided, payload = row
    return LoggedStatement(row_id, organisation_id, str(statement_id), stored, voided, payload)
