"""The statements of bench-query, stored through the LRS's own storage service.

Run by bench/run_query.py in a process of its own, with DATABASE_URL naming the kept
database (migrated and empty):

    .venv/bin/python bench/dataset.py --statements 1000000 --fingerprint F

Each organisation of bench/population.py gets an LRS client (key bench-<slug>, secret
bench-secret). Batches of 10,000 statements of one organisation each go through
parse_statements and statements_store, as a POST would, in two processes (each with its
own organisations), with a progress bar. Each batch is stored with the clock set back
(time-machine), so that stored times spread over the past year as though the traffic had
arrived over it; the statements' timestamps fall in the 3.65 days before. Last, the tables
are vacuumed and analysed, as autovacuum would have done by then, and the fingerprint is
written.
"""

import argparse
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context

import django_setup  # noqa: F401  (first: Django is set up before the project is imported)
import time_machine
from django.db import connection, connections
from population import ORGANISATIONS, Traffic

from engagement.network.services import organisation_get_or_create
from learning_records.models import LrsClient
from learning_records.services import lrs_client_create, statements_store
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion

BATCH_SIZE = 10_000
SECRET = "bench-secret"  # noqa: S105  (a throw-away database's client)
SPAN = timedelta(days=365)
PROCESSES = 2
SEED = 20_241_201


@dataclass(frozen=True)
class BatchTask:
    number: int
    slug: str
    stored_at: datetime
    window: timedelta


def client_key(slug: str) -> str:
    return f"bench-{slug}"


def create_clients() -> None:
    for lms in ORGANISATIONS:
        organisation, _ = organisation_get_or_create(name=lms.slug)
        if not LrsClient.objects.filter(key=client_key(lms.slug)).exists():
            lrs_client_create(
                organisation=organisation,
                name=f"{lms.slug} LMS",
                key=client_key(lms.slug),
                secret=SECRET,
            )


def batch_tasks(statements: int, now: datetime) -> list[BatchTask]:
    """Each organisation's share of the batches, interleaved in time as they would arrive."""
    batches = statements // BATCH_SIZE
    slots = sorted(
        ((i + 0.5) / count, slug) for slug, count in _shares(batches).items() for i in range(count)
    )
    window = SPAN / len(slots)
    start = now - SPAN
    return [
        BatchTask(number, slug, start + window * (number + 1), window)
        for number, (_, slug) in enumerate(slots)
    ]


def _shares(batches: int) -> dict[str, int]:
    """Batches per organisation, in proportion to its share, adding up to `batches`."""
    exact = {lms.slug: lms.share * batches for lms in ORGANISATIONS}
    counts = {slug: int(value) for slug, value in exact.items()}
    by_remainder = sorted(exact, key=lambda slug: counts[slug] - exact[slug])
    for slug in by_remainder[: batches - sum(counts.values())]:
        counts[slug] += 1
    return counts


def store_batch(task: BatchTask) -> int:
    lms = next(lms for lms in ORGANISATIONS if lms.slug == task.slug)
    client = LrsClient.objects.get(key=client_key(task.slug))
    traffic = Traffic(SEED + task.number, organisations=(lms,))
    statements = traffic.statements(BATCH_SIZE, task.stored_at, task.window)
    parsed = parse_statements(statements, version=XapiVersion.V1_0_3)
    with time_machine.travel(task.stored_at, tick=True):
        statements_store(client=client, statements=parsed, version=XapiVersion.V1_0_3)
    return len(parsed)


def progress_bar(done: int, total: int, started: float) -> str:
    elapsed = time.monotonic() - started
    rate = done / elapsed if elapsed else 0.0
    left = (total - done) / rate if rate else 0.0
    filled = round(30 * done / total)
    return (
        f"[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} statements, "
        f"{rate:,.0f}/s, {left / 60:.1f} min left"
    )


def finish(fingerprint: str) -> None:
    with connection.cursor() as cursor:
        for table in ("statement", "statementagent", "statementactivity"):
            cursor.execute(f"VACUUM (ANALYZE) learning_records_{table}")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_dataset (fingerprint text NOT NULL)")
        cursor.execute("DELETE FROM bench_dataset")
        cursor.execute("INSERT INTO bench_dataset VALUES (%s)", [fingerprint])


def lanes(tasks: list[BatchTask]) -> list[list[BatchTask]]:
    """The tasks split into PROCESSES lanes of whole organisations, about even in size, each
    run in order. Two batches of one organisation never run at once: when both add the same
    new activity, COPY's unique violation is not retried (see the benchmark's report)."""
    lanes: list[list[BatchTask]] = [[] for _ in range(PROCESSES)]
    for lms in sorted(ORGANISATIONS, key=lambda lms: -lms.share):
        lane = min(lanes, key=len)
        lane += [task for task in tasks if task.slug == lms.slug]
    return [sorted(lane, key=lambda task: task.number) for lane in lanes]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, required=True)
    parser.add_argument("--fingerprint", required=True)
    options = parser.parse_args()
    create_clients()
    tasks = batch_tasks(options.statements, datetime.now(tz=UTC))
    total = len(tasks) * BATCH_SIZE
    connections.close_all()  # each forked process opens its own
    started, done, lock = time.monotonic(), [0], threading.Lock()
    terminal = sys.stdout.isatty()

    def run_lane(pool: ProcessPoolExecutor, lane: list[BatchTask]) -> None:
        for task in lane:
            stored = pool.submit(store_batch, task).result()
            with lock:
                done[0] += stored
                line = progress_bar(done[0], total, started)
                print(f"\r{line}" if terminal else line, end="" if terminal else "\n", flush=True)

    with (
        ProcessPoolExecutor(PROCESSES, mp_context=get_context("fork")) as pool,
        ThreadPoolExecutor(PROCESSES) as submitters,
    ):
        for finished in [submitters.submit(run_lane, pool, lane) for lane in lanes(tasks)]:
            finished.result()
    print(f"\nStored {done[0]:,} statements in {(time.monotonic() - started) / 60:.1f} min.")
    finish(options.fingerprint)


if __name__ == "__main__":
    main()
