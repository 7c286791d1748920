"""Bulk writes of statements and their index rows, without the ORM's per-row overhead.

A 10,000-statement batch is about 70,000 rows. Django's bulk_create spends most of its time
building model objects and SQL in Python (bench/ measured 5 of 7 seconds); here rows are
tuples, PostgreSQL takes them with COPY and SQLite with executemany. Callers hold the
transaction; everything written here commits or rolls back with the batch.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from backend.db import copy_rows
from learning_records.jsontext import json_text
from learning_records.models import Activity, Statement, StatementActivity, StatementAgent

_STATEMENT_COLUMNS = (
    "id",
    "organisation_id",
    "client_id",
    "statement_id",
    "payload",
    "verb_iri",
    "verb_hash",
    "actor_key",
    "actor_hash",
    "object_activity_iri",
    "object_statement_id",
    "registration",
    "timestamp",
    "stored",
    "voided",
)
_AGENT_COLUMNS = (
    "statement_id",
    "organisation_id",
    "agent_key",
    "agent_hash",
    "related_only",
    "stored",
)
_ACTIVITY_COLUMNS = (
    "statement_id",
    "organisation_id",
    "activity_iri",
    "activity_hash",
    "related_only",
    "stored",
)


@dataclass(frozen=True)
class StatementRow:
    organisation_id: int
    client_id: int | None
    statement_id: str
    payload: dict[str, Any]
    verb_iri: str
    verb_hash: int
    actor_key: str
    actor_hash: int | None
    object_activity_iri: str
    object_statement_id: str | None
    registration: str | None
    timestamp: datetime
    stored: datetime


@dataclass(frozen=True)
class IndexRow:
    """An agent or activity a statement mentions; `position` is the statement's place in
    the batch (its row id is only known once the statements are written)."""

    position: int
    key: str
    key_hash: int
    related_only: bool


def statements_insert(
    rows: Sequence[StatementRow], agents: Sequence[IndexRow], activities: Sequence[IndexRow]
) -> list[int]:
    """Write the statements and their index rows; return the statements' row ids in order."""
    if not rows:
        return []
    ids = _new_ids(len(rows))
    statements = [
        (
            row_id,
            row.organisation_id,
            row.client_id,
            row.statement_id,
            _json(row.payload),
            row.verb_iri,
            row.verb_hash,
            row.actor_key,
            row.actor_hash,
            row.object_activity_iri,
            row.object_statement_id,
            row.registration,
            row.timestamp,
            row.stored,
            False,
        )
        for row_id, row in zip(ids, rows, strict=True)
    ]
    _insert(Statement._meta.db_table, _STATEMENT_COLUMNS, statements, _STATEMENT_ADAPTERS)
    for table, columns, index_rows in (
        (StatementAgent._meta.db_table, _AGENT_COLUMNS, agents),
        (StatementActivity._meta.db_table, _ACTIVITY_COLUMNS, activities),
    ):
        index_tuples = [_index_tuple(ids, rows, r) for r in index_rows]
        _insert(table, columns, index_tuples, _INDEX_ADAPTERS)
    return ids


def activities_insert(
    organisation_id: int,
    definitions: Mapping[str, dict[str, Any]],
    identities: Mapping[str, str],
    now: datetime,
) -> None:
    """New canonical activities (xAPI §2.5): their iri, identity hash and definition."""
    rows = [
        (organisation_id, identities[iri], iri, _json(definition), now)
        for iri, definition in definitions.items()
    ]
    columns = ("organisation_id", "identity", "activity_iri", "definition", "updated")
    _insert(Activity._meta.db_table, columns, rows, {"updated": _naive_utc})


def _json(value: Any) -> str:
    return json_text(value)


def _index_tuple(
    ids: Sequence[int], rows: Sequence[StatementRow], index_row: IndexRow
) -> tuple[Any, ...]:
    statement = rows[index_row.position]
    return (
        ids[index_row.position],
        statement.organisation_id,
        index_row.key,
        index_row.key_hash,
        index_row.related_only,
        statement.stored,
    )


def _new_ids(count: int) -> list[int]:
    table = Statement._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row_id for (row_id,) in cursor.fetchall()]
        # SQLite: the batch holds the database's only write lock (IMMEDIATE transactions),
        # so no one else can take these ids. sqlite_sequence remembers ids of deleted rows,
        # which AUTOINCREMENT never hands out again; neither do we.
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT MAX(id) FROM "  # noqa: S608  (our own table name)
            f"{table}), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
        return list(range(last + 1, last + 1 + count))


def _insert(
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    sqlite_adapters: Mapping[str, Callable[[Any], Any]],
) -> None:
    if not rows:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A statement id that is already stored raises IntegrityError from the COPY.
            copy_rows(cursor, f"COPY {table} ({names}) FROM STDIN", rows)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        adapt = [sqlite_adapters.get(column) for column in columns]
        cursor.executemany(
            sql,
            [
                tuple(
                    value if f is None or value is None else f(value)
                    for f, value in zip(adapt, row, strict=True)
                )
                for row in rows
            ],
        )


def _uuid_hex(value: str) -> str:
    return uuid.UUID(value).hex


def _naive_utc(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


# How Django's SQLite backend stores these columns (UUIDs as 32 hex digits, datetimes as
# naive UTC text): the ORM must find these rows again with its own lookups.
_STATEMENT_ADAPTERS: dict[str, Callable[[Any], Any]] = {
    "statement_id": _uuid_hex,
    "object_statement_id": _uuid_hex,
    "registration": _uuid_hex,
    "timestamp": _naive_utc,
    "stored": _naive_utc,
}
_INDEX_ADAPTERS: dict[str, Callable[[Any], Any]] = {"stored": _naive_utc}
