"""Where a POST of 100 statements spends the web worker's time, on PostgreSQL.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
         .venv/bin/python bench/profile_ingest.py [--batches 100]

Stores batches of 100 statements of bench/population.py through the real view (Django's
test client, production settings) into a throw-away `kipina_bench_profile` database, first
without and then under cProfile, and prints the worker's CPU per 1,000 statements and the
share of the main steps. cProfile slows Python down about twofold and not evenly, so the
shares are a guide to where the time goes, not a measurement of it.
"""

import base64
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest import compact_json
from options import postgres_parser, postgres_url
from population import ORGANISATIONS, Traffic
from server import BASE_DIR, manage, server_env, throwaway_database

DATABASE = "kipina_bench_profile"
# (label, the function's file and name as pstats prints them)
STEPS = (
    ("the whole request (Django's handler)", "views.py", "dispatch"),
    ("validation: parse_statements", "validate.py", "parse_statements"),
    ("  of which the null and depth walk", "validate.py", "null_and_depth_problems"),
    ("statements_store", "services.py", "statements_store"),
    ("  of which COPY of statements and index rows", "bulk.py", "statements_insert"),
    ("  of which canonical activities", "services.py", "_activities_define"),
    ("  of which index keys", "index.py", "statement_keys"),
    ("  of which the commit", "base.py", "commit"),
    ("waiting for PostgreSQL (psycopg's wait)", "connection.py", "wait"),
)


def main() -> None:
    parser = postgres_parser(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--batches", type=int, default=100)
    options = parser.parse_args()
    with throwaway_database(postgres_url(options), DATABASE) as database_url:
        env = server_env(Path(tempfile.gettempdir()), database_url)
        manage(env, "migrate", "-v0")
        client = ("Profile", "--organisation", "Profile", "--key", "profile")
        manage(env, "create_lrs_client", *client, "--secret", "profile-secret")
        os.environ.update(env | {"DJANGO_ALLOWED_HOSTS": "testserver"})
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
        sys.path.insert(0, str(BASE_DIR))
        _profile(options.batches)


def _profile(batches: int) -> None:
    import django

    django.setup()
    from django.test import Client

    traffic = Traffic(random.randrange(10**9), organisations=ORGANISATIONS[:1])
    now = datetime.now(UTC)
    bodies = [
        compact_json(traffic.statements(100, now, timedelta(days=90)))
        for _ in range(2 * batches + 5)
    ]
    client, auth = Client(), base64.b64encode(b"profile:profile-secret").decode()
    headers = {"Authorization": f"Basic {auth}", "X-Experience-API-Version": "2.0.0"}

    def post(body: bytes) -> None:
        response = client.post(
            "/xapi/statements", body, "application/json", headers=headers, secure=True
        )
        if response.status_code != 200:
            raise SystemExit(f"POST refused: {response.status_code} {response.content[:300]!r}")

    for body in bodies[:5]:
        post(body)
    started, cpu = time.monotonic(), time.process_time()
    for body in bodies[5 : 5 + batches]:
        post(body)
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    statements = 100 * batches
    print(
        f"{statements:,} statements in batches of 100: {statements / wall:,.0f} statements/s in "
        f"one process; the worker's CPU {1000 * cpu / statements * 1000:.0f} ms per 1,000 "
        "statements (the rest of the wall time is PostgreSQL's)"
    )
    profile = cProfile.Profile()
    profile.enable()
    for body in bodies[5 + batches :]:
        post(body)
    profile.disable()
    stats = pstats.Stats(profile)
    totals = {
        (Path(file).name, name): cumulative
        for (file, _, name), (_, _, _, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
    }
    whole = totals.get(("views.py", "dispatch"), 0.0) or 1.0
    print("\nUnder cProfile, share of the request's time:")
    for label, file, name in STEPS:
        seconds = totals.get((file, name), 0.0)
        print(f"  {label:<45} {100 * seconds / whole:5.1f} %")


if __name__ == "__main__":
    main()
