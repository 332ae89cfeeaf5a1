"""Settings for the OPD token system, read from the environment.

Every value has a safe development default; production refuses to start without a secret key.
Policy numbers of the allocation engine live in ``OPD`` and are read by ``scheduling.policy``.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers
from django.core.exceptions import ImproperlyConfigured

from opd_site.env import (
    envbackend,
    envbool,
    envint,
    envlist,
    envsecret,
    envstr,
    generated_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", False)
TESTING = envbool("OPD_TESTING", False)

SECRET_KEY = envsecret("SECRET_KEY", required=not (DEBUG or TESTING))
if not SECRET_KEY and TESTING:
    # The test runner only: a known key, which `check --deploy` flags (security.W009).
    SECRET_KEY = "insecure-development-key-not-for-production"  # noqa: S105
elif not SECRET_KEY:
    # DEBUG=yes development (`make run`): a random key made once for this install, kept in a
    # git-ignored file, so nothing here signs sessions or API tokens with a key anyone knows.
    SECRET_KEY = generated_secret(
        Path(envstr("DEV_SECRET_KEY_FILE", str(BASE_DIR / ".dev-secret-key")))
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
CORS_ALLOWED_ORIGINS = envlist("CORS_ALLOWED_ORIGINS", "")
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["Retry-After", "Idempotent-Replayed", "X-Request-ID"]
# The site's public address for links on slips and in answers; empty: the address each request
# came by (behind a proxy, set it, or trust the proxy's Host header).
SITE_URL = envstr("SITE_URL", "")
# Phone numbers typed without a country code are read as this region's (ISO 3166 code) and
# stored in E.164: "09820134567", "9820134567" and "+91 98201 34567" are one number.
PHONE_DEFAULT_REGION = envstr("PHONE_DEFAULT_REGION", "IN").strip().upper()

# The token slip: the hospital it names, and the paper the desk's printer takes (80 mm thermal
# roll or A6 sheets; a slip link may ask for the other with ?paper=). An empty SITE_URL makes the
# slip's QR code point at the address the desk reached the site by.
HOSPITAL_NAME = envstr("HOSPITAL_NAME", "City General Hospital")
HOSPITAL_ADDRESS = envstr("HOSPITAL_ADDRESS", "")
SLIP_PAPER = envstr("SLIP_PAPER", "80mm").strip().lower()
if SLIP_PAPER not in ("80mm", "a6"):
    raise ImproperlyConfigured(f"SLIP_PAPER must be 80mm or a6, not {SLIP_PAPER!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "accounts",
    "doctors",
    "scheduling",
    "queueing",
]

MIDDLEWARE = [
    "opd_site.middleware.RequestLogMiddleware",
    "opd_site.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the desk switch's cookie, else Accept-Language, else English.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "opd_site.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opd_site.urls"

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
                # The admin site's header and navigation on the desk's pages too (lazily).
                "scheduling.desk.access.admin_site_context",
            ],
        },
    },
]

WSGI_APPLICATION = "opd_site.wsgi.application"

# Database: PostgreSQL in production (row locks), an embedded SQLite file by default.
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work beside one writer; IMMEDIATE transactions take the write lock at
    # BEGIN, so two bookings never interleave; the busy timeout makes the second one wait.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file beside the database (threads need a shared file, not :memory:).
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name(f"test_{_db_file.name}"))}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # DATABASE_POOLER=pgbouncer: DATABASE_URL names PgBouncer in transaction pooling mode, where
    # consecutive transactions of one connection may run on different server connections. Only
    # what lives inside one transaction survives there: row locks and the engine's
    # transaction-scoped lock_timeout do; a server-side cursor held across transactions
    # (QuerySet.iterator) and, by default, prepared statements do not.
    DATABASE_POOLER = envstr("DATABASE_POOLER", "").strip().lower()
    if DATABASE_POOLER not in ("", "none", "pgbouncer"):
        raise ImproperlyConfigured(
            f"DATABASE_POOLER must be pgbouncer or none, not {DATABASE_POOLER!r}"
        )
    if DATABASE_POOLER == "pgbouncer":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Server-side binding lets psycopg prepare a statement once it has run
    # DATABASE_PREPARE_THRESHOLD times on a connection, so PostgreSQL stops parsing and planning
    # the engine's few statements again and again. Off by default behind PgBouncer: only 1.21
    # and later keep prepared statements in transaction mode (with max_prepared_statements set),
    # and then DATABASE_PREPARED_STATEMENTS=yes turns them back on.
    if envbool("DATABASE_PREPARED_STATEMENTS", DATABASE_POOLER != "pgbouncer"):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=envint("DATABASE_PREPARE_THRESHOLD", 5),
        )

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/desk/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/desk/login/"

# English and Hindi: the catalogue is locale/hi/LC_MESSAGES/django.po, compiled to .mo by
# `make run`, the image build, CI and the test suite (GNU gettext's msgfmt). Dates and times are
# written with the format names of opd_site/formats/<language>/formats.py.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("hi", "हिन्दी")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["opd_site.formats"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# E-mail and SMS: console in development; with DEBUG off the backends must be named (a console
# backend marks messages sent without sending them, so it is only ever a deliberate choice).
EMAIL_BACKEND = envbackend(
    "EMAIL_BACKEND",
    console="django.core.mail.backends.console.EmailBackend",
    development=DEBUG or TESTING,
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
# A hung SMTP server must not hold a sender past its notification lease.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "opd@hospital.example")
SMS_BACKEND = envbackend(
    "SMS_BACKEND", console="scheduling.sms.ConsoleSMSBackend", development=DEBUG or TESTING
)

# The allocation policy: every number the engine uses, in one place (see design/allocation.md).
OPD = {
    "PRIORITIES": {"emergency": 100, "priority": 80, "follow_up": 60, "online": 50, "walk_in": 40},
    "BOOKING_WINDOW_DAYS": envint("OPD_BOOKING_WINDOW_DAYS", 30),
    "MAX_BUMPS": envint("OPD_MAX_BUMPS", 1),
    "REFUND_CUTOFF_HOURS": envint("OPD_REFUND_CUTOFF_HOURS", 24),
    "NO_SHOW_GRACE_MINUTES": envint("OPD_NO_SHOW_GRACE_MINUTES", 15),
    "NO_SHOW_BLOCK_AFTER": envint("OPD_NO_SHOW_BLOCK_AFTER", 3),
    "NO_SHOW_WINDOW_DAYS": envint("OPD_NO_SHOW_WINDOW_DAYS", 90),
    "WALK_IN_RELEASE_MINUTES": envint("OPD_WALK_IN_RELEASE_MINUTES", 60),
    "FOLLOW_UP_DAYS": envint("OPD_FOLLOW_UP_DAYS", 14),
    "ROLLING_AVERAGE_WEIGHT": 0.2,
    "LOCK_TIMEOUT_MS": envint("OPD_LOCK_TIMEOUT_MS", 3000),
    "NOTIFICATION_MAX_ATTEMPTS": envint("OPD_NOTIFICATION_MAX_ATTEMPTS", 5),
    "NOTIFICATION_RETRY_MINUTES": envint("OPD_NOTIFICATION_RETRY_MINUTES", 5),
    # A row claimed for sending whose sender died is claimed again after this long.
    "NOTIFICATION_LEASE_MINUTES": envint("OPD_NOTIFICATION_LEASE_MINUTES", 5, minimum=1),
    # A patient whose expected call moves later than they were told by more than this is told
    # again (once an hour at most).
    "ESTIMATE_MOVE_NOTICE_MINUTES": envint("OPD_ESTIMATE_MOVE_NOTICE_MINUTES", 30, minimum=1),
    "IDEMPOTENCY_KEY_HOURS": 24,
    # Dotted path of a callable ``confirm(*, reference, amount, patient) -> bool`` that confirms a
    # patient's online payment; empty: none configured, so paid priority is sold at the desk.
    "ONLINE_PAYMENT_PROVIDER": envstr("OPD_ONLINE_PAYMENT_PROVIDER", ""),
}

# Who the client is. Behind TRUSTED_PROXIES reverse proxies (nginx: 1), the client's address is
# the one the outermost trusted proxy appended to X-Forwarded-For; with 0 (no proxy) it is
# REMOTE_ADDR and X-Forwarded-For is ignored. API throttles (NUM_PROXIES) and the sign-in
# lockout (opd_site.middleware.client_ip) read it the same way, so a client can neither reset
# its limits by writing the header nor lock a user out for everyone behind the proxy.
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0, minimum=0)

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "opd_site.api_errors.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "login": envstr("THROTTLE_LOGIN", "20/min"),
        "password": envstr("THROTTLE_PASSWORD", "10/hour"),
        "register": envstr("THROTTLE_REGISTER", "10/min"),
        "tokens": envstr("THROTTLE_TOKENS", "60/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=envint("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=envint("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": envsecret("JWT_SIGNING_KEY") or SECRET_KEY,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OPD Token API",
    "DESCRIPTION": (
        "Token allocation for a hospital's outpatient department.\n\n"
        "Sign in at `auth/login` and send `Authorization: Bearer <access>`. Every error has one "
        'shape: `{"error": {"code", "message", "details"}}`. Lists are paginated (`?page=`, '
        "`count`, `next`, `previous`, `results`). Requests that create a token accept an "
        "`Idempotency-Key` header."
    ),
    "VERSION": "1.0.0",
    # Swagger UI and ReDoc come from the app's own static files: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "ENUM_NAME_OVERRIDES": {
        "SourceEnum": "scheduling.models.Source",
        "TokenStatusEnum": "scheduling.models.TokenStatus",
        "SlotStatusEnum": "scheduling.models.Slot.Status",
        "RefundStatusEnum": "scheduling.models.Refund.Status",
        "CancelledByEnum": "scheduling.models.CancelledBy",
        "EventKindEnum": "scheduling.models.EventKind",
        "WaitingStatusEnum": "scheduling.models.WaitingEntry.Status",
        "RoleEnum": "accounts.models.Role",
        "SexEnum": "accounts.models.Sex",
    },
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999},
    },
    "TAGS": [
        {"name": "auth", "description": "Sign-up, sign-in, JWT refresh and the own profile."},
        {"name": "patients", "description": "Patient records kept by the front desk."},
        {"name": "doctors", "description": "Doctors, their slots, live queue and figures."},
        {"name": "tokens", "description": "Requesting tokens and moving them through the day."},
        {"name": "slots", "description": "Slot availability and changes to slots."},
        {"name": "waiting list", "description": "Requests that got no seat yet."},
        {"name": "refunds", "description": "Refunds of cancelled paid tokens."},
        {"name": "cancellations and emergencies", "description": "Reports and emergency entry."},
    ],
}

# Login lockout: 5 failures lock the account-and-client-address pair for 15 minutes (never the
# account alone: a stranger's guesses must not lock the front desk out). The address is the
# client's behind TRUSTED_PROXIES, read by the same function as the throttles'.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_CLIENT_IP_CALLABLE = "opd_site.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False

# Throttle counters live in the cache: share one (Redis) between workers and machines in
# production so that a rate is a rate for the whole site, not per process.
CACHE_URL = envstr("CACHE_URL", "locmem://")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL must be locmem:// or redis://..., not {CACHE_URL!r}")

# Production hardening: on unless DEBUG. Behind a TLS-terminating proxy that sets
# X-Forwarded-Proto.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not TESTING)
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not TESTING)
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not TESTING)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if TESTING else 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Load balancers probe health over plain HTTP on the internal network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Desk PCs are shared: a session ends when the browser closes, and at the latest after a shift.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = envint("SESSION_SHIFT_HOURS", 12, minimum=1) * 3600

SLOW_REQUEST_MS = envint("SLOW_REQUEST_MS", 500)
LOG_LEVEL = envstr("LOG_LEVEL", "INFO")
LOG_FORMAT = envstr("LOG_FORMAT", "text" if DEBUG or TESTING else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "opd_site.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # axes names the account and address it locks out: personal data stays out of the logs
        # (a lockout answers 429, which the access log records without who it was).
        "axes": {"level": "WARNING"},
    },
}
