"""The physical limit of ingest on this machine: the rows the LRS wrote, COPYed again.

The rows are read back from the LRS's own tables (the statements stored during the
sustained run, with their agent and activity index rows) and COPYed from this process
with psycopg into tables made with `CREATE TABLE ... (LIKE <table> INCLUDING ALL)`: the
same columns, defaults, NOT NULL and CHECK constraints and every index, but no foreign
keys (LIKE copies none). The statement rows keep the ids the LRS gave them; index rows get
theirs from their identity column, as the LRS's do. One more run adds the LRS's foreign
keys, to tell what they cost. What the LRS does besides is not here: HTTP, JSON parsing,
validation, taking row ids from the sequence, the look-ups for voiding, the canonical
activity definitions (learning_records_activity), and the Django request around it.
"""

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from processes import CpuMeter, postgres_pids

# The LRS's tables, and the columns it writes (learning_records.bulk).
TABLES = (
    "learning_records_statement",
    "learning_records_statementagent",
    "learning_records_statementactivity",
)
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Batch:
    """The rows of a run of statements: one tuple list per table of TABLES."""

    statements: int
    rows: tuple[list[Row], ...]


@dataclass(frozen=True)
class CopyRun:
    statements: int
    rows: int
    seconds: float
    cpu: CpuMeter

    @property
    def statements_per_second(self) -> float:
        return self.statements / self.seconds


def stored_batches(url: str, after_row_id: int, batch_size: int) -> list[Batch]:
    """The statements with row ids above `after_row_id` and their index rows, in batches of
    `batch_size` statements in row id order."""
    with psycopg.connect(url) as connection:
        columns = {table: _columns(connection, table) for table in TABLES}
        statements = _rows(connection, TABLES[0], columns[TABLES[0]], "id", after_row_id)
        index_rows = [
            _by_statement(
                _rows(connection, table, columns[table], "statement_id", after_row_id),
                columns[table].index("statement_id"),
            )
            for table in TABLES[1:]
        ]
    batches = []
    for start in range(0, len(statements), batch_size):
        chunk = statements[start : start + batch_size]
        ids = [row[0] for row in chunk]
        rows = [[r for i in ids for r in by_id.get(i, [])] for by_id in index_rows]
        batches.append(Batch(len(chunk), (chunk, *rows)))
    return batches


def _columns(connection: psycopg.Connection[Any], table: str) -> list[str]:
    """The columns the LRS writes: all of them, but the index rows' own id."""
    names = connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    keep_id = table == TABLES[0]
    return [name for (name,) in names if keep_id or name != "id"]


def _rows(
    connection: psycopg.Connection[Any], table: str, columns: list[str], key: str, after: int
) -> list[Row]:
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {key} > %s ORDER BY {key}"  # noqa: S608
    payload = columns.index("payload") if "payload" in columns else None
    rows = []
    for row in connection.execute(sql, [after]):
        if payload is not None:
            # As learning_records.bulk sends it: compact JSON text.
            text = json.dumps(row[payload], ensure_ascii=False, separators=(",", ":"))
            row = (*row[:payload], text, *row[payload + 1 :])
        rows.append(row)
    return rows


def _by_statement(rows: list[Row], statement: int) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[statement], []).append(row)
    return grouped


def prepare_tables(url: str, *, foreign_keys: bool = False) -> list[str]:
    """Empty `bench_copy_*` tables shaped like the LRS's; their names, in TABLES order.
    With `foreign_keys`, the LRS's foreign keys too (deferred to commit, as Django makes
    them), those of the index rows pointing at the copy of the statements."""
    names = [table.replace("learning_records_", "bench_copy_") for table in TABLES]
    with psycopg.connect(url, autocommit=True) as connection:
        for name in reversed(names):
            connection.execute(f"DROP TABLE IF EXISTS {name}")
        for name, table in zip(names, TABLES, strict=True):
            connection.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING ALL)")
            for key in _foreign_keys(connection, table) if foreign_keys else ():
                key = key.replace(f"REFERENCES {TABLES[0]}(", f"REFERENCES {names[0]}(")
                connection.execute(f"ALTER TABLE {name} ADD {key}")
    return names


def _foreign_keys(connection: psycopg.Connection[Any], table: str) -> list[str]:
    rows = connection.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    ).fetchall()
    return [definition for (definition,) in rows]


def copy_concurrently(
    url: str, database: str, batches: Sequence[Batch], clients: int, *, foreign_keys: bool = False
) -> CopyRun:
    """Every batch COPYed in its own transaction (committed like a request's), `clients`
    connections at a time."""
    tables = prepare_tables(url, foreign_keys=foreign_keys)
    columns = _copy_columns(url)
    pending: Iterator[Batch] = iter(batches)
    lock = threading.Lock()

    def client(connection: psycopg.Connection[Any]) -> None:
        while True:
            with lock:
                batch = next(pending, None)
            if batch is None:
                return
            with connection.transaction():
                _copy(connection, tables, columns, batch)

    # Connected before and closed after the measurement, so that the meter sees the
    # backends through to the end.
    connections = [psycopg.connect(url) for _ in range(clients)]
    meter = _meter(database)
    threads = [threading.Thread(target=client, args=[c]) for c in connections]
    started = time.perf_counter()
    meter.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    meter.stop()
    for connection in connections:
        connection.close()
    return CopyRun(_count(batches), _rows_in(batches), seconds, meter)


def copy_at_once(url: str, database: str, batches: Sequence[Batch]) -> CopyRun:
    """All rows in one transaction from one connection: one COPY per table."""
    tables = prepare_tables(url)
    columns = _copy_columns(url)
    whole = Batch(
        _count(batches),
        tuple([row for batch in batches for row in batch.rows[i]] for i in range(len(TABLES))),
    )
    meter = _meter(database)
    with psycopg.connect(url) as connection:
        connection.execute("SELECT 1")
        started = time.perf_counter()
        meter.start()
        with connection.transaction():
            _copy(connection, tables, columns, whole)
        seconds = time.perf_counter() - started
        meter.stop()
    return CopyRun(whole.statements, _rows_in(batches), seconds, meter)


def _copy_columns(url: str) -> list[list[str]]:
    with psycopg.connect(url) as connection:
        return [_columns(connection, table) for table in TABLES]


def _copy(
    connection: psycopg.Connection[Any], tables: list[str], columns: list[list[str]], batch: Batch
) -> None:
    with connection.cursor() as cursor:
        for table, names, rows in zip(tables, columns, batch.rows, strict=True):
            with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def _meter(database: str) -> CpuMeter:
    return CpuMeter(
        {
            "postgres backends": lambda: postgres_pids(database)[0],
            "postgres background": lambda: postgres_pids(database)[1],
        }
    )


def _count(batches: Sequence[Batch]) -> int:
    return sum(batch.statements for batch in batches)


def _rows_in(batches: Sequence[Batch]) -> int:
    return sum(len(rows) for batch in batches for rows in batch.rows)
