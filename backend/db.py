"""Query helpers shared by the rooms."""

import copy
import time
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Expression, F, Q


class AnyOf(Expression):
    """`column = ANY(%s)` with the values as one array parameter (PostgreSQL): hundreds of
    values as IN parameters cost more to bind, quote and parse than the query takes to run."""

    output_field = BooleanField()

    def __init__(self, column: str, values: list[Any], sql_type: str) -> None:
        super().__init__()
        self.column: Any = F(column)
        self.values = values
        self.sql_type = sql_type

    def resolve_expression(self, *args: Any, **kwargs: Any) -> "AnyOf":
        resolved = copy.copy(self)
        resolved.column = self.column.resolve_expression(*args, **kwargs)
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        column, params = compiler.compile(self.column)
        return f"{column} = ANY(%s::{self.sql_type}[])", (*params, self.values)


def among(column: str, values: Iterable[Any], sql_type: str = "bigint") -> Q:
    """`column` is one of `values`: one array parameter on PostgreSQL, IN elsewhere.
    `sql_type` is the column's PostgreSQL type (`bigint`, `uuid`)."""
    values = sorted(values)
    if connection.vendor == "postgresql" and values:
        return Q(AnyOf(column, values, sql_type))
    return Q(**{f"{column}__in": values})


def copy_rows(cursor: Any, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """`COPY … FROM STDIN` of `rows` through psycopg 3 (PostgreSQL): one round trip, the
    values adapted in C. COPY bypasses Django's cursor wrapper, so its errors are translated
    here (callers rely on IntegrityError), and it is logged when queries are, so that query
    counts (django_assert_num_queries) stay honest."""
    started = time.monotonic()
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        elapsed = f"{time.monotonic() - started:.3f}"
        connection.queries_log.append({"sql": sql, "time": elapsed})
