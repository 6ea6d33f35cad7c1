"""weibao settings.

Everything comes from the environment. With nothing set, weibao runs embedded: SQLite in WAL mode
and generated keys under var/. With WEIBAO_ENV=production it refuses to start unless the secrets
are given and DEBUG is off, because a misconfigured production instance would leak children's data.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from weibao.core.keys import (
    field_key_problems,
    load_or_create_embedded_keys,
    production_key_problems,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WEIBAO_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = os.environ.get("WEIBAO_ENV", "embedded") == "production"
DEBUG = _env_bool("WEIBAO_DEBUG", False)

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("WEIBAO_DEBUG must be off in production.")
    for required in ("WEIBAO_SECRET_KEY", "WEIBAO_FIELD_KEYS", "WEIBAO_HASH_KEY"):
        if not os.environ.get(required):
            raise ImproperlyConfigured(f"{required} must be set in production.")
    SECRET_KEY = os.environ["WEIBAO_SECRET_KEY"]
    FIELD_ENCRYPTION_KEYS = [k for k in os.environ["WEIBAO_FIELD_KEYS"].split(",") if k.strip()]
    LOOKUP_HASH_KEY = os.environ["WEIBAO_HASH_KEY"]
    # Checked now: a key that is present but unusable would otherwise fail at the first
    # encryption, in the middle of saving a child's file.
    _problems = production_key_problems(
        secret_key=SECRET_KEY, field_keys=FIELD_ENCRYPTION_KEYS, hash_key=LOOKUP_HASH_KEY
    )
    if _problems:
        raise ImproperlyConfigured("\n".join(_problems))
else:
    _keys = load_or_create_embedded_keys(VAR_DIR)
    SECRET_KEY = os.environ.get("WEIBAO_SECRET_KEY") or _keys["secret_key"]
    FIELD_ENCRYPTION_KEYS = (
        os.environ["WEIBAO_FIELD_KEYS"].split(",")
        if os.environ.get("WEIBAO_FIELD_KEYS")
        else [_keys["field_key"]]
    )
    LOOKUP_HASH_KEY = os.environ.get("WEIBAO_HASH_KEY") or _keys["hash_key"]
    if _problems := field_key_problems(FIELD_ENCRYPTION_KEYS):
        raise ImproperlyConfigured("\n".join(_problems))

# The key of the audit log's hash chain and the key that encrypts backups: each derived from the
# lookup-hash key unless given (any string; docs/operations.md). Neither is ever stored in the
# database. Changing the audit key makes every row written before it fail verification.
AUDIT_CHAIN_KEY = os.environ.get("WEIBAO_AUDIT_KEY", "")
BACKUP_KEY = os.environ.get("WEIBAO_BACKUP_KEY", "")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("WEIBAO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("WEIBAO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's own widget templates, for FORM_RENDERER below.
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "weibao.core",
    "weibao.areas",
    "weibao.accounts",
    "weibao.audit",
    # Two-factor sign-in: django-otp's time-based codes (an authenticator app) and its static
    # codes (the recovery codes); weibao.security holds the pages, the rules and API tokens.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "weibao.security",
    "weibao.staff",
    "weibao.children",
    "weibao.training",
    "weibao.visits",
    "weibao.duplicates",
    "weibao.notifications",
    "weibao.reports",
    "weibao.partners",
    "weibao.cases",
    "weibao.ledger",
    "weibao.referrals",
    "weibao.protection",
    "weibao.transfers",
    "weibao.safekeeping",
    "weibao.stations",
    "weibao.administration",
    "weibao.activities",
    "weibao.suggestions",
    "weibao.inspections",
    "weibao.council",
    "weibao.dashboards",
    "weibao.archive",
    "weibao.imports",
    "weibao.front",
    "weibao.demo",
]

MIDDLEWARE = [
    # First: the client's address (from X-Forwarded-For only behind a trusted proxy), which the
    # rate limits, the lockout and the audit read as REMOTE_ADDR; then the request id and the
    # structured request log line (docs/deploy.md).
    "weibao.core.middleware.ClientAddressMiddleware",
    "weibao.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: it signs out and says why (an idle session ends
    # before anything else is asked of it).
    "weibao.accounts.middleware.SessionLimitsMiddleware",
    # After the password, the second step before anything else; and the signed-in devices.
    "weibao.security.middleware.SignInGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "weibao.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "weibao.front.urls"
WSGI_APPLICATION = "weibao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "weibao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "weibao.core.context_processors.site",
                "weibao.notifications.context_processors.topbar",
                "weibao.front.context_processors.menu",
            ],
        },
    },
]

# Widgets render through the site's templates, so weibao/templates/django/forms/widgets/ gives
# every radio and checkbox group of every form one markup (label around input); a <select> is
# written in Python, the same markup at a fraction of the cost (weibao/core/renderers.py).
FORM_RENDERER = "weibao.core.renderers.SiteRenderer"

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    # PostgreSQL in production: each server process keeps a pool of connections (psycopg_pool,
    # Django's OPTIONS["pool"]), so a request does not pay for a new connection. On by default in
    # production; WEIBAO_DB_POOL=0 turns it off, e.g. behind PgBouncer (docs/deploy.md), which
    # pools across processes instead and wants server-side cursors off in transaction mode.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        if _env_bool("WEIBAO_DB_POOL", PRODUCTION):
            DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
            DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
                "min_size": int(os.environ.get("WEIBAO_DB_POOL_MIN", "1")),
                "max_size": int(os.environ.get("WEIBAO_DB_POOL_MAX", "4")),
                "timeout": float(os.environ.get("WEIBAO_DB_POOL_TIMEOUT", "10")),
            }
        if _env_bool("WEIBAO_PGBOUNCER", False):
            DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "weibao.sqlite3",
            "OPTIONS": {
                # IMMEDIATE makes writers queue on the lock instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # A 32 MB page cache instead of SQLite's 2 MB: an import's chunk writes into a
                # dozen indexes with random keys (hashes, digests), which a small cache reads
                # back from disk page by page (docs/performance.md, "Spreadsheet import").
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-32768;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Argon2id at OWASP's costs (weibao.accounts.hashers); the others only check the hashes made
# before it, each replaced by an Argon2id hash at its user's next sign-in.
PASSWORD_HASHERS = [
    "weibao.accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# Applied whenever a password is set or changed (never to the hashes already stored): at least
# 10 characters, not only digits, not in Django's list of 20,000 common passwords, not like the
# username, the full name or the e-mail address. Django's messages come in Chinese.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The one-time link with which a person sets their password, made by district staff when they
# create the account or reset its password (docs/security.md): it stops working after this
# many hours, once used, and when a newer link is made.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("WEIBAO_PASSWORD_LINK_HOURS", "72")) * 3600

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "weibao" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "weibao" / "static"]
STATIC_ROOT = Path(os.environ.get("WEIBAO_STATIC_ROOT", VAR_DIR / "static"))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: `weibao collectstatic` writes each file under a name with its content's hash
    # (cached for a year by browsers) plus its gzip and brotli copies, and a manifest the pages'
    # {% static %} read. Embedded mode (and the tests) keep the plain names and need no manifest.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Embedded mode serves assets straight from the source tree, so a fresh checkout needs no
# collectstatic; production collects them once at deploy time.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
if PRODUCTION:
    # Only the hashed names are kept and compressed (the pages name no other), and source maps
    # (read only by a browser's developer tools, 40% of the bytes) are not compressed: this
    # halves the time of collectstatic at each upgrade.
    WHITENOISE_KEEP_ONLY_HASHED_FILES = True
    from whitenoise.compress import Compressor

    WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Two-factor sign-in (docs/security.md). Required of district staff, supervisors, station staff
# and the system administrator (and of 儿童主任 where their district says so) unless turned
# off: on by default in production, off in embedded mode (`make run`, the demo), where the
# pages say so and anyone may still set it up.
WEIBAO_2FA_REQUIRED = _env_bool("WEIBAO_2FA_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = os.environ.get("WEIBAO_2FA_ISSUER", "weibao")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# API tokens: made on the "API tokens" page, valid for at most this many days.
WEIBAO_TOKEN_DAYS = int(os.environ.get("WEIBAO_TOKEN_DAYS", "90"))
# POST /api/v1/auth/token/ with a username and password gives a token: for the demo only
# (off by default in production), and never to an account with two-factor sign-in.
WEIBAO_PASSWORD_TOKENS = _env_bool("WEIBAO_PASSWORD_TOKENS", not PRODUCTION)

SESSION_COOKIE_HTTPONLY = True
# A session lasts at most SESSION_COOKIE_AGE from sign-in however active it is, and ends after
# WEIBAO_SESSION_IDLE_MINUTES without a request (accounts.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("WEIBAO_SESSION_HOURS", "12")) * 3600
WEIBAO_SESSION_IDLE_MINUTES = int(os.environ.get("WEIBAO_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Production is served over HTTPS only (docs/security.md): browsers are told to come back over
# HTTPS for a year, and plain-HTTP requests are redirected. Behind a reverse proxy that ends TLS,
# set WEIBAO_PROXY_SSL_HEADER=1 so that the proxy's X-Forwarded-Proto says the request was secure.
if PRODUCTION:
    SECURE_HSTS_SECONDS = int(os.environ.get("WEIBAO_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("WEIBAO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("WEIBAO_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = _env_bool("WEIBAO_SSL_REDIRECT", True)
    # Turning one of these off is the operator's deliberate choice: `check --deploy` stays quiet.
    SILENCED_SYSTEM_CHECKS = [
        check
        for check, on in [
            ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
            ("security.W021", SECURE_HSTS_PRELOAD),
            ("security.W008", SECURE_SSL_REDIRECT),
        ]
        if not on
    ]
    if _env_bool("WEIBAO_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A monitor on the machine asks the server itself over plain HTTP (docs/deploy.md): the
    # health check carries no personal data and sets no cookie, so it is not redirected.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or networks,
# e.g. 127.0.0.1 for nginx on the same machine): a request from one of them is counted, locked
# out and audited under the client address the proxy says, every other under its own address.
# Unset, X-Forwarded-For is ignored — anyone can write it (core.middleware.ClientAddressMiddleware).
WEIBAO_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("WEIBAO_TRUSTED_PROXIES", "").split(",") if p.strip()
]

# Content-Security-Policy (django-csp): scripts and styles only from the site's own static
# files — no inline <script>, style="" or on…= handler anywhere (tests/front/test_headers.py) —
# and no page may be framed. Images may be data: URLs (the API docs' icons, the receipt picture).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "weibao.security.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "weibao.core.pagination.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "weibao.core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("WEIBAO_LOGIN_RATE", "10/min")},
    # The throttles count by REMOTE_ADDR, which core.middleware.ClientAddressMiddleware has made
    # the client's (from X-Forwarded-For only behind WEIBAO_TRUSTED_PROXIES). Left unset, DRF
    # would count by whatever X-Forwarded-For a client sends, and a made-up one escapes the limit.
    "NUM_PROXIES": 0,
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "weibao.core.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "weibao API",
    "DESCRIPTION": _("Minor-protection workstation case system"),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "weibao.core.api.document_common_answers",
    ],
}

# Production logs one JSON object a line on stderr (journald keeps them): every record carries
# the request id, and the request log (weibao.request) one line per request with the user's id,
# the path without its query string, the method, the status and the time (core.logging).
# WEIBAO_LOG_FORMAT=text|json overrides; embedded mode keeps plain text.
LOG_JSON = os.environ.get("WEIBAO_LOG_FORMAT", "json" if PRODUCTION else "text") == "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "weibao.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", **({"formatter": "json"} if LOG_JSON else {})}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("WEIBAO_LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per request in production; embedded mode's server prints its own.
        "weibao.request": {"level": "INFO" if PRODUCTION else "WARNING"},
        # The worker's line for each task received and done (its id and time, never arguments).
        "celery": {"level": "INFO" if PRODUCTION else "WARNING"},
    },
}

# The cache holds the public door's rate-limit counters. Several web workers must share it, or
# each counts alone: set WEIBAO_CACHE_URL (e.g. redis://127.0.0.1:6379/1) in production. Unset,
# each process keeps its own in memory, which is right for the embedded single process.
if os.environ.get("WEIBAO_CACHE_URL"):
    CACHES = {
        "default": {
            # Django's Redis cache, one client kept per server (weibao/core/cache.py).
            "BACKEND": "weibao.core.cache.RedisCache",
            "LOCATION": os.environ["WEIBAO_CACHE_URL"],
            "KEY_PREFIX": "weibao",
        }
    }
    # Every signed-in request reads its session: from the shared cache, not a query (written
    # through to the database, which stays the record the signed-in devices page reads, and
    # read from it when the cache misses or fails). docs/performance.md, "Fewer queries on
    # every page".
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Background jobs (Celery). With CELERY_BROKER_URL set (e.g. redis://127.0.0.1:6379/0), run
# `celery -A weibao worker` and `celery -A weibao beat`. Unset is embedded mode: tasks run
# in-process and `weibao serve` runs the daily job itself.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# In production the worker and beat log through LOGGING above (JSON lines), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = not LOG_JSON
try:
    from celery.schedules import crontab
except ModuleNotFoundError:  # Celery is optional in embedded mode
    CELERY_BEAT_SCHEDULE = {}
else:
    CELERY_BEAT_SCHEDULE = {
        "visits-daily": {
            "task": "weibao.visits.tasks.daily",
            "schedule": crontab(hour=2, minute=0),  # 02:00 in CELERY_TIMEZONE (Asia/Shanghai)
        },
        # Mandatory-report clocks (and the protection and referral alerts): every 5 minutes.
        "reports-clocks": {
            "task": "weibao.reports.tasks.clocks",
            "schedule": crontab(minute="*/5"),
        },
    }

# Mandatory reports (强制报告). The public page /report/ and its API are limited per client
# address (REMOTE_ADDR: behind a reverse proxy, list it in WEIBAO_TRUSTED_PROXIES). Counted in
# Django's cache: with several server processes configure a shared cache (e.g. Redis).
# bucket → [(how many, per how many seconds), ...]
REPORT_PUBLIC_LIMITS = {
    "report": [(5, 10 * 60), (20, 24 * 3600)],  # reports accepted
    "post": [(30, 10 * 60), (100, 24 * 3600)],  # submissions, valid or not
    "status": [(10, 10 * 60), (30, 24 * 3600)],  # wrong reference/code guesses
}
# The largest request body the public door reads (a 5,000-character description in Chinese,
# form-encoded, is about 45 KB).
REPORT_PUBLIC_MAX_BODY = 100 * 1024
# The district's review of unusual access (/children/unusual-access/): a user who reads this many
# files or more in one day in 居民区s they do not usually read in, and exports of this many rows
# or more.
UNUSUAL_ACCESS_READS_PER_DAY = int(os.environ.get("WEIBAO_UNUSUAL_READS_PER_DAY", "20"))
UNUSUAL_EXPORT_ROWS = int(os.environ.get("WEIBAO_UNUSUAL_EXPORT_ROWS", "100"))
# /healthz says the daily job failed when its last run finished longer ago than this (it runs at
# 02:00, so a day and its own length).
WEIBAO_HEALTH_DAILY_HOURS = float(os.environ.get("WEIBAO_HEALTH_DAILY_HOURS", "26"))
# … and that the report clocks failed when they last ran longer ago than this (every 5 minutes).
WEIBAO_HEALTH_CLOCKS_MINUTES = float(os.environ.get("WEIBAO_HEALTH_CLOCKS_MINUTES", "15"))
# How often `weibao serve` checks the report clocks when there is no Celery broker.
REPORT_CLOCKS_INTERVAL_SECONDS = 5 * 60
