"""Settings for the portal, driven by the environment with safe defaults.

With no environment at all the portal runs on its embedded default: a SQLite file,
email to the console and Celery on kombu's filesystem transport.
"""

import os
import secrets
import sys
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("PORTAL_TESTING", False)
# Commands that build files from the code and sign nothing that outlives them may run
# without the production secrets, so `manage.py makemigrations --check` works anywhere.
_KEYLESS_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "collectstatic",
                     "spectacular", "help"}
KEYLESS = (
    len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" and sys.argv[1] in _KEYLESS_COMMANDS
)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    elif KEYLESS:
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (see .env.example)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "csp",
    "portal",
    "enterprises",
    "liaisons",
    "filings",
    "supplies",
    "workers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RequestContextMiddleware",
    # Before the session, forms, views or the database read the path, the query or a header
    # (and after the request id is bound, so a refusal carries X-Request-ID like any answer):
    # NUL and broken UTF-8 are a 400.
    "portal.middleware.InputHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
# The model the journal's `enterprise_id` refers to (audit pages show its name).
PORTAL_ENTERPRISE_MODEL = "enterprises.Enterprise"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.views.unread_notifications",
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file. SQLite writers take the write lock at BEGIN
# (IMMEDIATE) so that concurrent journal appends queue instead of failing.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = ["portal.auth.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language and time (DESIGN §9).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

# Email: EMAIL_URL (smtp://user:pass@host:port, smtp+tls://..., console://), console by default.
EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
if EMAIL_URL.startswith("console:"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_URL.startswith("locmem:"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    from urllib.parse import unquote, urlsplit

    _email = urlsplit(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme in {"smtp+tls", "submission"}
    EMAIL_USE_SSL = _email.scheme == "smtps"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
# Seconds any one SMTP operation (connect, each reply) may take: a server that accepts and
# never answers fails the attempt, which is retried, instead of holding a worker.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "20"))

# Key for encrypting personal data at rest (resident ID numbers). Required in production.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
if not FIELD_ENCRYPTION_KEY and not (DEBUG or TESTING or KEYLESS):
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DJANGO_DEBUG is off.")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_VISIBILITY_TIMEOUT = 6 * 3600
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# Cache: Redis when available (shared by all web workers), local memory otherwise. The broker
# shares that Redis database: the key prefix keeps the cache's keys apart from the queues, so
# the cache's keys can be cleared without touching a queued task.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal-cache",
            # An unreachable Redis fails fast: sign-in throttling falls back to counting
            # in the process (portal/auth.py) rather than waiting on it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.ModelPermissions"],
    # JSON bounded in depth, without NUL or lone surrogates (portal/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.StableCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["portal.api.filtering.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "复工复产服务门户 API",
    "DESCRIPTION": (
        "复工复产服务门户的 REST API：企业登记、复工备案、联络服务与同步。\n\n"
        "The return-to-work portal's REST API (v1). Sign in with `POST /api/v1/auth/token/` "
        "and send `Authorization: Token <token>`. Every object has `id`, `version` and "
        "`updated_at`; a read answers `ETag: \"<version>\"`, and PUT, PATCH and DELETE need "
        "`If-Match` with it (428 without, 412 when stale). A POST may carry an "
        "`Idempotency-Key` to retry safely. Errors are `{\"field\": [\"message\"]}` or "
        "`{\"detail\": \"message\"}` in the request's language. Offline clients sync with "
        "`GET /api/v1/changes/`, whose description is the sync protocol."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operation ids and tags from the path after the version: `filings_submit_create`,
    # tag `filings`.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Loads portal.api.schema (and its extensions) before any view is inspected.
    "DEFAULT_GENERATOR_CLASS": "portal.api.schema.SchemaGenerator",
    # Enum components are named after the choices they come from (`FilingStatusEnum`,
    # portal.api.schema.enum_names); name one here only to override that.
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": ["portal.api.schema.postprocess_schema"],
    # No badge fetched from validator.swagger.io: the docs load nothing from outside.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Security: strict unless debugging; HTTPS settings apply behind a TLS-terminating proxy.
# Content-Security-Policy on every response (django-csp): the pages, the admin and the API
# docs load everything from the portal itself. No inline script or style but the API docs'
# one block each, allowed by a per-response nonce (templates/drf_spectacular/swagger_ui.html);
# data: images are the icons inside Swagger UI's stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Notifications: channel name → class with send(notification) (portal/channels.py).
NOTIFICATION_CHANNELS = {
    "email": "portal.channels.EmailChannel",
    "sms": os.environ.get("SMS_CHANNEL", "portal.channels.ConsoleSMSChannel"),
    "wecom": os.environ.get("WECOM_CHANNEL", "portal.channels.ConsoleWeComChannel"),
}
WECOM_WEBHOOK_URL = os.environ.get("WECOM_WEBHOOK_URL", "")
SMS_WEBHOOK_URL = os.environ.get("SMS_WEBHOOK_URL", "")
# Seconds a webhook channel (SMS gateway, WeCom) waits to connect and for each read.
NOTIFICATION_WEBHOOK_TIMEOUT = float(os.environ.get("NOTIFICATION_WEBHOOK_TIMEOUT", "10"))
# Delivery attempts in all (the first and its retries), the wait before the first retry
# (doubling after each failure), how long a worker's claim on a delivery lasts (above the
# longest send the timeouts allow), and how late a due delivery may be before the sweep
# queues it again (its task was lost).
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "7"))
DELIVERY_RETRY_SECONDS = int(os.environ.get("DELIVERY_RETRY_SECONDS", "60"))
DELIVERY_CLAIM_SECONDS = int(os.environ.get("DELIVERY_CLAIM_SECONDS", "300"))
DELIVERY_SWEEP_GRACE_SECONDS = int(os.environ.get("DELIVERY_SWEEP_GRACE_SECONDS", "60"))
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")
# A broker outage must not hold a request: publishing fails fast and the sweep retries.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
from celery.schedules import crontab  # noqa: E402 - beside the schedule that uses it

CELERY_BEAT_SCHEDULE = {
    "delivery-sweep": {"task": "portal.tasks.delivery_sweep", "schedule": 60.0},
    # Help requests: remind before the due time, escalate when overdue (each once).
    "help-request-sweep": {"task": "liaisons.tasks.help_request_sweep", "schedule": 300.0},
    "idempotency-key-prune": {"task": "portal.tasks.idempotency_key_prune", "schedule": 3600.0},
    # Nightly at 02:30 in CELERY_TIMEZONE (Asia/Shanghai): verify, anchor, alert inspectors.
    "journal-verify": {
        "task": "portal.tasks.journal_verify", "schedule": crontab(hour=2, minute=30),
    },
}

# Signed checkpoints of the journal (DESIGN §4, portal/checkpoints.py). The Ed25519 private
# key never lives in the database: JOURNAL_SIGNING_KEY (base64 of the 32-byte seed, or PEM)
# or JOURNAL_SIGNING_KEY_FILE (a PEM file); `manage.py journal_keygen` makes one. Without
# one, debugging and tests sign with a development key generated under PORTAL_VAR_DIR;
# production refuses to sign. JOURNAL_VERIFY_KEYS: more public keys (base64, comma-separated)
# that checkpoints may carry: retired keys, or the only ones on a host that must not sign.
JOURNAL_SIGNING_KEY = os.environ.get("JOURNAL_SIGNING_KEY", "")
JOURNAL_SIGNING_KEY_FILE = os.environ.get("JOURNAL_SIGNING_KEY_FILE", "")
JOURNAL_DEVELOPMENT_KEY = DEBUG or TESTING
JOURNAL_DEVELOPMENT_KEY_FILE = VAR_DIR / "journal-development-key.pem"
JOURNAL_VERIFY_KEYS = env_list("JOURNAL_VERIFY_KEYS")
# Minutes between scheduled checkpoints (one is signed only if the journal grew); 0: none.
JOURNAL_CHECKPOINT_MINUTES = int(os.environ.get("JOURNAL_CHECKPOINT_MINUTES", "60"))
if JOURNAL_CHECKPOINT_MINUTES > 0:
    CELERY_BEAT_SCHEDULE["journal-checkpoint"] = {
        "task": "portal.tasks.journal_checkpoint",
        "schedule": JOURNAL_CHECKPOINT_MINUTES * 60.0,
    }
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24"))

# API tokens (portal/tokens.py): each ends when unused for API_TOKEN_IDLE_HOURS and in any
# case API_TOKEN_MAX_AGE_DAYS after it was issued; a user holds at most API_TOKENS_PER_USER
# (signing in once more ends their oldest). Expired ones are deleted hourly.
API_TOKEN_IDLE_HOURS = int(os.environ.get("API_TOKEN_IDLE_HOURS", "72"))
API_TOKEN_MAX_AGE_DAYS = int(os.environ.get("API_TOKEN_MAX_AGE_DAYS", "30"))
API_TOKENS_PER_USER = int(os.environ.get("API_TOKENS_PER_USER", "20"))
CELERY_BEAT_SCHEDULE["api-token-prune"] = {
    "task": "portal.tasks.api_token_prune", "schedule": 3600.0,
}
# Password reset links (emailed) work once and for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT_HOURS", "24")) * 3600
# Liaison home pages list the enterprises no official has visited for this many days.
LIAISON_VISIT_STALE_DAYS = int(os.environ.get("LIAISON_VISIT_STALE_DAYS", "14"))
