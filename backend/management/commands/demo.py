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
from backend.demo.replay import ReplayError, demo_replay, remote_lrs
from backend.demo.server import DemoServer, ServerError
from backend.demo.traffic import HELSINKI, MIN_SIZE

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
        "the live xAPI endpoint with the tincan client, verify it, and keep serving."
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
        self._say_seed(seed.demo_seed())
        # `kill` (SIGTERM) stops the demo like Ctrl-C does, so the server child goes too.
        signal.signal(signal.SIGTERM, _interrupt)
        server = DemoServer(options["host"], options["port"], settings.BASE_DIR, self.stdout.write)
        try:
            with server:
                self._run(server, options)
        except (ServerError, ReplayError) as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            self.stdout.write("\nStopped the web server.")

    def _run(self, server: DemoServer, options: dict[str, Any]) -> None:
        ready = server.wait_ready()
        self.stdout.write(f"Started the web server at {server.url} (ready in {ready:.1f} s).")
        lrs = remote_lrs(f"{server.url}xapi/", seed.CLIENT_KEY, seed.CLIENT_SECRET)
        today = timezone.now().astimezone(HELSINKI).date()
        size, random_seed = options["statements"], options["seed"]
        demo_replay(lrs, seed=random_seed, size=size, today=today, say=self.stdout.write)
        self._say_where(server.url)
        if options["exit_after_replay"]:
            self.stdout.write("Stopping the web server (--exit-after-replay).")
            return
        self.stdout.write("Ctrl-C to stop. The server's request log follows.")
        server.echo()
        code = server.wait()
        raise CommandError(f"The web server stopped by itself (exit code {code}).")

    def _say_seed(self, made: seed.DemoSeed) -> None:
        def state(created: bool) -> str:
            return "created" if created else "already there"

        database = settings.DATABASES["default"]
        where = database["NAME"] if database["ENGINE"].endswith("sqlite3") else database["ENGINE"]
        self.stdout.write(f"Seeded the demo network in {where}:")
        self.stdout.write(f"  organisation {made.network} (network): {state(made.network_created)}")
        self.stdout.write(
            f"  organisation {made.provider} (provider): {state(made.provider_created)}"
        )
        secret = (
            "created" if made.client_created else "already there, secret reset to the demo secret"
        )
        self.stdout.write(f"  LRS client {made.client.key} of {made.provider}: {secret}")
        admin = (
            f"created with password {seed.ADMIN_PASSWORD!r} (for this demo only)"
            if made.admin_created
            else "already there, password unchanged"
        )
        self.stdout.write(f"  superuser {seed.ADMIN_USERNAME!r}: {admin}")

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
            f"  try            curl -u {key}:{secret} -H 'X-Experience-API-Version: 1.0.3' "
            f"'{url}xapi/statements?limit=5'"
        )
