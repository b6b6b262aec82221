"""Settings are validated at start: production settings pass `check --deploy` cleanly, and a
missing or malformed key stops the process with one readable line."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from dealeradmin.core.checks import encryption_keys_check, validate_encryption_keys

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DEALERSTUDIO_WEBHOOK_TOKEN": secrets.token_urlsafe(32),
        **env,
    }
    # The browser tests' conftest relaxes async safety for its own process; a server never does.
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level=WARNING",
        DEBUG="false",
        HTTPS="true",
        STATIC_MANIFEST="true",
        LOG_FORMAT="json",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_missing_secret_key_stops_the_start_with_one_clear_line():
    result = _run("-m", "dealeradmin.core.preflight", SECRET_KEY="")
    assert result.returncode == 1
    assert result.stderr.startswith("DealerAdmin cannot start: SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr


def test_a_missing_encryption_key_stops_the_start():
    result = _run("-m", "dealeradmin.core.preflight", TOKEN_ENCRYPTION_KEYS="")
    assert result.returncode == 1
    assert "TOKEN_ENCRYPTION_KEYS is not set" in result.stderr


def test_a_malformed_encryption_key_stops_the_start_and_the_wsgi_app():
    result = _run("-m", "dealeradmin.core.preflight", TOKEN_ENCRYPTION_KEYS="not-a-fernet-key")
    assert result.returncode == 1
    assert "TOKEN_ENCRYPTION_KEYS holds a key that is not a Fernet key" in result.stderr
    # gunicorn imports the WSGI app without running checks: it must refuse to load too.
    wsgi = _run("-c", "import dealeradmin.wsgi", TOKEN_ENCRYPTION_KEYS="not-a-fernet-key")
    assert wsgi.returncode != 0
    assert "ImproperlyConfigured: TOKEN_ENCRYPTION_KEYS holds a key" in wsgi.stderr


def test_the_system_check_reports_a_malformed_key(settings):
    settings.TOKEN_ENCRYPTION_KEYS = ["short"]
    with pytest.raises(ImproperlyConfigured):
        validate_encryption_keys()
    (error,) = encryption_keys_check(None)
    assert error.id == "dealeradmin.E001"
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert encryption_keys_check(None) == []


def test_the_wsgi_start_up_imports_every_view_then_freezes_it_for_the_cycle_collector():
    result = _run(
        "-c",
        "import gc, sys; import dealeradmin.wsgi; "
        "print('dealeradmin.clusters.views' in sys.modules, gc.get_freeze_count() > 10_000)",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
