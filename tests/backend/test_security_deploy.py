"""Production settings: `manage.py check --deploy` finds nothing and silences nothing, and
the security settings are what docs and the load balancer expect."""

import json

import pytest

from engagement.badges.keys import new_key_pem
from tests.backend.test_settings import manage

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-0123456789-xyz",
    "DJANGO_ALLOWED_HOSTS": "kipina.example.fi",
    "DATABASE_URL": "postgres://kipina@db.internal:5432/kipina",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "KIPINA_PUBLIC_URL": "https://kipina.example.fi",
}


@pytest.fixture
def production(tmp_path):
    return {
        **PRODUCTION,
        "KIPINA_BADGE_SIGNING_KEY": new_key_pem().decode(),
        "KIPINA_VAR_DIR": str(tmp_path),
    }


def test_check_deploy_is_clean_with_nothing_silenced(production):
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **production)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_production_security_settings(production):
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_ENGINE",
        "X_FRAME_OPTIONS",
        "SILENCED_SYSTEM_CHECKS",
        "KIPINA_TRUSTED_PROXY_COUNT",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )

    result = manage("shell", "-c", code, **production)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        # TLS ends at the load balancer, which must set (and overwrite) this header.
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_ENGINE": "backend.sessions",
        "X_FRAME_OPTIONS": "DENY",
        "SILENCED_SYSTEM_CHECKS": [],
        # The client address of the failure limits is the one the load balancer saw (the
        # balancer's own address would put every client in one count).
        "KIPINA_TRUSTED_PROXY_COUNT": 1,
    }
