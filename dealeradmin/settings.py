"""DealerAdmin settings: every value comes from the environment (or `.env`), with safe defaults
for development. `.env.example` lists every variable."""

import os
from pathlib import Path

import environ
import jinja2
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Put it in the environment or in .env "
            "(`make .env` writes one with fresh keys; see .env.example)."
        )
    return value


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A stale token says "your session expired" (and, to htmx, a header app.js turns into words).
CSRF_FAILURE_VIEW = "dealeradmin.accounts.csrf.csrf_failure"

# Fernet keys for the stored DealerStudio tokens, newest first. Tokens are encrypted with the
# first; every key still decrypts, so a key is rotated by putting a new one in front, running
# `manage.py rotate_token_keys`, then removing the old one.
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
if not TOKEN_ENCRYPTION_KEYS:
    _required("TOKEN_ENCRYPTION_KEYS")

DEALERSTUDIO_API_URL = env.str("DEALERSTUDIO_API_URL", default="http://127.0.0.1:8001")
DEALERSTUDIO_CONNECT_TIMEOUT = env.float("DEALERSTUDIO_CONNECT_TIMEOUT", default=2.0)
DEALERSTUDIO_READ_TIMEOUT = env.float("DEALERSTUDIO_READ_TIMEOUT", default=8.0)
# How long a request a person waits on may spend retrying; background jobs may wait longer.
DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = env.float(
    "DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS", default=2.0
)
DEALERSTUDIO_JOB_RETRY_SECONDS = env.float("DEALERSTUDIO_JOB_RETRY_SECONDS", default=60.0)
DEALERSTUDIO_WEBHOOK_TOKEN = _required("DEALERSTUDIO_WEBHOOK_TOKEN")
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1_000_000)

TAG_JOB_CONCURRENCY = env.int("TAG_JOB_CONCURRENCY", default=4)
DEFAULT_TIME_ZONE_NAME = env.str("DEALERSHIP_TIME_ZONE", default="Australia/Brisbane")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "dealeradmin.accounts",
    "dealeradmin.clusters",
    "dealeradmin.audit",
    "dealeradmin.board",
    "dealeradmin.tags",
    "dealeradmin.overview",
    "dealeradmin.core",
    "dealeradmin.demo",
    "dealeradmin.benchmarks",
]

MIDDLEWARE = [
    "dealeradmin.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dealeradmin.urls"
WSGI_APPLICATION = "dealeradmin.wsgi.application"

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
                "dealeradmin.accounts.context_processors.roles",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
    {
        # Only where the template language's cost per variable shows: the board's cards and
        # the edit page's content (`*.jinja` beside the page that uses them, always asked for
        # by this engine's name).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "undefined": jinja2.StrictUndefined,
            "environment": "dealeradmin.core.jinja2_environment.environment",
        },
    },
]
# Form widgets through Django's own Jinja2 widget templates: several times faster on a form of
# many fields (the edit page, the filters); the admin's widgets still use its own templates.
FORM_RENDERER = "dealeradmin.core.forms.WidgetRenderer"

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'dealeradmin.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the webhook receiver write while pages read; the timeout rides out short locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Take the write lock when a transaction starts, so concurrent writers (tag job
            # threads, the webhook) wait for each other instead of failing with "locked".
            "transaction_mode": "IMMEDIATE",
        }
    )
    # Tests use a file too: an in-memory database shared between threads answers "table is
    # locked" at once instead of waiting, and tag jobs write from worker threads.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")
    )
    (BASE_DIR / "var").mkdir(exist_ok=True)
# Persistent connections, SQLite's too: opening one costs more than many a request's queries.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["dealeradmin.accounts.backends.UserWithTokenBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-au"
TIME_ZONE = DEFAULT_TIME_ZONE_NAME
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise wants it even in development
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
]
# Production serves hashed, compressed files collected by `collectstatic`; development and
# tests serve straight from the finders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# Look files up per request instead of indexing ~2000 of them whenever the middleware loads
# (every test client does); production serves the collected, hashed set.
WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Security headers. HTTPS-only settings switch on with HTTPS=true (production behind TLS).
HTTPS = env.bool("HTTPS", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_ENGINE = "dealeradmin.accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Load balancers probe health over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # htmx adds its indicator styles inline unless told not to (see base.html meta config).
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SIGN_IN_MAX_ATTEMPTS = env.int("SIGN_IN_MAX_ATTEMPTS", default=5)
SIGN_IN_WINDOW_SECONDS = env.int("SIGN_IN_WINDOW_SECONDS", default=900)

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# LOG_FORMAT=json: one JSON object per line (production); plain: for people (development).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dealeradmin.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "dealeradmin.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
