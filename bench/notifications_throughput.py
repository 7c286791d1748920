"""`make bench-notifications`: 10,000 e-mail notifications queued and handed to a loopback
SendGrid v3 mail/send, through the real dispatch path: real Celery worker processes (prefork)
against Redis run `notifications.dispatch` and its `notifications.deliver` tasks, which send
with anymail's SendGrid backend, on PostgreSQL.

Run: .venv/bin/python bench/notifications_throughput.py [--postgres URL] [--database NAME]
     [--redis URL] [--count N] [--concurrency N] [--no-doc]

A throw-away database (`kipina_bench_notify`, or --database) is made next to --postgres (or
DATABASE_URL, or the local server) and dropped afterwards. Redis is --redis (or REDIS_URL, or
redis://127.0.0.1:6379/0): its Celery queue is purged first. The people have no quiet hours
(the run may be at any hour; quiet hours would defer the lot to the morning) and one study
reminder each, so every notification is an e-mail that must go out. The bench process serves
the loopback (tests/sendgrid_loopback.py, the one the delivery tests use: it checks each
payload's shape and answers 202), kicks `notifications.dispatch` once, and waits until every
notification is settled. It replaces its section of docs/benchmarks.md.
"""

import argparse
import datetime as dt
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from machine import machine_summary
from processes import CpuMeter, postgres_pids
from report import Row, load_average, markdown_table, plain_table, section, write_doc
from server import throwaway_badge_key, throwaway_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.append(str(BASE_DIR))

from tests.sendgrid_loopback import FakeSendGrid  # noqa: E402  (needs BASE_DIR on the path)

TITLE = "Notifications throughput (PostgreSQL, Celery, loopback SendGrid)"
DATABASE = "kipina_bench_notify"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
COUNT = 10_000
CONCURRENCY = 4  # pool processes: a send waits on the database and the provider in turn
WAIT_SECONDS = 900
COMMAND = "make bench-notifications"


@dataclass(frozen=True)
class Result:
    count: int
    concurrency: int
    seconds_to_last_send: float  # the kick to the loopback's last request
    seconds_to_settled: float  # the kick to every notification settled in the database
    send_ms: list[float]  # per notification: the deliver call's start to the provider's answer
    received: int
    distinct_ids: int
    problems: int  # requests whose payload SendGrid would refuse
    connections: int  # TCP connections the loopback accepted
    statuses: dict[str, int]
    cpu: dict[str, float]  # seconds, by group of processes
    worker_peak_rss_mb: float  # the largest worker process
    worker_rss_total_mb: float  # all worker processes together, at the end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--redis", metavar="URL")
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--no-doc", action="store_true")
    options = parser.parse_args()
    postgres = options.postgres or os.environ.get("DATABASE_URL", "")
    postgres = (
        postgres if postgres.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES
    )
    redis_url = options.redis or os.environ.get("REDIS_URL") or DEFAULT_REDIS
    load_before = load_average()
    loopback = FakeSendGrid().start()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="kipina-notify-") as var_dir,
            throwaway_database(postgres, options.database) as database_url,
        ):
            assert database_url is not None
            env = _environment(database_url, redis_url, loopback.url, Path(var_dir), options.count)
            result = _measure(env, loopback, options, Path(var_dir))
    finally:
        loopback.close()
    text = doc_section(result, machine_summary(postgres), load_before, options, redis_url)
    print(text, flush=True)
    if not options.no_doc:
        write_doc({TITLE: text})
        print("Wrote its section to docs/benchmarks.md")


def _environment(
    database_url: str, redis_url: str, loopback_url: str, var_dir: Path, count: int
) -> dict[str, str]:
    """Production settings (DEBUG off) for this process and the workers alike."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "KIPINA_VAR_DIR": str(var_dir),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "KIPINA_BADGE_SIGNING_KEY": throwaway_badge_key(),
        "KIPINA_PUBLIC_URL": "https://kipina.example",
        "SENDGRID_API_KEY": "SG.loopback-bench-key",
        "SENDGRID_API_URL": loopback_url,
        # One dispatch run sends out the whole queue (the default 5,000 leaves the rest for
        # the beat's next run, 30 s later: that wait is not what is measured here).
        "KIPINA_NOTIFY_DISPATCH_LIMIT": str(count),
        "LOG_LEVEL": "WARNING",
    }
    return env


def _measure(
    env: dict[str, str], loopback: FakeSendGrid, options: argparse.Namespace, var_dir: Path
) -> Result:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    _queue(options.count)
    connections.close_all()
    from backend.celery import app

    app.control.purge()
    with _worker(env, options.concurrency, var_dir) as worker_pid:
        meter = CpuMeter(
            {
                "worker": lambda: _group(worker_pid),
                "postgres": lambda: postgres_pids(options.database)[0],
            }
        )
        meter.start()
        kicked = time.time()
        app.send_task("notifications.dispatch")
        settled_at = _wait_until_settled(options.count, kicked)
        meter.stop()
        rss = {pid: _rss_mb(pid, "VmHWM") for pid in _group(worker_pid)}
        total = sum(_rss_mb(pid, "VmRSS") for pid in _group(worker_pid))
    return _result(options, loopback, kicked, settled_at, meter, max(rss.values()), total)


def _queue(count: int) -> None:
    """`count` people without quiet hours, and one pending study reminder each."""
    from django.utils import timezone

    from engagement.network.models import Person
    from notifications.models import Notification, Preference

    people = Person.objects.bulk_create(
        [
            Person(
                given_name="Learner", family_name=f"{n:05d}", email=f"learner{n:05d}@bench.example"
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    midnight = dt.time(0, 0)  # equal times: no quiet hours
    Preference.objects.bulk_create(
        [Preference(person=p, quiet_from=midnight, quiet_until=midnight) for p in people],
        batch_size=5000,
    )
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                person=person,
                topic="study_reminders",
                template="come_back",
                context={"kind": "inactive", "reasons": ["no activity for 7 days"]},
                idempotency_key=f"bench:{person.pk}",
                not_before=now,
            )
            for person in people
        ],
        batch_size=5000,
    )


@contextmanager
def _worker(env: dict[str, str], concurrency: int, var_dir: Path) -> Iterator[int]:
    """A prefork Celery worker (the main process and `concurrency` pool children), ready."""
    from backend.celery import app

    command = [
        sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "prefork",
        "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    log = (var_dir / "worker.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the worker did not start:\n{_tail(var_dir / 'worker.log')}")
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _wait_until_settled(count: int, kicked: float) -> float:
    """When no notification is left pending or claimed (time.time())."""
    from notifications.models import Notification

    waiting = Notification.objects.exclude(status__in=["sent", "failed", "dropped"])
    deadline = kicked + WAIT_SECONDS
    while time.time() < deadline:
        if not waiting.exists():
            return time.time()
        time.sleep(0.1)
    raise RuntimeError(f"{waiting.count()} of {count:,} notifications still waiting")


def _result(
    options: argparse.Namespace,
    loopback: FakeSendGrid,
    kicked: float,
    settled_at: float,
    meter: CpuMeter,
    peak_rss: float,
    total_rss: float,
) -> Result:
    from django.db.models import Count

    from notifications.models import DeliveryAttempt, Notification

    received = list(loopback.received)
    send_ms = [
        (finished - started).total_seconds() * 1000
        for started, finished in DeliveryAttempt.objects.values_list("started_at", "finished_at")
        if finished is not None
    ]
    statuses = dict(Notification.objects.values_list("status").annotate(n=Count("id")))
    return Result(
        count=options.count,
        concurrency=options.concurrency,
        seconds_to_last_send=max(r.at for r in received) - kicked if received else 0.0,
        seconds_to_settled=settled_at - kicked,
        send_ms=send_ms,
        received=len(received),
        distinct_ids=len({r.kipina_id for r in received}),
        problems=sum(1 for r in received if r.problems),
        connections=loopback.connections,
        statuses=statuses,
        cpu={**meter.used, "bench process (loopback server)": meter.own_seconds},
        worker_peak_rss_mb=peak_rss,
        worker_rss_total_mb=total_rss,
    )


def _group(leader: int) -> list[int]:
    """The worker's main process and its pool children."""
    found = [leader]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == leader:
            found.append(int(stat.parent.name))
    return found


def _rss_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --- The report ----------------------------------------------------------------------------------


def doc_section(
    result: Result, machine: str, load_before: str, options: argparse.Namespace, redis_url: str
) -> str:
    rate = result.received / result.seconds_to_last_send if result.seconds_to_last_send else 0.0
    p50, p95 = _percentiles(result.send_ms)
    per_thousand = {name: seconds / (result.count / 1000) for name, seconds in result.cpu.items()}
    command = COMMAND
    if (options.count, options.concurrency) != (COUNT, CONCURRENCY):
        command = (
            f"python bench/notifications_throughput.py --count {options.count} "
            f"--concurrency {options.concurrency}"
        )
    exact = result.received == result.count == result.distinct_ids
    rows = [
        Row(("e-mails handed to the provider, end to end (the dispatch kick to the loopback's "
             "last request)", f"{rate:,.0f} e-mails/s ({result.seconds_to_last_send:.1f} s)",
             ""), None),
        Row(("every notification settled in the database", f"{result.seconds_to_settled:.1f} s",
             ""), None),
        Row(("per send: the deliver call's start to the provider's answer (attempt rows), "
             "p50 / p95", f"{p50:.1f} / {p95:.1f} ms", ""), None),
        Row(("requests the loopback received / distinct kipina_ids",
             f"{result.received:,} / {result.distinct_ids:,}", f"{result.count:,} / "
             f"{result.count:,}"), exact),
        Row(("requests with a payload SendGrid would refuse", f"{result.problems}", "0"),
            result.problems == 0),
        Row(("notifications by status", ", ".join(f"{k} {v:,}" for k, v in
             sorted(result.statuses.items())), f"sent {result.count:,}"),
            result.statuses == {"sent": result.count}),
        Row(("TCP connections the loopback accepted (one per deliver task: its batch shares "
             "one)", f"{result.connections:,}", ""), None),
    ]  # fmt: skip
    cpu = plain_table(
        ("processes", "CPU seconds", "CPU seconds per 1,000 e-mails"),
        [(name, f"{seconds:.1f}", f"{per_thousand[name]:.2f}") for name, seconds in
         result.cpu.items()],
    )  # fmt: skip
    conditions = (
        f"Command: `{command}`. Load average {load_before} before, {load_average()} after. "
        f"{result.count:,} people without quiet hours, one pending study reminder each "
        f"(template `come_back`), on PostgreSQL (a throw-away database); one Celery worker "
        f"(prefork, {result.concurrency} pool processes, production settings) on Redis "
        f"({_shown(redis_url)}) ran one `notifications.dispatch` (kicked by the bench) and its "
        f"{-(-result.count // 10):,} `notifications.deliver` tasks of 10; anymail's SendGrid "
        f"backend posted to the loopback (`tests/sendgrid_loopback.py`, served by the bench "
        f"process: it checks each payload's shape and answers 202). Peak resident memory of "
        f"the largest worker process {result.worker_peak_rss_mb:.0f} MB; all worker processes "
        f"together {result.worker_rss_total_mb:.0f} MB at the end."
    )
    total = sum(per_thousand.values())
    cores = os.cpu_count() or 1
    ceiling = (
        f"These processes took {total:.1f} CPU seconds per 1,000 e-mails in all, so the "
        f"machine's {cores} cores could hand over at most about {1000 * cores / total:,.0f} "
        f"e-mails/s if nothing else ran (arithmetic, not a measurement). The measured rate is "
        f"below that when the load average is above the number of cores: other work had its "
        f"share of the CPU."
    )
    return section(
        TITLE,
        machine,
        [conditions, markdown_table(("measure", "result", "target"), rows), cpu, ceiling],
    )


def _percentiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94]


def _shown(url: str) -> str:
    return url.split("@")[-1]


if __name__ == "__main__":
    main()
