"""Settings fail loudly on malformed values and refuse an unsafe production start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend import env
from engagement.badges.keys import new_key_pem

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("reader", "variable", "value", "message"),
    [
        (
            lambda: env.env_bool("DJANGO_DEBUG", True),
            "DJANGO_DEBUG",
            "flase",
            "DJANGO_DEBUG must be true or false",
        ),
        (
            lambda: env.env_int("KIPINA_XAPI_PAGE_SIZE", 1),
            "KIPINA_XAPI_PAGE_SIZE",
            "ten",
            "must be a whole number",
        ),
        (
            lambda: env.env_int("KIPINA_XAPI_PAGE_SIZE", 1, minimum=1),
            "KIPINA_XAPI_PAGE_SIZE",
            "0",
            "at least 1",
        ),
        (
            lambda: env.env_database("DATABASE_URL", "sqlite:///x"),
            "DATABASE_URL",
            "mysql://u:secret@h/db",
            "sqlite:/// or postgres://",
        ),
        (
            lambda: env.env_database("DATABASE_URL", "sqlite:///x"),
            "DATABASE_URL",
            "postgres://u@h:5432/",
            "names no database",
        ),
        (
            lambda: env.env_redis_url("REDIS_URL"),
            "REDIS_URL",
            "localhost:6379",
            "must be a redis:// URL",
        ),
        (
            lambda: env.env_choice("KIPINA_XAPI_DEFAULT_VERSION", "2.0.0", ("1.0.3", "2.0.0")),
            "KIPINA_XAPI_DEFAULT_VERSION",
            "1.0",
            "must be one of",
        ),
    ],
)
def test_it_names_the_variable_of_a_malformed_value(monkeypatch, reader, variable, value, message):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ImproperlyConfigured, match=variable) as raised:
        reader()

    assert message in str(raised.value)
    assert "secret" not in str(raised.value)


def test_it_reads_a_postgres_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://kipina:pw@db.internal:5433/kipina")

    config = env.env_database("DATABASE_URL", "sqlite:///x")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "kipina")


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    result = manage("check", DJANGO_DEBUG="false", KIPINA_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_passes_the_deployment_checklist_with_production_settings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 20 + "-a-long-random-production-secret-0123456789-xyz",
        DJANGO_ALLOWED_HOSTS="kipina.example.fi",
        KIPINA_BADGE_SIGNING_KEY=new_key_pem().decode(),
        KIPINA_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
