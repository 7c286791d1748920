import signal
from argparse import ArgumentParser, ArgumentTypeError
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from backend.demo import seed
from backend.demo.engagement import LEARNER_GOAL_DAYS, demo_engagement, demo_study_plan_seed
from backend.demo.events import demo_events_seed
from backend.demo.membership import demo_membership_seed
from backend.demo.needs import demo_needs_seed
from backend.demo.network import NETWORK_ADMIN
from backend.demo.progress import demo_progress
from backend.demo.replay import ReplayError, demo_replay, latest_stored, remote_lrs, replay_day
from backend.demo.server import DemoServer, ServerError
from backend.demo.traffic import HELSINKI, MIN_SIZE
from engagement.network.interchange import ImportRefused, ImportResult

DEFAULT_SEED = 2025
DEFAULT_SIZE = 400


def _unmigrated() -> bool:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _size(raw: str) -> int:
    if not raw.isdigit() or int(raw) < MIN_SIZE:
        raise ArgumentTypeError(f"must be a whole number of at least {MIN_SIZE}, not {raw!r}")
    return int(raw)


class Command(BaseCommand):
    help = (
        "Seed a demo network, start the web server, replay eight weeks of LMS traffic through "
        "the live xAPI endpoint with the tincan client, verify it, project it into learner "
        "progress, and keep serving."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--exit-after-replay",
            action="store_true",
            help="stop the server and exit after replay and verification (CI)",
        )
        parser.add_argument(
            "--statements",
            type=_size,
            default=DEFAULT_SIZE,
            metavar="N",
            help="statements to replay (another N or seed is another stream, stored beside it)",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="random seed (fixed: reproducible)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if _unmigrated():
            raise CommandError(
                "The database is not migrated: run manage.py migrate (make demo does)."
            )
        # `kill` (SIGTERM) stops the demo like Ctrl-C does, so the server child goes too.
        signal.signal(signal.SIGTERM, _interrupt)
        server = DemoServer(options["host"], options["port"], settings.BASE_DIR, self.stdout.write)
        try:
            self._say_seed(seed.demo_seed())
            self.stdout.write(demo_membership_seed())
            self.stdout.write(demo_needs_seed(today=timezone.localdate()))
            self.stdout.write(demo_events_seed(now=timezone.now()))
            with server:
                self._run(server, options)
        except (ServerError, ReplayError) as error:
            raise CommandError(str(error)) from None
        except ImportRefused as refused:
            problems = "\n".join(f"  {problem}" for problem in refused.problems)
            raise CommandError(f"The demo network was refused by the import:\n{problems}") from None
        except KeyboardInterrupt:
            self.stdout.write("\nStopped the web server.")

    def _run(self, server: DemoServer, options: dict[str, Any]) -> None:
        ready = server.wait_ready()
        self.stdout.write(f"Started the web server at {server.url} (ready in {ready:.1f} s).")
        lrs = remote_lrs(f"{server.url}xapi/", seed.CLIENT_KEY, seed.CLIENT_SECRET)
        today = timezone.now().astimezone(HELSINKI).date()
        size, random_seed = options["statements"], options["seed"]
        day = replay_day(lrs, seed=random_seed, size=size, today=today)
        if day != today:
            self.stdout.write(
                f"This store holds the replay anchored to {day.isoformat()}; "
                "sending that same stream."
            )
        self._say_import("Enrolled the learners", seed.demo_enrolments_seed(day=day))
        demo_replay(lrs, seed=random_seed, size=size, day=day, say=self.stdout.write)
        demo_progress(newest_stored=latest_stored(lrs), today=today, say=self.stdout.write)
        self._say_engagement()
        self._say_where(server.url)
        if options["exit_after_replay"]:
            self.stdout.write("Stopping the web server (--exit-after-replay).")
            return
        self.stdout.write("Ctrl-C to stop. The server's request log follows.")
        server.echo()
        code = server.wait()
        raise CommandError(f"The web server stopped by itself (exit code {code}).")

    def _say_engagement(self) -> None:
        learner = next(login for login in seed.DASHBOARD_LOGINS if login.role == "learner")
        planned = demo_study_plan_seed(email=seed.login_email(learner))
        run = demo_engagement(now=timezone.now())
        self.stdout.write(
            f"Ran the engagement rules ({run.rules_created} made now): {run.events} progress "
            f"events and a sweep of {run.candidates} learners; {run.decisions} decisions "
            f"stored in all, {run.held_out} of them held out to measure the rules."
        )
        self.stdout.write(
            f"  {run.queued} new notifications queued for them (the demo runs no Celery "
            "worker, so they wait: `make demo` is the web site alone)."
        )
        if planned:
            self.stdout.write(
                f"  {learner.name} set a weekly goal of studying on {LEARNER_GOAL_DAYS} days."
            )

    def _say_import(self, done: str, result: ImportResult) -> None:
        counts = {kind: sum(outcomes.values()) for kind, outcomes in result.counts.items()}
        rows = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items())
        created = sum(outcomes["created"] for outcomes in result.counts.values())
        updated = sum(outcomes["updated"] for outcomes in result.counts.values())
        changes = (
            f"{created} created, {updated} updated" if created or updated else "all already there"
        )
        self.stdout.write(f"{done} (network import, {result.rows} rows: {changes}):")
        self.stdout.write(f"  {rows}")

    def _say_seed(self, made: seed.DemoSeed) -> None:
        database = settings.DATABASES["default"]
        where = database["NAME"] if database["ENGINE"].endswith("sqlite3") else database["ENGINE"]
        self._say_import(f"Seeded the demo network in {where}", made.directory)
        secret = (
            "created" if made.client_created else "already there, secret reset to the demo secret"
        )
        self.stdout.write(f"  LRS client {made.client.key} of {made.provider}: {secret}")
        self.stdout.write(
            f"  superuser {seed.ADMIN_USERNAME!r}: "
            + _login_state(made.admin_created, seed.ADMIN_PASSWORD)
        )
        self.stdout.write(
            f"  network administrator {seed.NETWORK_ADMIN_USERNAME!r} ({NETWORK_ADMIN.name}): "
            + _login_state(made.network_admin_created, seed.NETWORK_ADMIN_PASSWORD)
        )
        for login, created in made.dashboard_logins:
            self.stdout.write(
                f"  {login.role} {login.username!r} ({login.name}): "
                + _login_state(created, login.password)
            )

    def _say_where(self, url: str) -> None:
        key, secret = seed.CLIENT_KEY, seed.CLIENT_SECRET
        self.stdout.write("")
        self.stdout.write(f"Kipinä demo at {url}")
        self.stdout.write(f"  xAPI endpoint  {url}xapi/  key {key}  secret {secret}")
        self.stdout.write(
            f"  admin site     {url}admin/  user {seed.ADMIN_USERNAME}  password "
            f"{seed.ADMIN_PASSWORD} (demo only)"
        )
        self.stdout.write(
            f"                 or user {seed.NETWORK_ADMIN_USERNAME}  password "
            f"{seed.NETWORK_ADMIN_PASSWORD} (the network administrator; demo only)"
        )
        self.stdout.write(f"  dashboards     log in at {url}accounts/login/ as one of")
        for login in seed.DASHBOARD_LOGINS:
            self.stdout.write(
                f"    {login.role:<22} user {login.username:<9} password {login.password:<9}"
                f" {url}{login.dashboard.lstrip('/')}  ({login.name}; demo only)"
            )
        self.stdout.write(f"  progress       {url}admin/progress/enrolmentprogress/")
        self.stdout.write(f"  unmatched      {url}admin/progress/unmatchedagent/")
        self.stdout.write(f"  directory      {url}admin/network/  and  {url}api/network/")
        self.stdout.write(f"  catalogue      {url}catalogue/")
        self.stdout.write(f"  API docs       {url}api/docs/")
        self.stdout.write(
            f"  try            curl -u {key}:{secret} -H 'X-Experience-API-Version: 1.0.3' "
            f"'{url}xapi/statements?limit=5'"
        )


def _login_state(created: bool, password: str) -> str:
    if created:
        return f"created with password {password!r} (for this demo only)"
    return "already there, password unchanged"
