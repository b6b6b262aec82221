"""Settings for the DealerStudio sandbox: a separate process with its own SQLite database.

The sandbox holds only made-up demo data, so the fixed SECRET_KEY below protects nothing.
"""

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]

SECRET_KEY = "sandbox-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "dealeradmin.sandbox",
]

MIDDLEWARE = [
    "dealeradmin.sandbox.middleware.ApiTrafficMiddleware",
]

ROOT_URLCONF = "dealeradmin.sandbox.urls"
WSGI_APPLICATION = None

DB_PATH = Path(os.environ.get("SANDBOX_DB_PATH") or REPO_DIR / "var" / "sandbox.sqlite3")
DB_PATH.parent.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DB_PATH,
        # Writes take the lock up front, so concurrent PUTs queue instead of failing. A test
        # double need not survive a power cut: WAL without a sync per commit keeps a PUT cheap.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # Each keep-alive HTTP connection is served by one thread: its database connection is
        # kept for all of that connection's requests instead of reopened for each.
        "CONN_MAX_AGE": None,
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Australia/Brisbane"
LANGUAGE_CODE = "en-au"
USE_I18N = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "dealeradmin.sandbox.redact.RedactTokensFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "dealeradmin.sandbox": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
