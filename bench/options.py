"""Command-line pieces shared by the PostgreSQL-only benchmarks."""

import argparse
import os
import sys
import urllib.parse


def postgres_parser(description: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--postgres", metavar="URL", help="the PostgreSQL server (default: DATABASE_URL)"
    )
    return parser


def postgres_url(options: argparse.Namespace) -> str:
    """The server to measure on; there is no SQLite fallback for these benchmarks."""
    url: str = options.postgres or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "this benchmark needs PostgreSQL: set DATABASE_URL or pass --postgres, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
        )
    return url


def shown(url: str) -> str:
    """`url` without its password, for the report."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return parts._replace(netloc=f"{user}{host}{port}").geturl()


def command_line(target: str, url: str) -> str:
    """How to run this benchmark again as it ran: the make target, or the script with the
    options it was given."""
    arguments = [a for a in sys.argv[1:] if not a.startswith("--postgres")]
    run = f"make {target}" if not arguments else f".venv/bin/python {' '.join(sys.argv)}"
    return f"DATABASE_URL={shown(url)} {run}"
