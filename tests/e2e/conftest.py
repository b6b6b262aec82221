"""Browser tests: Debian's headless Chromium driven by Playwright against the live server.

Playwright's sync API runs an event loop in the test thread; the ORM calls our fixtures make
there are still plain synchronous calls, so Django's async guard is relaxed for these tests.
"""

import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect, sync_playwright

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# CI shares two cores between the browser, the live server, the sandbox and the database:
# give waiting assertions room before they call a slow answer a failure.
expect.set_options(timeout=15_000)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def webhooks_to_live_server(sandbox, live_server):
    """The sandbox delivers its Lead Cluster Webhook to this test's dashboard."""
    sandbox.configure(
        webhook_url=f"{live_server.url}/webhooks/dealerstudio/lead-clusters/",
        webhook_token=django_settings.DEALERSTUDIO_WEBHOOK_TOKEN,
    )
    return sandbox


def signed_in_page(browser, live_server, user, *, viewport=None):
    """A browser page whose session belongs to `user`, as if they had signed in."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    host = live_server.url.split("//")[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "domain": host,
                "path": "/",
            }
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


@pytest.fixture
def manager_page(browser, live_server, manager):
    page = signed_in_page(browser, live_server, manager)
    yield page
    page.context.close()
    assert not page.js_errors, f"JavaScript errors on the page: {page.js_errors}"


@pytest.fixture
def admin_page(browser, live_server, admin_user):
    page = signed_in_page(browser, live_server, admin_user)
    yield page
    page.context.close()
    assert not page.js_errors, f"JavaScript errors on the page: {page.js_errors}"
