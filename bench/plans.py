"""PostgreSQL's plans for statement queries, as the LRS runs them.

Run by bench/run_query.py with DATABASE_URL naming the bench database; reads a JSON list
of {"kind", "key", "path"} on stdin and writes, for each, the SQL the request ran on the
statement tables with EXPLAIN (ANALYZE, BUFFERS) of each query, as JSON on stdout.

Each request goes through the real view with Django's test client; the SQL is captured
with an execute wrapper, so what is explained is exactly what learning_records.selectors
built, parameters included. The request is made once before it is captured, so the plans
are of a warm cache, as in the timed runs.
"""

import base64
import json
import re
import sys
from typing import Any

import django_setup  # noqa: F401  (first: Django is set up before the project is imported)
from django.db import connection
from django.test import Client
from psycopg import ClientCursor

SECRET = "bench-secret"  # noqa: S105  (a throw-away database's client)
STATEMENT_TABLES = re.compile(r"learning_records_statement(agent|activity)?\b")
SEQ_SCAN = re.compile(r"Seq Scan on (learning_records_statement\w*)")
INDEX = re.compile(
    r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
)


def captured_sql(key: str, path: str) -> list[tuple[str, Any]]:
    """The queries on the statement tables that one GET ran, with their parameters."""
    basic = base64.b64encode(f"{key}:{SECRET}".encode()).decode()
    headers = {"authorization": f"Basic {basic}", "x-experience-api-version": "1.0.3"}
    client = Client(headers=headers)
    if client.get(path).status_code != 200:
        raise RuntimeError(f"GET {path} failed")
    queries: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if STATEMENT_TABLES.search(sql):
            queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        client.get(path)
    return queries


def explained(sql: str, params: Any) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [line for (line,) in cursor.fetchall()]
    text = "\n".join(plan)
    return {
        "sql": _with_values(sql, params),
        "plan": plan,
        "seq_scans": sorted(set(SEQ_SCAN.findall(text))),
        "indexes": sorted(set(INDEX.findall(text))),
    }


def _with_values(sql: str, params: Any) -> str:
    """The SQL with its parameters in place, as psql would take it."""
    with ClientCursor(connection.connection) as cursor:
        return cursor.mogrify(sql, params)


def main() -> None:
    requests = json.load(sys.stdin)
    results = []
    for request in requests:
        captured = captured_sql(request["key"], request["path"])
        results.append({**request, "queries": [explained(*query) for query in captured]})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
