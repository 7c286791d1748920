"""A database outage answers 503 with Retry-After, not 500.

While PostgreSQL restarts (or is unreachable) every request that touches it fails with
OperationalError or InterfaceError. That is not a bug of the request: the same request
will work in a moment, and 503 + Retry-After tells clients, load balancers and LMS retry
loops exactly that. A 500 would say the server is broken and is not worth retrying.

The connection heals itself: with CONN_HEALTH_CHECKS Django tests a persistent connection
before its first use in a request and opens a new one when the old one died, so the first
request after the restart works. The xAPI resources answer their own 503 (XapiView), in the
xAPI error form and with the version header; this middleware answers for everything else.
"""

import logging
import sqlite3
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# A PostgreSQL restart or fail-over takes seconds; a client that waits this long finds it
# back (or asks again). Short enough that an LMS's queue of statements does not pile up.
RETRY_AFTER_SECONDS = 5
# django.db's wrappers of the driver's errors that may mean "cannot reach or use the server
# now". Only some of them do: is_outage tells which.
OUTAGE_ERRORS = (OperationalError, InterfaceError)
# SQLSTATEs of a server that is away or gave up on a transient conflict: connection
# exceptions (class 08), admin/crash shutdown and "cannot connect now" (57P01-57P03, a server
# starting or stopping), serialization failure and deadlock (40001, 40P01). Others of the
# OperationalError family (a too-large index row, disk full, a cancelled query) are bugs or
# operations problems that a retry will not cure: they stay 500s with a traceback.
_TRANSIENT_SQLSTATES = {"57P01", "57P02", "57P03", "40001", "40P01"}


def is_outage(exception: BaseException) -> bool:
    if isinstance(exception, InterfaceError):
        return True  # the connection is closed or broken
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        # SQLite (the demo) has no server to lose: only a busy database is worth a retry;
        # "no such table" and its kind are bugs.
        return "locked" in str(cause) or "busy" in str(cause)
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None:
        return True  # psycopg: no answer from a server at all (refused, reset, timed out)
    return sqlstate.startswith("08") or sqlstate in _TRANSIENT_SQLSTATES


def log_outage(request: HttpRequest, exception: BaseException) -> None:
    # A warning, not an error with a traceback: an outage fails every request at once.
    logger.warning(
        "database unavailable: %s %s answered 503 (%s: %s)",
        request.method,
        request.path,
        type(exception).__name__,
        str(exception).strip().splitlines()[0] if str(exception).strip() else "",
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 in the form the caller reads: JSON for the API (DRF's `detail`), HTML for pages."""
    message = _(
        "The service is unavailable for a moment: its database cannot be reached. "
        "Try again in %(seconds)d seconds."
    ) % {"seconds": RETRY_AFTER_SECONDS}
    response: HttpResponse
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message}, status=503)
    else:
        title = _("Temporarily unavailable")
        page = format_html(
            "<!doctype html><html><head><meta charset='utf-8'><title>{}</title></head>"
            "<body><h1>{}</h1><p>{}</p></body></html>",
            title,
            title,
            message,
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # The answer is about this moment: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database outage raised by a view (pages, the DRF API) into 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_outage(exception):
            return None  # every other error is a bug: Django's 500 and its logging
        log_outage(request, exception)
        return unavailable_response(request)
