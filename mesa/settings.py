"""Mesa settings: one code path, read from the environment (12-factor).

Every variable is documented in README.md. Bad values fail at boot with a
clear message rather than half-working.
"""

from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's `.env` (written by `make` on first setup) fills in what the
# environment leaves unset; real environment variables always win.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "mesa.apps.MesaConfig",
    "subcommittees",
    "concerns",
    "meetings",
    "commitments",
    "indicators",
    "reminders",
    "pgtrigger",
    "pghistory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mesa.i18n.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out an idle session (MESA_IDLE_TIMEOUT_SECONDS), then asks for the second factor
    # of those who must give one (accounts.two_factor).
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    # Who changed a tracked record (sessions, minutes, agreements), in its history.
    "pghistory.middleware.HistoryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # AxesMiddleware must come last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mesa.urls"
WSGI_APPLICATION = "mesa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Form widgets rendered by Jinja2 where Django has them in that language (mesa.form_rendering).
FORM_RENDERER = "mesa.form_rendering.FormRenderer"

# --- Database: PostgreSQL only -------------------------------------------------
try:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. `make run` and `make test` set it for you; "
        "otherwise use e.g. postgres://user:password@127.0.0.1:5432/mesa"
    ) from exc
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Mesa runs on PostgreSQL only: DATABASE_URL must be postgres://...")
# A Unix-socket directory may be given percent-encoded as the host.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST") or "")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ---------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. `make run` and `make test` set it for you; "
        "otherwise use e.g. redis://127.0.0.1:6379/0"
    )
if REDIS_URL.startswith("unix://"):
    # redis-py speaks unix://, kombu speaks redis+socket:// for the same socket.
    CELERY_BROKER_URL = "redis+socket://" + REDIS_URL.removeprefix("unix://")
elif REDIS_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_URL = REDIS_URL
else:
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=CELERY_BROKER_URL)
# Results are kept only for tasks that ask for them (ignore_result=False), such as mesa.ping.
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
# The queue tasks go to and workers listen on ("celery"); one per deployment sharing a broker.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE: dict = {
    "concerns-ask-whether-resolved": {
        "task": "concerns.tasks.ask_whether_resolved_task",
        "schedule": 60 * 60,
    },
    # An interval, not a local-time crontab: beat ticks in UTC and never misfires on a
    # daylight-saving day; what is due is decided by each reminder's stored UTC instant.
    "reminders-dispatch": {
        "task": "reminders.tasks.dispatch_due_reminders_task",
        "schedule": 60,
    },
    "accounts-purge-login-events": {
        "task": "accounts.tasks.purge_login_events_task",
        "schedule": 60 * 60 * 24,
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mesa"),
    }
}

# --- Accounts and authentication ------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend first: it refuses locked-out credentials before any check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
ACCOUNT_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3

# Guardian: no database "anonymous user"; what visitors see is decided in the
# permissions modules, never by a row granting perms to everyone.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# django-axes: lock a login (email + IP) after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from_credentials"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("MESA_PROXY_COUNT", default=0)

SESSION_COOKIE_AGE = env.int("MESA_SESSION_AGE_SECONDS", default=60 * 60 * 8)
# A signed-in session idle longer than this is ended (accounts.middleware.IdleTimeoutMiddleware);
# SESSION_COOKIE_AGE stays the absolute limit however active the person is.
MESA_IDLE_TIMEOUT_SECONDS = env.int("MESA_IDLE_TIMEOUT_SECONDS", default=30 * 60)
if MESA_IDLE_TIMEOUT_SECONDS < 60:
    raise ImproperlyConfigured("MESA_IDLE_TIMEOUT_SECONDS must be at least 60.")
# Sign-in events (accounts.LoginEvent) are kept this many days.
MESA_LOGIN_EVENT_RETENTION_DAYS = env.int("MESA_LOGIN_EVENT_RETENTION_DAYS", default=90)
if MESA_LOGIN_EVENT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("MESA_LOGIN_EVENT_RETENTION_DAYS must be at least 1.")
# Two-step verification (django-otp TOTP): the name authenticator apps show.
OTP_TOTP_ISSUER = env.str("MESA_SITE_NAME", default="Mesa")
# The admin never shows a device's secret or its QR code: whoever saw it could make the codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage and logs; pages use the table's own time zone
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
# Evidence of concerns: outside MEDIA_ROOT, served only through permission-checked views.
MESA_PRIVATE_MEDIA_ROOT = env.path("MESA_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
MESA_UPLOAD_MAX_BYTES = env.int("MESA_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

# --- Email ----------------------------------------------------------------------
# Console unless configured: EMAIL_URL (smtp://user:pass@host:587, or consolemail://,
# filemail:////absolute/path) or EMAIL_BACKEND for anything else (an anymail backend, say).
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=globals()["EMAIL_BACKEND"])
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Mesa <no-reply@mesa.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (all on when DEBUG is off) ------------------------------------------
SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("MESA_BEHIND_PROXY", default=False) else None
)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from our own files, never
# inline: no <style> or <script> blocks, style="" or on*= attributes in templates
# (tests/mesa/test_security_headers.py walks them). data: images are the Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- REST framework and OpenAPI -------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous caller with the first class's
    # WWW-Authenticate header, so "please sign in" is a 401, not a 403. Session
    # still works for the browser, with its CSRF check on writes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token, refusing a person who must use two-step verification and has not set it up.
        "mesa.api.authentication.TwoFactorTokenAuthentication",
        # Session, refusing a person who still owes the second factor (accounts.two_factor).
        "mesa.api.authentication.TwoFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "mesa.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mesa API",
    "DESCRIPTION": "Security dialogue tables: tables, subcommittees, institutions, organisations, "
    "memberships, concerns, sessions (plenaries and subcommittee sessions), agreements, proposals, "
    "commitments with their action updates, and performance indicators with their observations. "
    "Times of sessions are given in their table's time zone, with its offset.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Logging: structured, one JSON object a line; never request bodies ------------
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "mesa.logging.JsonFormatter"}},
    "filters": {"scrub": {"()": "mesa.logging.ScrubRequestFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["scrub"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Mesa -----------------------------------------------------------------------
# Salts the hashes of anonymous reporters' receipt codes. Changing it makes every
# existing receipt code stop working, so it is kept apart from DJANGO_SECRET_KEY.
MESA_RECEIPT_KEY = env.str("MESA_RECEIPT_KEY", default=SECRET_KEY)
# Anonymous concerns per client address, and receipt-code look-ups (see mesa/ratelimit.py).
MESA_ANONYMOUS_CONCERNS_PER_HOUR = env.int("MESA_ANONYMOUS_CONCERNS_PER_HOUR", default=5)
MESA_RECEIPT_LOOKUPS_PER_HOUR = env.int("MESA_RECEIPT_LOOKUPS_PER_HOUR", default=20)
MESA_SITE_NAME = env.str("MESA_SITE_NAME", default="Mesa")
# Absolute links in mail (invitations, verification, password reset) start with this.
MESA_BASE_URL = env.str("MESA_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# How reminders reach people (reminders.channels): the in-app inbox and email; an SMS or
# WhatsApp channel is one more dotted path here.
MESA_REMINDER_CHANNELS = env.list("MESA_REMINDER_CHANNELS", default=[
    "reminders.channels.InboxChannel", "reminders.channels.EmailChannel"])
# Reminders are sent a few per transaction (reminders.dispatch): at most this many rows, and no
# longer than this many seconds of sending, per commit. A worker killed before a commit sends
# those emails again (same Message-ID): at most this many. 1 makes it one, at a cost in speed
# (`make bench`, 100,000 reminders on 2 cores: 10 rows 83 s, 5 rows 114 s, 1 row 225 s).
MESA_REMINDER_COMMIT_ROWS = env.int("MESA_REMINDER_COMMIT_ROWS", default=10)
MESA_REMINDER_COMMIT_SECONDS = env.float("MESA_REMINDER_COMMIT_SECONDS", default=0.25)
