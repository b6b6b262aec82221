"""CSRF on every write, htmx included; a stale token says the session expired, in plain words,
and never swaps an error page into a fragment."""

import pytest
from django.conf import settings
from django.test import Client

from dealeradmin.accounts.csrf import SESSION_EXPIRED
from tests.security.test_access_matrix import ROUTES, _variants

pytestmark = pytest.mark.usefixtures("committed_mirror")

# Authenticated by the shared webhook secret instead; DealerStudio is not a browser.
CSRF_EXEMPT = {"clusters:webhook"}
# GET-only URLs: a POST is refused before CSRF matters (405), which is fine.
STALE = "x" * 32


@pytest.fixture(scope="module")
def strict() -> Client:
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def _post_urls(samples) -> list[tuple[str, str]]:
    urls = []
    for route in ROUTES:
        if route.name in CSRF_EXEMPT:
            continue
        for _, url in _variants(route, samples):
            urls.append((route.name, url))
    return urls


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_every_post_without_a_valid_csrf_token_is_refused(strict, admin_user, samples, htmx):
    """Signed in as an admin (who may reach everything), with a stale CSRF cookie and header:
    no URL accepts the POST; each answers 403 (or 405 where POST is not a method at all)."""
    refused = {}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for name, url in _post_urls(samples):
        strict.cookies.clear()
        strict.force_login(admin_user)
        strict.cookies[settings.CSRF_COOKIE_NAME] = STALE
        response = strict.post(url, {"csrfmiddlewaretoken": "y" * 32}, **headers)
        refused[name, url] = response.status_code
        if response.status_code == 403 and htmx:
            assert response["X-Session-Expired"] == "1", url
            assert response.content.decode() == SESSION_EXPIRED
            assert response["Content-Type"].startswith("text/plain")
    wrong = {key: status for key, status in refused.items() if status not in (403, 405)}
    assert not wrong, f"accepted a POST without a valid CSRF token: {wrong}"
    # and the refusal is CSRF's own, not only a permission check: the admin could post these
    assert refused["tags:merge", "/tags/merge/"] == 403
    assert refused["board:move", "/board/move/"] == 403


def test_the_webhook_is_the_one_exempt_write_and_still_needs_its_secret(strict, db):
    strict.cookies.clear()
    response = strict.post("/webhooks/dealerstudio/lead-clusters/", b"{}", "application/json")
    assert response.status_code == 401


def test_a_stale_token_on_a_plain_form_shows_a_session_expired_page(strict, manager, samples):
    strict.cookies.clear()
    strict.force_login(manager)
    strict.cookies[settings.CSRF_COOKIE_NAME] = STALE
    url = "/leads/{slug}/{cluster_id}/".format(**samples["own_cluster"])
    response = strict.post(url, {"lead_state": "lost"}, HTTP_REFERER="http://testserver" + url)
    assert response.status_code == 403
    html = response.content.decode()
    assert SESSION_EXPIRED in html
    assert f'href="http://testserver{url}"' in html
    assert "<html" in html  # a whole page, with the site's header


def test_a_foreign_referer_is_not_offered_as_the_way_back(strict, manager, samples):
    strict.cookies.clear()
    strict.force_login(manager)
    strict.cookies[settings.CSRF_COOKIE_NAME] = STALE
    response = strict.post("/board/move/", HTTP_REFERER="https://evil.example/")
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


def test_a_valid_token_is_accepted_by_htmx_writes(strict, manager, samples, sandbox):
    """The token travels in the X-CSRFToken header that base.html puts on <body>."""
    strict.cookies.clear()
    strict.force_login(manager)
    page = strict.get("/board/").content.decode()
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    response = strict.post("/board/move/", {}, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code != 403
