"""Bulk upserts of the projection's rows without the ORM's per-row overhead.

Every batch of statements writes thousands of fact and progress rows; bulk_create spent
more of the projector's time building model objects and SQL for them than the database
spent storing them (bench/projection.py). Here rows are tuples: PostgreSQL takes them
with COPY (through a temporary table, for the conflict clause), SQLite with executemany.
Callers hold the transaction.
"""

import zlib
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

from backend.db import copy_rows


def rows_upsert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    conflict: Sequence[str] = (),
    assignments: Sequence[str] = (),
) -> None:
    """INSERT `rows` (values of `fields`, in order); a row that conflicts over `conflict`
    runs the `assignments` instead (SQL, see `replaced`), or is skipped without them."""
    if not rows:
        return
    name = model._meta.db_table
    table = connection.ops.quote_name(name)
    meta = [_field(model, name) for name in fields]
    columns = ", ".join(_column(field) for field in meta)
    if assignments:
        targets = ", ".join(_column(_field(model, name)) for name in conflict)
        on_conflict = f"ON CONFLICT ({targets}) DO UPDATE SET {', '.join(assignments)}"
    else:
        on_conflict = "ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One staging table per table and column list.
            stage = connection.ops.quote_name(f"stage_{name}_{zlib.crc32(columns.encode()):08x}")
            _copy_upsert(cursor, table, stage, columns, rows, on_conflict)
            return
        marks = ", ".join(["%s"] * len(fields))
        adapters = [_sqlite_adapter(field) for field in meta]
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) {on_conflict}",  # noqa: S608
            [
                tuple(
                    value if adapt is None or value is None else adapt(value)
                    for adapt, value in zip(adapters, row, strict=True)
                )
                for row in rows
            ],
        )


def _copy_upsert(
    cursor: Any,
    table: str,
    stage: str,
    columns: str,
    rows: Sequence[tuple[Any, ...]],
    on_conflict: str,
) -> None:
    """COPY the rows into a temporary table, then INSERT them from it: COPY adapts the
    values in C, and COPY alone cannot skip or update conflicting rows."""
    # Made once a session (DDL costs the database more than the COPY); emptied at commit,
    # and here too, for a second upsert into the same table in one transaction.
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT {columns} FROM {table} WITH NO DATA"
    )
    copy_rows(cursor, f"COPY {stage} ({columns}) FROM STDIN", rows)
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} {on_conflict}"  # noqa: S608
    )
    cursor.execute(f"DELETE FROM {stage}")  # noqa: S608


def replaced(model: type[models.Model], *fields: str) -> list[str]:
    """Assignments that take the inserted row's values of `fields` on a conflict."""
    columns = [_column(_field(model, name)) for name in fields]
    return [f"{column} = EXCLUDED.{column}" for column in columns]


def _field(model: type[models.Model], name: str) -> "models.Field[Any, Any]":
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _column(field: "models.Field[Any, Any]") -> str:
    return connection.ops.quote_name(str(field.column))


def _sqlite_adapter(field: "models.Field[Any, Any]") -> Callable[[Any], Any] | None:
    # How Django's SQLite backend stores datetimes (naive UTC text): the ORM must find these
    # rows again with its own lookups.
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    return None
