"""Settings for erkend: one module, every value from the environment, with safe defaults."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext_lazy

django_stubs_ext.monkeypatch()  # lets admin.ModelAdmin[Model] and QuerySet[Model] run as written

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
        raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), not {raw!r}")
    return raw in {"1", "true", "yes", "on"}


def env_int(name: str, *, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_positive(name: str, *, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value > 0:
        return value
    raise ImproperlyConfigured(f"{name} must be a number above 0, not {raw!r}")


def env_list(name: str, *, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)  # off unless asked for; `make run` asks
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # The test run needs no secret: it serves nobody. Everything else must set one or DEBUG.
    testing = "pytest" in sys.modules
    if not DEBUG and not testing and not env_bool("ALLOW_INSECURE_SECRET_KEY", default=False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (see .env.example), or set DEBUG=true for a local run."
        )
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default="127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",  # the JSON API (registry/views/api.py; REST_FRAMEWORK below)
    "drf_spectacular",  # its OpenAPI schema, /api/schema/
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us for /api/docs/
    "registry",
    "scraper",
    "axes",  # admin login lockout (the web edge, below)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files leave here, already compressed by collectstatic (below GZip would redo it).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # --- The web edge (block below): compression, headers, rate limits, login lockout.
    "django.middleware.gzip.GZipMiddleware",  # above anything that writes the body
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the django_language cookie set by the switch (config/language.py), else
    # Accept-Language, else LANGUAGE_CODE. After sessions, before CommonMiddleware (Django's
    # order); the URLs are the same in both languages.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.edge.RateLimitMiddleware",  # before CSRF: a flood is counted before any body is read
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into a 429
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    # The public pages: Jinja2 (config/jinja2.py says why), from templates/.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.i18n",  # LANGUAGE_CODE, LANGUAGES
                "registry.context_processors.freshness",
            ],
        },
    },
    # The admin and its pages of ours (scraper/templates/admin/): Django templates.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registry.context_processors.freshness",
            ],
        },
    },
]

(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    # Unset or empty (an empty line in .env): the local SQLite file.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "").strip()
        or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The local run's sync writes for seconds in a thread of the server (SYNC_IN_THREAD). In WAL
    # mode the run's progress page and the public pages read meanwhile, instead of waiting for
    # its transaction to commit (about 4 s for the Work register).
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
# PostgreSQL keeps this database (tens of megabytes) in memory, where reading a row by key
# costs about what reading it in sequence does. With the planner's default random_page_cost
# (4, priced for spinning disks) a search hashed all 13,000 companies to join its 300
# candidates (5 ms, against 1.8 ms by key). Set per connection, so it holds for any server;
# after any `options` DATABASE_URL gives (?options=-c%20statement_timeout%3D5000). A pooler
# that refuses startup options (PgBouncer) needs it set on the server instead
# (ALTER DATABASE ... SET random_page_cost = 1.1) and PG_RANDOM_PAGE_COST=off here.
PG_RANDOM_PAGE_COST = os.environ.get("PG_RANDOM_PAGE_COST", "").strip().lower()
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and PG_RANDOM_PAGE_COST != "off"
):
    page_cost = env_positive("PG_RANDOM_PAGE_COST", default=1.1)
    db_options = DATABASES["default"].setdefault("OPTIONS", {})
    given = str(db_options.get("options", "")).strip()
    db_options["options"] = f"{given} -c random_page_cost={page_cost}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis serves Celery and the cache (sync progress is read from it while the sync's transaction
# is still open). Unset: tasks run in-process and the cache is per-process memory, so the
# local run needs no Redis and the admin's "Resync now" still works.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_TIME_LIMIT = 30 * 60  # under Redis's one-hour visibility timeout: no redelivery
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "Europe/Amsterdam"  # the beat's hours are Dutch hours, like the IND's
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# On: the admin's "Resync now" and approve run the sync in a daemon thread of the web server
# instead of sending it to a worker (`make run`: no worker, and a sync in the request would hold
# the browser for over a minute). The run's heartbeat applies as in a worker; a thread that dies
# with the server leaves a run the stale check fails (scraper/runs.py). Off in production.
SYNC_IN_THREAD = env_bool("SYNC_IN_THREAD", default=False)
SYNC_SCHEDULE_HOUR = env_int("SYNC_SCHEDULE_HOUR", default=6)
SYNC_SCHEDULE_MINUTE = env_int("SYNC_SCHEDULE_MINUTE", default=30)
# A register whose last successful check is older than this is "stale" in /healthz and on the
# admin index (scraper/health.py): the daily sync has not got through for two days.
STALE_CHECK_HOURS = env_int("STALE_CHECK_HOURS", default=48)
if STALE_CHECK_HOURS < 1:
    raise ImproperlyConfigured("STALE_CHECK_HOURS must be at least 1")

# An edition that would remove more than this percentage of the listed employers is kept but not
# published until an admin approves it (real months remove 5 to 40 of 13,000; the 2025 purge 279,
# about 2 %). The admins are mailed (ADMINS below).
REMOVAL_HOLD_PERCENT = env_positive("REMOVAL_HOLD_PERCENT", default=5.0)


def env_admins(name: str) -> list[tuple[str, str]]:
    """ "Name <address>" or bare addresses, comma-separated, as (name, address) pairs.

    parseaddr() takes almost anything ("Ada <ada@example.org" gives a pair); an entry that is
    not exactly one of the two forms, or whose address is no e-mail address, stops start-up
    with the entry named, rather than mail that silently goes nowhere.
    """
    admins = []
    for entry in env_list(name, default=""):
        display, address = parseaddr(entry)
        bare = entry == address
        named = bool(display) and entry.endswith(f"<{address}>")
        try:
            validate_email(address)
        except ValidationError:
            bare = named = False
        if not (bare or named):
            raise ImproperlyConfigured(
                f'{name}: {entry!r} is not "Name <address>" or an e-mail address '
                f'(write {name}="Ada <ada@example.org>, ops@example.org")'
            )
        admins.append((display, address))
    return admins


def env_site_url(name: str) -> str:
    """The site's own http(s) address, without a trailing slash; empty for none."""
    raw = os.environ.get(name, "").strip().rstrip("/")
    if not raw:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(raw)
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name} must be an http(s) address such as https://erkend.example.org, not {raw!r}"
        ) from None
    return raw


# Who is told about held editions and failed runs (django.core.mail.mail_admins):
# ADMINS="Ada <ada@example.org>, ops@example.org". Without it nobody is mailed.
ADMINS = env_admins("ADMINS")
# Where the site is reached, for links in mail (a held edition's admin page); empty: the mail
# gives the path alone.
SITE_URL = env_site_url("SITE_URL")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "erkend@localhost")
EMAIL_SUBJECT_PREFIX = "[erkend] "
if DEBUG and not os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # printed, not sent
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10  # a mail server that does not answer must not hold a sync

# Redis is a cache, never needed to read the register (config/cache.py): with it down, every
# cache call misses instead of raising (django-redis's IGNORE_EXCEPTIONS), pages compute what it
# would have held, and the outage is logged once per process and ten minutes, not per call.
# The timeouts bound what an unreachable host (packets dropped, not refused) costs a call; a
# Redis that answers does so in a millisecond.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "config.cache"  # config.cache.OutageLog passes one record per interval

# Where the register is fetched from when the database has no URL yet (the admin can change it).
IND_WORK_REGISTER_URL = os.environ.get(
    "IND_WORK_REGISTER_URL",
    "https://ind.nl/en/public-register-recognised-sponsors/public-register-work",
)


def env_contact(name: str) -> str:
    """An e-mail address or an http(s) URL; empty for none. Anything else stops start-up."""
    raw = os.environ.get(name, "").strip()
    if raw and not re.fullmatch(r"https?://\S+|[^@\s/:]+@[^@\s]+\.[^@\s]+", raw):
        raise ImproperlyConfigured(
            f"{name} must be an e-mail address or an http(s) URL, not {raw!r}"
        )
    return raw


# How people reach whoever runs this site, shown on /about/ (registry.about); empty: not shown.
OPERATOR_CONTACT = env_contact("OPERATOR_CONTACT")
# Hosts the register URL (the admin's, `sync_register --url`, and every redirect from them) may
# be on. An entry admits its subdomains (ind.nl admits www.ind.nl); a loopback or private address
# or localhost only when listed exactly (scraper.fetch.check_url_host).
REGISTER_URL_HOSTS = env_list("REGISTER_URL_HOSTS", default="ind.nl")
# Seconds before the first retry of a failed fetch; doubled for each further attempt (2 + 4 + 8:
# an unreachable IND costs 14 s). 0 retries at once: `make run`, where a person is waiting.
FETCH_BACKOFF_SECONDS = float(env_int("FETCH_BACKOFF_SECONDS", default=2))
if FETCH_BACKOFF_SECONDS < 0:
    raise ImproperlyConfigured("FETCH_BACKOFF_SECONDS must be 0 or more")
FETCH_USER_AGENT = os.environ.get(
    "FETCH_USER_AGENT",
    "erkend/0.1 (register of recognised sponsors; +https://github.com/erkend; admin@example.org)",
)
# What one response may cost before it is refused (scraper.fetch.Limits): bytes as received
# (compressed), bytes once inflated (a gzip bomb), and seconds from the request to the last byte
# (an endless page). The IND page is about 1.5 MB.
FETCH_MAX_BYTES = int(env_positive("FETCH_MAX_BYTES", default=20_000_000))
FETCH_MAX_DECODED_BYTES = int(env_positive("FETCH_MAX_DECODED_BYTES", default=20_000_000))
FETCH_DEADLINE_SECONDS = env_positive("FETCH_DEADLINE_SECONDS", default=120)

# --- Sector and city: KvK enrichment (scraper/enrich.py; README "Sector and city") ----------
# The paid KvK API (Basisprofiel + Zoeken). Empty key: the provider is off and only the free
# open data (B.V. and N.V. only) is asked.
KVK_API_KEY = os.environ.get("KVK_API_KEY", "")
KVK_API_URL = os.environ.get("KVK_API_URL", "https://api.kvk.nl/api")  # test: .../test/api
KVK_OPENDATA_URL = os.environ.get("KVK_OPENDATA_URL", "https://opendata.kvk.nl/api/v1/hvds")
KVK_OPENDATA_KEY = os.environ.get("KVK_OPENDATA_KEY", "")  # optional; sent as `apikey` if set
# Calls per minute per provider, across all workers (one run per provider holds a lock). The
# KvK allows 100 a second; the open data about one a minute per IP.
KVK_API_RATE_PER_MINUTE = env_int("KVK_API_RATE_PER_MINUTE", default=300)
KVK_OPENDATA_RATE_PER_MINUTE = env_int("KVK_OPENDATA_RATE_PER_MINUTE", default=1)
# At most this many employers per run, and at most this many seconds: under the 10-minute
# beat interval, so runs do not queue up behind each other.
ENRICH_BATCH_SIZE = env_int("ENRICH_BATCH_SIZE", default=500)
ENRICH_RUN_SECONDS = env_int("ENRICH_RUN_SECONDS", default=8 * 60)
# Values older than this are fetched again (also the re-check of a "not found").
ENRICH_MAX_AGE_DAYS = env_int("ENRICH_MAX_AGE_DAYS", default=180)
# Off: the scheduled runs do nothing (a kill switch without the admin). The admin's
# Pause/Resume is a database row and needs no restart.
ENRICH_ENABLED = env_bool("ENRICH_ENABLED", default=True)
# HTTP caching of the public answers (registry.http): their ETag names the release, so a
# deploy that changes a page's markup is a new ETag; max-age is how long a browser, proxy or
# CDN may serve its copy without asking (a new edition shows after that long at most).
RELEASE = os.environ.get("RELEASE", "dev")
HTTP_MAX_AGE = env_int("HTTP_MAX_AGE", default=60)
for _name in ("KVK_API_RATE_PER_MINUTE", "KVK_OPENDATA_RATE_PER_MINUTE", "ENRICH_BATCH_SIZE"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")

# --- The JSON API: Django REST framework views, documented by drf-spectacular --------------
# JSON only: the browsable API's pages use inline scripts, which the Content-Security-Policy
# forbids, and /api/docs/ documents every endpoint. Anonymous and read-only: no session or
# login is looked at (no query for it). Rate limits are the web edge's (config/edge.py), by
# URL name as for every page, not DRF's throttles: one count per client, one place.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],  # GET only: no body is read
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS stays a 405, as before DRF: GET is all there is
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "registry.http.FallbackNegotiation",
    "EXCEPTION_HANDLER": "registry.http.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "erkend API",
    "DESCRIPTION": (
        "The IND public register of recognised sponsors (erkend referenten), searchable, with "
        "the history of every listing: the same answers as the site's pages, as JSON. Read "
        "only, no key needed; at most RATELIMIT_API requests per client address (600 a minute "
        "by default), beyond which the answer is a 429 with Retry-After. Every refusal has "
        'the shape `{"errors": {parameter: [{"message", "code"}]}}`. Answers carry an ETag '
        "and Last-Modified: a conditional GET gets a 304 until the register changes."
    ),
    "VERSION": "1",
    "TAGS": [  # in this order on /api/docs/
        {"name": "search", "description": "Employers by name, KvK number and filters."},
        {"name": "companies", "description": "One employer and its history."},
        {"name": "history", "description": "The editions, what each changed, the figures."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,  # the schema does not describe itself
    "SWAGGER_UI_DIST": "SIDECAR",  # from /static/: no CDN, script-src 'self' holds
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # `status` and `status_now` share one set of values: one enum in the schema, by name.
    "ENUM_NAME_OVERRIDES": {"ListingStatusEnum": "registry.serializers.STATUSES"},
}

# English is the source language of every string (no English catalogue); Dutch comes from
# locale/nl/LC_MESSAGES/django.po, compiled by `make compile-messages` (README, "Languages").
# The names are in their own language: that is how a reader finds theirs.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", gettext_lazy("English")), ("nl", gettext_lazy("Nederlands"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60  # the choice is remembered for a year
LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
WHITENOISE_AUTOREFRESH = DEBUG  # serve edits to static files without collectstatic locally
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}

# Behind a TLS-terminating proxy in production; harmless locally.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- The web edge: rate limits, login lockout, headers (config/edge.py; docs/edge.md) -------
# Every value from the environment; .env.example sets the production ones, with which
# `manage.py check --deploy` reports no issues (tests/test_edge.py runs it).


def env_rate(name: str, *, default: str) -> str:
    """A django-ratelimit rate: a count, "/", and a period (s, m, h, d; 5m is five minutes)."""
    raw = os.environ.get(name, "").strip() or default
    if not re.fullmatch(r"[0-9]+/[0-9]*[smhd]", raw):
        raise ImproperlyConfigured(f"{name} must be a rate such as 30/m or 100/5m, not {raw!r}")
    return raw


def env_networks(name: str) -> list[str]:
    """Comma-separated addresses or networks (10.0.0.0/8); a bad one stops start-up."""
    values = env_list(name, default="")
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an address or a network"
            ) from None
    return values


# Requests per client address (config/edge.py counts them by URL name, in the default cache).
# false turns every limit off (benchmarks; tests that must send many requests).
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_CHECK = env_rate("RATELIMIT_CHECK", default="30/m")  # bulk check POSTs
RATELIMIT_API = env_rate("RATELIMIT_API", default="600/m")  # JSON, CSV and Atom, together
# The search page: typing asks for results after each 250 ms pause, so a person stays far below.
RATELIMIT_SEARCH = env_rate("RATELIMIT_SEARCH", default="600/m")
RATELIMIT_IP_META_KEY = "config.edge.client_address"
RATELIMIT_FAIL_OPEN = True  # a cache that answers nothing lets the request through
# Proxies whose X-Forwarded-For is believed (addresses or networks). Empty: REMOTE_ADDR is
# the client, and X-Forwarded-For, which anyone can send, is ignored.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
# At most this many bulk checks run at once, across every process (registry/slots.py): the
# rest are asked to come back, so searches keep a worker (gunicorn runs 3) and a core.
BULK_CHECK_SLOTS = env_int("BULK_CHECK_SLOTS", default=2)
if BULK_CHECK_SLOTS < 1:
    raise ImproperlyConfigured("BULK_CHECK_SLOTS must be at least 1")

# Admin login failures (django-axes, in the database: no cache needed): after this many from
# one address, that address is locked out for the cool-off, which each further try restarts.
AUTHENTICATION_BACKENDS = [
    "config.edge.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env_positive("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.edge.client_address"
AXES_LOCKOUT_CALLABLE = "config.edge.login_lockout"
AXES_ENABLED = env_bool("LOGIN_LOCKOUT_ENABLE", default=True)
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged

# Content-Security-Policy (django-csp) on every page: scripts and styles from our own files
# only, no inline script, style or eval; nothing may frame us. A response that sets its own
# (a stored IND page, sandboxed) keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # the admin's icons include data: URLs
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the site never uses, off for it and anything it could embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
# https only. Off by default so a site not yet behind TLS stays reachable (HSTS, once sent,
# keeps browsers off plain http for its whole max-age); .env.example turns them on.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
# A load balancer's probe speaks plain http to the process itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"cache_outage": {"()": "config.cache.OutageLog", "seconds": 10 * 60}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"config.cache": {"filters": ["cache_outage"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
