"""One line naming the machine a run measured: CPU, cores, RAM, OS, Python, databases."""

import os
import platform
import shutil
import sqlite3
import subprocess
from pathlib import Path

from server import psql, with_database


def machine_summary(postgres_url: str | None) -> str:
    parts = [
        f"{_cpu_model()} × {os.cpu_count()} cores",
        f"{_ram_gib():.1f} GiB RAM",
        f"{_os_name()} (Linux {platform.release()})",
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
        _postgres_version(postgres_url),
    ]
    return ", ".join(part for part in parts if part)


def _proc_field(path: str, name: str) -> str:
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return "unknown"


def _cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name")


def _ram_gib() -> float:
    return int(_proc_field("/proc/meminfo", "MemTotal").split()[0]) / 1024**2  # kB


def _os_name() -> str:
    try:
        return platform.freedesktop_os_release()["PRETTY_NAME"]
    except OSError:
        return platform.system()


def _postgres_version(postgres_url: str | None) -> str:
    """The server's version when one was measured, else the psql client's, else nothing."""
    if postgres_url is not None:
        # The server's own database: the URL's may be one a bench made and dropped, or a name
        # given only to point at the server.
        admin_url = with_database(postgres_url, "postgres")
        server_version = psql(admin_url, "SHOW server_version").split()[0]
        return f"PostgreSQL {server_version} (server)"
    executable = shutil.which("psql")
    if executable is None:
        return ""
    version = subprocess.run([executable, "--version"], capture_output=True, text=True)  # noqa: S603
    return f"psql {version.stdout.split()[2]}"  # "psql (PostgreSQL) 15.20 (Debian ...)"
