"""GET /healthz: can this process reach what it needs?

The database decides the status code: without it nothing works (503). Redis and the
workers only delay projection and delivery, and statement ingestion goes on without them,
so their loss is reported as "degraded" with 200, and the load balancer keeps the process.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from backend.celery import app as celery_app
from backend.unavailable import RETRY_AFTER_SECONDS

CheckResult = dict[str, object]


def _timed(check: Callable[[], str]) -> CheckResult:
    started = time.monotonic()
    try:
        detail = check()
        status = "ok"
    except Exception as exc:  # any failure of a dependency is the answer here
        detail = f"{type(exc).__name__}: {exc}"
        status = "down"
    return {"status": status, "detail": detail, "ms": round((time.monotonic() - started) * 1000)}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _cache() -> str:
    cache.set("healthz", "1", timeout=10)
    if cache.get("healthz") != "1":
        raise RuntimeError("the cache did not return what was just written")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (no broker: tasks run in the web process)"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "reachable"


def _workers() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (no workers needed)"
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered a ping within 1 s")
    return f"{len(replies)} answering"


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _timed(_database),
        "cache": _timed(_cache),
        "broker": _timed(_broker),
        "workers": _timed(_workers),
    }
    if checks["database"]["status"] != "ok":
        overall, code = "down", 503
    elif any(check["status"] != "ok" for check in checks.values()):
        overall, code = "degraded", 200
    else:
        overall, code = "ok", 200
    response = JsonResponse({"status": overall, "checks": checks}, status=code)
    if code == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"  # the answer is about this moment
    return response
