"""Kipinä settings: one file, read from the environment (12-factor).

With no environment at all the project runs: SQLite under var/, eager Celery, console
e-mail, DEBUG on. DATABASE_URL, REDIS_URL and SENDGRID_API_KEY switch to the real parts.
A malformed value stops the start with a message naming the variable (backend/env.py).
"""

from pathlib import Path
from typing import Any

import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from backend.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
)
from engagement.badges.keys import retired_keys_pem, signing_key_pem

# Lets generic Django classes be subscripted at run time (admin.ModelAdmin[Statement]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KIPINA_VAR_DIR", str(BASE_DIR / "var")))
# The embedded database and collected static files live here; a fresh clone has no var/.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-kipina-development-only-never-use-this-key-in-production-0123"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The public base URL: used where a response must name an absolute address (xAPI authority
# accounts, badge verification URLs, links in e-mails).
KIPINA_PUBLIC_URL = env_str("KIPINA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Signs the Open Badges 3.0 credentials and their status lists (docs/badges.md): PEM text or
# a file path, RSA of 2048 bits or more, or Ed25519. Required in production like the secret
# key; in development a key is generated once under VAR_DIR.
KIPINA_BADGE_SIGNING_KEY = signing_key_pem("KIPINA_BADGE_SIGNING_KEY", var_dir=VAR_DIR, debug=DEBUG)
# The public keys of earlier signing keys, still published so that the credentials they
# signed keep verifying after the key changes (PEM text or a path; empty: none).
KIPINA_BADGE_RETIRED_KEYS = retired_keys_pem("KIPINA_BADGE_RETIRED_KEYS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "anymail",
    "backend",
    "learning_records",
    "engagement.network",
    "engagement.progress",
    "engagement.rules",
    "engagement.badges",
    "engagement.dashboards",
    "engagement.needs",
    "engagement.membership",
    "engagement.events",
    "engagement.privacy",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it is the first to see a view's exception: a database outage is 503.
    "backend.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
_database = env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kipina.sqlite3'}")
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a batch is being written; IMMEDIATE transactions
    # take the write lock up front, so two writers queue instead of failing with
    # "database is locked" halfway through a batch.
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES: dict[str, dict[str, Any]] = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ---------------------------------------------------
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Every xAPI request reads the failed-authentication counts: a Redis that drops
            # packets must cost each request a moment, not redis-py's default 5 s wait.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker the tasks run in the caller (eager): the embedded demo and the unit tests.
# Eager mode is an emulation; the integration tests run a real worker against Redis.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# A task that runs away is stopped: soft limit raises inside the task, hard limit kills it.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request when Redis is down: fail fast, the beat catches up.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
# An acks_late task whose worker died (SIGKILL, OOM, a lost machine) goes back to the queue
# this long after it was taken (Redis keeps it among the unacked; kombu's default is an
# hour). Longer than the hard time limit, or a task still running would be handed to a
# second worker; each check for such tasks runs a tenth of it apart.
KIPINA_BROKER_VISIBILITY_SECONDS = env_int("KIPINA_BROKER_VISIBILITY_SECONDS", 600, minimum=2)
if KIPINA_BROKER_VISIBILITY_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "KIPINA_BROKER_VISIBILITY_SECONDS must be longer than CELERY_TASK_TIME_LIMIT, or a "
        "running task would be given to a second worker"
    )
CELERY_BROKER_TRANSPORT_OPTIONS |= {
    "visibility_timeout": KIPINA_BROKER_VISIBILITY_SECONDS,
    "unacked_restore_interval": max(1, KIPINA_BROKER_VISIBILITY_SECONDS // 10),
    "unacked_restore_throttle": 1,
}

# --- E-mail -----------------------------------------------------------------------------
SENDGRID_API_KEY = env_str("SENDGRID_API_KEY", "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kipinä <noreply@kipina.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if SENDGRID_API_KEY:
    EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    _SENDGRID_API_URL = env_str("SENDGRID_API_URL", "https://api.sendgrid.com/v3/")
    if not _SENDGRID_API_URL.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"SENDGRID_API_URL must be an http(s):// URL, not {_SENDGRID_API_URL!r}"
        )
    if any(character.isspace() for character in SENDGRID_API_KEY):
        raise ImproperlyConfigured("SENDGRID_API_KEY has spaces in it: copy the key again")
    ANYMAIL = {
        "SENDGRID_API_KEY": SENDGRID_API_KEY,
        "SENDGRID_API_URL": _SENDGRID_API_URL,
        # A send that hangs is a transient failure (retried); a deliver task of
        # KIPINA_NOTIFY_DELIVER_BATCH sends must finish within the task's soft time limit.
        "REQUESTS_TIMEOUT": env_int("SENDGRID_TIMEOUT_SECONDS", 10, minimum=1),
    }
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 25)

# SendGrid's Event Webhook (/notifications/sendgrid/events/): the verification key as SendGrid
# shows it (base64 DER, ECDSA P-256). Without it the endpoint answers 503 and accepts nothing.
SENDGRID_WEBHOOK_PUBLIC_KEY = env_str("SENDGRID_WEBHOOK_PUBLIC_KEY", "").strip()
if SENDGRID_WEBHOOK_PUBLIC_KEY:
    from notifications.sendgrid_webhook import public_key_load

    try:
        public_key_load(SENDGRID_WEBHOOK_PUBLIC_KEY)
    except ValueError as _error:
        raise ImproperlyConfigured(f"SENDGRID_WEBHOOK_PUBLIC_KEY is {_error}") from None
# How far a call's signed timestamp may be from our clock, either way; older calls are replays.
SENDGRID_WEBHOOK_TOLERANCE_SECONDS = env_int("SENDGRID_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1)
# Webhook bodies over this are refused (413) before they are read.
SENDGRID_WEBHOOK_MAX_BYTES = env_int("SENDGRID_WEBHOOK_MAX_BYTES", 5 * 1024 * 1024, minimum=1)

# --- xAPI (learning_records) ----------------------------------------------------------------
# Open edX backfills post batches of 10,000 statements. Its statements are 0.6-1.6 kB as
# compact JSON (tests/data/real-statements), so such a batch is 11-16 MB: 32 MB holds it with
# room. Larger bodies are refused with 413 before they are read.
KIPINA_XAPI_MAX_BODY_BYTES = env_int("KIPINA_XAPI_MAX_BODY_BYTES", 32 * 1024 * 1024, minimum=1024)
# The version an LRS answers in when a request names none (then it is refused with 400):
# xAPI 1.0.3 and 2.0 each expect their own number there. 1.0.3-only deployments set 1.0.3.
KIPINA_XAPI_DEFAULT_VERSION = env_choice("KIPINA_XAPI_DEFAULT_VERSION", "2.0.0", ("1.0.3", "2.0.0"))
KIPINA_XAPI_PAGE_SIZE = env_int("KIPINA_XAPI_PAGE_SIZE", 100, minimum=1)
KIPINA_XAPI_MAX_PAGE_SIZE = env_int("KIPINA_XAPI_MAX_PAGE_SIZE", 1000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = KIPINA_XAPI_MAX_BODY_BYTES

# A statement batch must be written within this many seconds of taking its `stored` time,
# or it is rolled back with 503 (the sender retries). Readers of the log rely on it.
# A 10,000-statement backfill takes 3-5 s on an idle two-core machine; the deadline leaves
# room for a loaded one, because a batch refused for slowness would be refused again.
KIPINA_XAPI_STORE_DEADLINE_SECONDS = env_int("KIPINA_XAPI_STORE_DEADLINE_SECONDS", 30, minimum=1)
# Celery tasks asked to run (by name) after each stored batch; the beat runs them anyway.
KIPINA_STATEMENTS_STORED_TASKS = ["progress.project"]
# Readers of the log that must read every statement before it expires: each names a function
# giving the stored time before which it has read all (learning_records/retention.py).
KIPINA_LRS_RETENTION_HOLDS = ["engagement.progress.selectors.read_before"]

# --- Progress projection (engagement/progress) ---------------------------------------------
# The projector reads statements stored at least this long ago: longer than the store
# deadline plus time to commit, so no batch commits behind it with an earlier stored time.
KIPINA_PROGRESS_SETTLE_SECONDS = env_int("KIPINA_PROGRESS_SETTLE_SECONDS", 35)
if KIPINA_PROGRESS_SETTLE_SECONDS <= KIPINA_XAPI_STORE_DEADLINE_SECONDS:
    raise ImproperlyConfigured(
        "KIPINA_PROGRESS_SETTLE_SECONDS must be longer than KIPINA_XAPI_STORE_DEADLINE_SECONDS, "
        "or the projector could pass statements that are still being written"
    )
CELERY_BEAT_SCHEDULE = {
    # The periodic kick: a lost "statements stored" message delays progress, never loses it.
    "progress-project": {
        "task": "progress.project",
        "schedule": float(env_int("KIPINA_PROGRESS_BEAT_SECONDS", 30, minimum=1)),
    },
}

# --- Engagement rules (engagement/rules) ------------------------------------------------------
# A share of everyone is held out of every rule, on top of each rule's own holdout, so the
# whole programme's effect can be measured too.
KIPINA_RULES_GLOBAL_HOLDOUT = float(env_int("KIPINA_RULES_GLOBAL_HOLDOUT_PERCENT", 5)) / 100
# Mixed into the holdout draw. Changing it reshuffles who is held out: never change it while
# an experiment runs (it is not the secret key for that reason: keys get rotated).
KIPINA_HOLDOUT_SALT = env_str("KIPINA_HOLDOUT_SALT", "kipina-holdout-1")
# Person ids per sweep task: a task evaluates its batch in a bounded number of queries.
KIPINA_RULES_SWEEP_BATCH = env_int("KIPINA_RULES_SWEEP_BATCH", 500, minimum=1)
CELERY_BEAT_SCHEDULE["rules-sweep"] = {"task": "rules.sweep", "schedule": 3600.0}
# The projector kicks rules.events after new progress; this run catches a lost kick.
CELERY_BEAT_SCHEDULE["rules-events"] = {
    "task": "rules.events",
    "schedule": float(env_int("KIPINA_RULES_EVENTS_BEAT_SECONDS", 60, minimum=1)),
}

# --- Network events (engagement/events) ---------------------------------------------------------
# Reminders of tomorrow's events: hourly, each registration reminded once (its key).
CELERY_BEAT_SCHEDULE["events-remind"] = {"task": "events.remind", "schedule": 3600.0}

# --- Notifications (notifications/) -------------------------------------------------------------
# Tries of one e-mail before it is failed; the waits between them double from the base (with
# jitter) up to the ceiling: 1, 2, 4, 8 minutes by default.
KIPINA_NOTIFY_MAX_ATTEMPTS = env_int("KIPINA_NOTIFY_MAX_ATTEMPTS", 5, minimum=1)
KIPINA_NOTIFY_BACKOFF_SECONDS = env_int("KIPINA_NOTIFY_BACKOFF_SECONDS", 60, minimum=1)
KIPINA_NOTIFY_BACKOFF_MAX_SECONDS = env_int("KIPINA_NOTIFY_BACKOFF_MAX_SECONDS", 3600, minimum=1)
# Rule decisions older than this get no notification: a nudge two days late is noise.
KIPINA_NOTIFY_DECISION_LOOKBACK_HOURS = env_int(
    "KIPINA_NOTIFY_DECISION_LOOKBACK_HOURS", 48, minimum=1
)
# Notifications fanned out per dispatch run, and per deliver task: ten sends of at most
# SENDGRID_TIMEOUT_SECONDS (10) each stay inside the tasks' soft time limit.
KIPINA_NOTIFY_DISPATCH_LIMIT = env_int("KIPINA_NOTIFY_DISPATCH_LIMIT", 5000, minimum=1)
KIPINA_NOTIFY_DELIVER_BATCH = env_int("KIPINA_NOTIFY_DELIVER_BATCH", 10, minimum=1)
# A claim older than this belongs to a worker that died: the hard time limit killed it.
KIPINA_NOTIFY_STALE_CLAIM_SECONDS = env_int("KIPINA_NOTIFY_STALE_CLAIM_SECONDS", 600, minimum=1)
if KIPINA_NOTIFY_STALE_CLAIM_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "KIPINA_NOTIFY_STALE_CLAIM_SECONDS must be longer than CELERY_TASK_TIME_LIMIT, or a "
        "delivery still running could be taken for a dead one"
    )
# How long the signed link to a person's preference page works (an unsubscribe link never
# expires; this one shows and changes every preference).
KIPINA_NOTIFY_PREFERENCE_LINK_MAX_AGE_DAYS = env_int(
    "KIPINA_NOTIFY_PREFERENCE_LINK_MAX_AGE_DAYS", 30, minimum=1
)
CELERY_BEAT_SCHEDULE["notifications-outbox"] = {
    "task": "notifications.outbox",
    "schedule": float(env_int("KIPINA_NOTIFY_OUTBOX_BEAT_SECONDS", 60, minimum=1)),
}
CELERY_BEAT_SCHEDULE["notifications-dispatch"] = {
    "task": "notifications.dispatch",
    "schedule": float(env_int("KIPINA_NOTIFY_DISPATCH_BEAT_SECONDS", 30, minimum=1)),
}
# Digests and summaries (notifications/digests/): made once a day for the period (week, or
# month for monthly employer summaries) that ended in each person's zone in the last 24 hours,
# and due at this local hour on the day it ended. 08:00 is when the default quiet hours end.
KIPINA_DIGEST_SEND_HOUR = env_int("KIPINA_DIGEST_SEND_HOUR", 8)
if KIPINA_DIGEST_SEND_HOUR > 23:
    raise ImproperlyConfigured("KIPINA_DIGEST_SEND_HOUR must be an hour of the day, 0 to 23")
# People per digest task: each batch reads their records in a few set-based queries.
KIPINA_DIGEST_BATCH = env_int("KIPINA_DIGEST_BATCH", 200, minimum=1)
# Daily at 03:15 UTC: Monday morning in Finland, before the send hour. Any hour works: each
# local period is looked at in the one run that falls within 24 hours of its end.
CELERY_BEAT_SCHEDULE["notifications-digests"] = {
    "task": "notifications.digests",
    "schedule": crontab(minute=15, hour=3),
}

# --- Open Badges (engagement/badges) ---------------------------------------------------------
# award_badge decisions older than this are not acted on by the beat (an award is late, not
# lost: the admin action and `manage.py badge_award_completed` award completions on request).
KIPINA_BADGES_DECISION_LOOKBACK_HOURS = env_int(
    "KIPINA_BADGES_DECISION_LOOKBACK_HOURS", 48, minimum=1
)
CELERY_BEAT_SCHEDULE["badges-award"] = {"task": "badges.award", "schedule": 60.0}
# Decline e-mails the request could not send (engagement/membership): retried every 10 min.
CELERY_BEAT_SCHEDULE["membership-declined-emails"] = {
    "task": "membership.declined_emails",
    "schedule": 600.0,
}
# Statements past their organisation's retention (learning_records/retention.py): nightly,
# when the LMSs are quiet. A missed night is caught up by the next one.
CELERY_BEAT_SCHEDULE["lrs-expire-statements"] = {
    "task": "lrs.expire_statements",
    "schedule": crontab(minute=30, hour=1),
}

# Browser senders (cmi5 content) post statements cross-origin with Basic credentials.
CORS_URLS_REGEX = r"^/xapi/.*$"
CORS_ALLOW_ALL_ORIGINS = env_bool("KIPINA_XAPI_CORS_ALLOW_ALL", True)
CORS_ALLOWED_ORIGINS = env_list("KIPINA_XAPI_CORS_ORIGINS", [])
CORS_ALLOW_HEADERS = [
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "x-experience-api-version",
    "x-requested-with",
]
CORS_EXPOSE_HEADERS = [
    "etag",
    "last-modified",
    "x-experience-api-consistent-through",
    "x-experience-api-version",
    # A browser sender (cmi5 content) reads how long to wait after a 429 or 503.
    "retry-after",
]
CORS_ALLOW_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]

# --- Auth, i18n, static ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The dashboards' own login page (Django auth); the admin keeps its own.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/me/"
LOGOUT_REDIRECT_URL = "/"
# Failed authentication on the LRS and the login pages (backend/ratelimit.py): past either
# limit within the window, every attempt is refused with 429 and Retry-After until it ends.
# Per account (client key or username) from one client address, and per address whatever
# the account: looser, since a school or company network shares one address.
KIPINA_AUTH_FAILURES_PER_ACCOUNT = env_int("KIPINA_AUTH_FAILURES_PER_ACCOUNT", 10, minimum=1)
KIPINA_AUTH_FAILURES_PER_ADDRESS = env_int("KIPINA_AUTH_FAILURES_PER_ADDRESS", 100, minimum=1)
KIPINA_AUTH_FAILURE_WINDOW_SECONDS = env_int("KIPINA_AUTH_FAILURE_WINDOW_SECONDS", 900, minimum=1)
# Proxies in front of the web processes that each append the address they saw to
# X-Forwarded-For. With 0 the header is ignored (anyone can send it). Production sits behind
# the load balancer that SECURE_PROXY_SSL_HEADER trusts, so 1 there: with 0 every client
# would count as the balancer's one address, and 100 wrong guesses from anyone would lock
# every LMS and every log-in out for the window.
KIPINA_TRUSTED_PROXY_COUNT = env_int("KIPINA_TRUSTED_PROXY_COUNT", 0 if DEBUG else 1)
# ModelBackend that refuses past the limits before the password is checked.
AUTHENTICATION_BACKENDS = ["backend.login.FailedLoginLimitBackend"]

LANGUAGE_CODE = "en"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular with the error answers every operation can give (backend/openapi.py).
    "DEFAULT_SCHEMA_CLASS": "backend.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kipinä API",
    "DESCRIPTION": "The network directory, progress and engagement API. The xAPI LRS is at /xapi/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The JSON documents outside /api/ (the export, Open Badges) join the schema.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.openapi.add_json_documents",
    ],
    # Writes with a session need Django's CSRF token in this header (backend/openapi.py).
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
        }
    },
    # Two models have a "status" field with different choices; name the needs' one.
    "ENUM_NAME_OVERRIDES": {
        "TrainingNeedStatusEnum": "engagement.needs.models.TrainingNeed.Status",
        "RegistrationStatusEnum": "engagement.events.models.Registration.Status",
        "MembershipApplicationStatusEnum": (
            "engagement.membership.models.MembershipApplication.Status"
        ),
        "EnrolmentStatusEnum": "engagement.network.models.Enrolment.Status",
    },
}

# --- Security (production) -------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Database sessions stored under a digest of the key: the table alone logs nobody in.
SESSION_ENGINE = "backend.sessions"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp): scripts, styles, images and fonts
# from our own server only, and no inline script at all (dashboard figures are JSON data
# blocks drawn by a static file). Inline <style> blocks carry the request's nonce; two more
# are plotly.js's, allowed by hash: the empty one it fills through the CSSOM (which CSP does
# not govern) and the map styles its bundle adds on load (a new plotly may change that
# text: tests/e2e/browser.py fails a page on any violation). Style attributes are allowed
# because plotly's d3 sets them on the SVG it draws; they cannot run script, and our own
# templates have none (tests/backend/test_security_pages.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [
            SELF,
            NONCE,
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
            "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",
        ],
        "style-src-attr": ["'unsafe-inline'"],
        # plotly draws heatmaps as data: images inside its SVG.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if not DEBUG:
    # TLS ends at the load balancer, which says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The load balancer's health probe speaks plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
