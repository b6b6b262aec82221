"""Security headers on every page, and HTTPS-only settings when served over HTTPS.

(`manage.py check --deploy` with production settings is proven in tests/core/test_start_up.py.)
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client

pytestmark = pytest.mark.usefixtures("committed_mirror")
REPO = Path(__file__).resolve().parents[2]
PAGES = ["/", "/leads/", "/board/", "/tags/", "/audit/", "/settings/token/"]


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture
def pages(admin_user, samples) -> dict[str, object]:
    client = Client()
    client.force_login(admin_user)
    urls = [*PAGES, "/leads/{slug}/{cluster_id}/".format(**samples["own_cluster"])]
    answers = {url: client.get(url) for url in urls}
    answers["/accounts/login/"] = Client().get("/accounts/login/")  # as a stranger sees it
    return answers


def test_every_page_sends_a_strict_content_security_policy(pages):
    for url, response in pages.items():
        assert response.status_code == 200, url
        policy = _directives(response["Content-Security-Policy"])
        scripts = policy.get("script-src", policy.get("default-src"))
        assert scripts == ["'self'"], (url, scripts)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], url
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]


def test_no_page_relies_on_inline_script_the_policy_would_block(pages):
    """Inline scripts and on* handlers would be silently blocked by the policy above."""
    for url, response in pages.items():
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (url, tag)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), url
        assert "javascript:" not in html, url


def test_every_page_forbids_framing_and_sniffing_and_limits_referrers(pages):
    for url, response in pages.items():
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url


def _served_over(https: bool) -> dict:
    """Settings and a sign-in response from a fresh process with HTTPS set either way."""
    script = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
settings.ALLOWED_HOSTS = ["testserver"]
response = Client().get("/accounts/login/", secure=True)
cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
print(json.dumps({
    "hsts": response.get("Strict-Transport-Security"),
    "csrf_cookie_secure": bool(cookie and cookie["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "plain_answer": Client().get("/accounts/login/").status_code,
}))
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealeradmin.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DEALERSTUDIO_WEBHOOK_TOKEN": secrets.token_urlsafe(32),
        "HTTPS": "true" if https else "false",
        "DEBUG": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_over_https_cookies_are_secure_and_hsts_is_sent():
    served = _served_over(https=True)
    assert served["hsts"].startswith("max-age=31536000")
    assert "includeSubDomains" in served["hsts"]
    assert served["csrf_cookie_secure"] and served["session_cookie_secure"]
    assert served["session_cookie_httponly"]
    assert served["ssl_redirect"] and served["plain_answer"] == 301


def test_without_https_there_is_no_hsts_and_cookies_work_on_plain_http():
    served = _served_over(https=False)
    assert served["hsts"] is None
    assert not served["csrf_cookie_secure"] and not served["session_cookie_secure"]
    assert served["plain_answer"] == 200
