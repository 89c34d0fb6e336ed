"""Settings, read from the environment with safe development defaults (see README: Configuration)."""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Off unless set: development (`make demo`, `make test`) sets DEBUG=true; a deployment never derives a key.
DEBUG: bool = env.bool("DEBUG", default=False)


def development_secrets_key(secret_key: str) -> str:
    """The Fernet key development derives from SECRET_KEY (a public string there): never for a deployment."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"secrets:{secret_key}".encode()).digest()).decode()


def development_subject_key(secret_key: str) -> str:
    """The subject HMAC key development derives from SECRET_KEY: never for a deployment."""
    return f"subjects:{secret_key}"


def development_ropa_signing_key(secret_key: str) -> str:
    """The Ed25519 key (base64 of its 32-byte seed) development signs RoPA exports with, derived from
    SECRET_KEY: the same in every process and after a restart, with no file to share; never for a deployment."""
    return base64.b64encode(hashlib.sha256(f"ropa-signing:{secret_key}".encode()).digest()).decode()


if DEBUG:
    SECRET_KEY: str = env.str("SECRET_KEY", default="development-only-not-secret")
elif not env.str("SECRET_KEY", default=""):
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (DEBUG=true for development)")
else:
    SECRET_KEY = env.str("SECRET_KEY")

# Fernet keys for the org credentials kept at rest, comma-separated: the first encrypts, every one decrypts
# (rotate: put a new key first, run `manage.py rotate_secrets`, then drop the old). Derived in development.
SECRETS_KEY: str = env.str("SECRETS_KEY", default=development_secrets_key(SECRET_KEY) if DEBUG else "")
if not SECRETS_KEY:
    raise ImproperlyConfigured("SECRETS_KEY must be set when DEBUG is off (a Fernet key)")

# Keyed hash of consumers' identifiers: the graph keys subjects by HMAC, never by a raw email or phone.
SUBJECT_HMAC_KEY: str = env.str("SUBJECT_HMAC_KEY", default=development_subject_key(SECRET_KEY) if DEBUG else "")
if not SUBJECT_HMAC_KEY:
    raise ImproperlyConfigured("SUBJECT_HMAC_KEY must be set when DEBUG is off")
# Earlier subject keys, comma-separated, while a rotation re-keys the identifier index: look-ups hash under each too.
SUBJECT_HMAC_PREVIOUS_KEYS: list[str] = env.list("SUBJECT_HMAC_PREVIOUS_KEYS", default=[])
# Ed25519 private key signing every RoPA export (PEM, or base64 of its 32-byte seed); derived in development.
# Unset with DEBUG off, exports cannot be signed and `check --deploy` says so (catalog.E006).
# The PDF exports' typeface (DejaVu Sans, regular, bold and mono): Debian's fonts-dejavu-core puts it here.
PDF_FONT_DIR: str = env.str("PDF_FONT_DIR", default="/usr/share/fonts/truetype/dejavu")
ROPA_SIGNING_KEY: str = env.str("ROPA_SIGNING_KEY", default=development_ropa_signing_key(SECRET_KEY) if DEBUG else "")
# Public keys of earlier signing keys, comma-separated (PEM or base64 of 32 bytes): their exports still verify.
ROPA_VERIFY_KEYS: list[str] = env.list("ROPA_VERIFY_KEYS", default=[])
# After each successful harvest run, the org's record of processing is built and stored signed (records.regenerated).
RECORDS_REGENERATE_AFTER_HARVEST: bool = env.bool("RECORDS_REGENERATE_AFTER_HARVEST", default=True)
# After each successful harvest run, the compliance rules are evaluated over the org's graph (findings.after_harvest).
FINDINGS_EVALUATE_AFTER_HARVEST: bool = env.bool("FINDINGS_EVALUATE_AFTER_HARVEST", default=True)
# Integration manifests (YAML) describing systems outside Salesforce; see docs/integration-manifests.md.
HARVEST_MANIFEST_DIR: str = env.str("HARVEST_MANIFEST_DIR", default=str(BASE_DIR / "manifests"))
# EventLogFile types the logs source reads; empty means its default (API, RestApi, BulkApi, Report,
# ReportExport). Each type costs one API call per day of logs, so an org short of calls can read fewer.
HARVEST_LOG_EVENT_TYPES: list[str] = env.list("HARVEST_LOG_EVENT_TYPES", default=[])
# Incremental runs read each source from its watermark (Salesforce's clock) minus this overlap, so a change
# stamped just before the last read began, or a clock that ticks in whole seconds, is never missed.
HARVEST_WATERMARK_OVERLAP_SECONDS: int = env.int("HARVEST_WATERMARK_OVERLAP_SECONDS", default=300)
# A watermark older than this reads its source whole (event logs keep 30 days; a long gap is a large delta).
HARVEST_FULL_READ_AFTER_DAYS: int = env.int("HARVEST_FULL_READ_AFTER_DAYS", default=30)
# More consent-model rows changed than this and the consents source reads the org whole instead of re-reading
# each touched consumer (200 a query): beyond it the re-reads cost more calls than a full read.
HARVEST_CONSENTS_FULL_READ_ABOVE: int = env.int("HARVEST_CONSENTS_FULL_READ_ABOVE", default=50_000)
# Records older than an activity's retention period are counted after a successful run (harvesters.retention): in a
# full run, or an incremental one when the latest count is older than this. Counts never dip into this share of the
# org's daily API requests, kept for its own integrations; what they would is said "not counted: API budget".
HARVEST_RETENTION_COUNT_EVERY_HOURS: int = env.int("HARVEST_RETENTION_COUNT_EVERY_HOURS", default=24)
HARVEST_API_RESERVE_PERCENT: int = env.int("HARVEST_API_RESERVE_PERCENT", default=10)
# A data-map look-up with include_values reads the consumer's values live (harvesters.live_values): at most this many
# Composite calls (five objects each), each answered within this many seconds, and never into the reserve above.
DATAMAP_LIVE_VALUES_MAX_CALLS: int = env.int("DATAMAP_LIVE_VALUES_MAX_CALLS", default=4)
DATAMAP_LIVE_VALUES_TIMEOUT_S: float = env.float("DATAMAP_LIVE_VALUES_TIMEOUT_S", default=15.0)

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc's files, served locally
    "django_htmx",  # ships htmx itself (served locally) and request.htmx
    "csp",
    "catalog",
    "catalog.accounts",
    "catalog.classification",
    "catalog.records",
    "catalog.findings",
    "harvesters",
]

MIDDLEWARE = [
    "catalog.middleware.HealthCheckMiddleware",  # first: probes reach /healthz by address, over plain HTTP
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from the app server, no CDN, no web server
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "catalog.middleware.PageLoginRequiredMiddleware",  # every page asks for a login; the API answers 401 itself
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "catalog.middleware.GraphUnavailableMiddleware",  # a page whose graph does not answer: a 503 in words
]

ROOT_URLCONF = "catalog.urls"
WSGI_APPLICATION = "catalog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "catalog.navigation.navigation",  # the main navigation and the user's roles
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file rather than memory, so the Celery worker of an end-to-end test sees the test database.
    # One per test process, so two suites on one machine never share it.
    _TEST_DATABASE = Path(tempfile.gettempdir()) / f"recordkeeper-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DATABASE)}
    # Several writers at once (a worker's tasks, a command beside it): readers never block the writer (WAL),
    # a writer waits for the lock instead of failing, and takes it when its transaction begins, so a
    # read-then-write transaction never has to be abandoned half-way ("database is locked").
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=30),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))  # where collectstatic writes
# Development and tests serve the apps' static folders as they are (no collectstatic); production serves
# STATIC_ROOT, collected and compressed. Fixed here, since the test runner turns settings.DEBUG off.
WHITENOISE_USE_FINDERS: bool = DEBUG
WHITENOISE_AUTOREFRESH: bool = DEBUG
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The pages load scripts, styles, images and fonts from this server only; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the CSS's own SVG icons
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

NEO4J = {
    "uri": env.str("NEO4J_URI", default="bolt://127.0.0.1:7687"),
    "user": env.str("NEO4J_USER", default="neo4j"),
    "password": env.str("NEO4J_PASSWORD", default="recordkeeper-dev"),
    "database": env.str("NEO4J_DATABASE", default="neo4j"),
    # How long a worker's transaction is retried while the graph does not answer (a restart, a failover).
    "retry_seconds": env.float("NEO4J_RETRY_SECONDS", default=30.0),
}
# A web request's: a person is told the graph does not answer (a 503) rather than kept waiting, and gunicorn's
# 30-second worker timeout never turns the wait into a 502.
NEO4J_WEB_RETRY_SECONDS: float = env.float("NEO4J_WEB_RETRY_SECONDS", default=2.0)

CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND: str = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A harvest chunk must land whole or be redone: acknowledge after the work, requeue on a lost worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The queue tasks go to when none is named; several deployments (or test workers) can share one Redis.
CELERY_TASK_DEFAULT_QUEUE: str = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SOFT_TIME_LIMIT: int = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=15 * 60)
CELERY_TASK_TIME_LIMIT: int = env.int("CELERY_TASK_TIME_LIMIT", default=20 * 60)
# On Redis an unacknowledged task comes back to a live worker only after this many seconds: longer than
# the longest task (the hard limit), or a slow task would run twice; short enough that a dead worker's
# tasks return within the hour.
CELERY_BROKER_VISIBILITY_TIMEOUT: int = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT",
                                                default=CELERY_TASK_TIME_LIMIT + 10 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
# Consumers one task of a full consents read harvests (a range of Individual ids; larger orgs take several
# tasks): about 225 s of harvesting for 50,000 on a busy 2-vCPU machine, well inside the soft limit; a range
# costs a few dozen calls of its own (benchmarks/README.md, consent_ranges.py).
HARVEST_CONSUMERS_PER_TASK: int = env.int("HARVEST_CONSUMERS_PER_TASK", default=50_000)
# A running run with no step landing work for this long lost its worker for good: the beat's sweep closes it
# `failed`. Longer than a dead worker's task takes to come back (the visibility timeout) and run again.
HARVEST_STALE_AFTER_S: int = env.int("HARVEST_STALE_AFTER_S",
                                     default=CELERY_BROKER_VISIBILITY_TIMEOUT + CELERY_TASK_TIME_LIMIT + 5 * 60)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat looks every few minutes for orgs whose own interval (OrgConnection.harvest_every_minutes) is up.
CELERY_BEAT_SCHEDULE = {
    "schedule-harvests": {"task": "harvesters.schedule_harvests", "schedule": 5 * 60.0},
    "close-stale-runs": {"task": "harvesters.close_stale_runs", "schedule": 5 * 60.0},
    "reopen-expired-risks": {"task": "findings.reopen_expired_risks", "schedule": 60 * 60.0},
}

# OpenLineage run events (POST /api/v1/lineage/openlineage): a bigger body is a 413; more datasets (inputs,
# and outputs, each), schema or columnLineage fields of one dataset, or edges than this is a 400 naming the field.
OPENLINEAGE_MAX_BODY_BYTES: int = env.int("OPENLINEAGE_MAX_BODY_BYTES", default=1024 * 1024)
OPENLINEAGE_MAX_DATASETS: int = env.int("OPENLINEAGE_MAX_DATASETS", default=100)
OPENLINEAGE_MAX_FIELDS: int = env.int("OPENLINEAGE_MAX_FIELDS", default=1000)
OPENLINEAGE_MAX_EDGES: int = env.int("OPENLINEAGE_MAX_EDGES", default=10_000)

# The API: bearer tokens (knox, scoped: catalog.accounts) or the pages' session with CSRF; HTTP Basic is off.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "catalog.api.schema.ProblemAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "catalog.accounts.tokens.BearerTokenAuthentication",  # first: an anonymous request gets 401, not 403
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["catalog.accounts.permissions.HasRoleAndScope"],
    "DEFAULT_PAGINATION_CLASS": "catalog.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # a form or multipart body is a 415
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["catalog.api.throttling.PerTokenRateThrottle"],
    # Requests a minute per token (or per session user), and per address for anonymous requests.
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_PER_TOKEN", default="1200/min"),
        "user": env.str("API_RATE_PER_USER", default="1200/min"),
        "anon": env.str("API_RATE_ANONYMOUS", default="120/min"),
    },
    "EXCEPTION_HANDLER": "catalog.api.errors.problem_exception_handler",
}
API_MAX_PAGE_SIZE: int = env.int("API_MAX_PAGE_SIZE", default=500)

# The cache holds the API's request counts (throttling): Redis makes them shared by every web process.
CACHE_REDIS_URL: str = env.str("CACHE_REDIS_URL", default="")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL}
          if CACHE_REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model's name, not a secret
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_TTL": None,  # each token's own expiry (issue_token --expires-days); none means until revoked
    "TOKEN_PREFIX": "rk_",  # says what a leaked string is, for secret scanners
}
# An API token's last use is written at most this often (a write per request would cost every call).
API_TOKEN_LAST_USE_EVERY_S: int = env.int("API_TOKEN_LAST_USE_EVERY_S", default=60)

SPECTACULAR_SETTINGS = {
    "TITLE": "Recordkeeper API",
    "DESCRIPTION": ("Records of processing, per-consumer data maps, findings and DSAR tracking. Send "
                    "`Authorization: Bearer <token>` (`manage.py issue_token`); every error is an "
                    "application/problem+json body: status, title, detail, errors by field."),
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # the docs too: logged-in users only
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "catalog.api.schema.text_parameters_refuse_null_characters",
                             "catalog.records.api.edit_bodies_are_closed"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
