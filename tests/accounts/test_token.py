import logging

import pytest
from django.test import Client
from django.urls import reverse

from dealeradmin.accounts.forms import TOKEN_BAD_CHARACTERS, TOKEN_EMPTY, TOKEN_TOO_LONG
from dealeradmin.accounts.models import ApiToken, Dealership, Location, SalesUser
from dealeradmin.accounts.views import (
    STORED_TOKEN_REFUSED,
    TOKEN_DELETED,
    TOKEN_REFRESHED,
    TOKEN_REFUSED,
    TOKEN_STORED,
)
from dealeradmin.dealerstudio import errors

from .conftest import GROUP_TOKEN, MANAGER_TOKEN

TOKEN_PAGE = reverse("accounts:token")
APIKEY_PATH = "/api/v1/apikeys/apikey_details.json"


def store(client, token):
    return client.post(TOKEN_PAGE, {"token": token}, follow=True)


def apikey_calls(sandbox) -> list[dict]:
    return [r for r in sandbox.requests("GET") if r["path"] == APIKEY_PATH]


def test_a_valid_token_is_stored_encrypted_with_what_it_reaches(signed_in, user, sandbox):
    response = store(signed_in, f"  {GROUP_TOKEN}\n")

    assert TOKEN_STORED.format(count="2 dealerships") in response.content.decode()
    api_token = ApiToken.objects.get(user=user)
    assert GROUP_TOKEN not in api_token.ciphertext
    assert api_token.token == GROUP_TOKEN
    assert api_token.last_four == GROUP_TOKEN[-4:]
    assert sorted(api_token.dealerships.values_list("slug", flat=True)) == [
        "brisbane-city-motors",
        "gold-coast-auto-group",
    ]
    assert Location.objects.filter(dealership_id=101).count() == 4
    assert SalesUser.objects.filter(dealership_id=101).count() == 8


def test_the_page_shows_only_the_last_four_and_what_the_token_reaches(signed_in, sandbox):
    store(signed_in, MANAGER_TOKEN)

    html = signed_in.get(TOKEN_PAGE).content.decode()

    assert MANAGER_TOKEN not in html
    assert MANAGER_TOKEN[:-4] not in html
    assert f"…{MANAGER_TOKEN[-4:]}" in html
    assert "Brisbane City Motors" in html
    assert "Gold Coast Auto Group" not in html
    assert "Last checked with DealerStudio" in html


def test_the_token_field_is_a_password_field_that_never_echoes_a_value(signed_in, sandbox):
    html = store(signed_in, MANAGER_TOKEN).content.decode()
    html += signed_in.post(TOKEN_PAGE, {"token": "dsk_not_a_real_token_zzzz"}).content.decode()

    assert 'type="password"' in html
    assert 'autocomplete="off"' in html
    assert "dsk_not_a_real_token" not in html
    assert MANAGER_TOKEN not in html


def test_replacing_a_token_narrows_the_dealerships_to_what_the_new_one_reaches(
    signed_in, user, sandbox
):
    store(signed_in, GROUP_TOKEN)
    store(signed_in, MANAGER_TOKEN)

    api_token = ApiToken.objects.get(user=user)
    assert api_token.token == MANAGER_TOKEN
    assert list(api_token.dealerships.values_list("id", flat=True)) == [101]
    # The cache of the other dealership stays for other people whose tokens reach it.
    assert Dealership.objects.filter(id=202).exists()


def test_a_token_dealerstudio_refuses_keeps_nothing_and_says_so(signed_in, user, sandbox):
    response = signed_in.post(TOKEN_PAGE, {"token": "dsk_not_a_real_token_zzzz"})

    assert response.status_code == 200
    assert TOKEN_REFUSED in response.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()
    assert not Dealership.objects.exists()
    assert apikey_calls(sandbox)[-1]["status"] == 401


def test_a_refused_replacement_keeps_the_token_already_stored(signed_in, user, sandbox):
    store(signed_in, MANAGER_TOKEN)
    signed_in.post(TOKEN_PAGE, {"token": "dsk_not_a_real_token_zzzz"})

    assert ApiToken.objects.get(user=user).token == MANAGER_TOKEN


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("   ", TOKEN_EMPTY),
        ("x" * 513, TOKEN_TOO_LONG.format(limit=512)),
        ("dsk_abc\x07def", TOKEN_BAD_CHARACTERS),
        ("dsk abc def", TOKEN_BAD_CHARACTERS),
        ("dsk_abcé", TOKEN_BAD_CHARACTERS),
    ],
)
def test_a_malformed_token_is_refused_without_asking_dealerstudio(
    signed_in, user, sandbox, value, message
):
    response = signed_in.post(TOKEN_PAGE, {"token": value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()
    assert apikey_calls(sandbox) == []


def test_dealerstudio_failing_keeps_nothing_and_says_so(signed_in, user, sandbox, settings):
    settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = 0
    sandbox.inject_fault(method="GET", path=APIKEY_PATH, status=503)

    response = signed_in.post(TOKEN_PAGE, {"token": MANAGER_TOKEN})

    assert errors.UNAVAILABLE.format(status=503) in response.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()
    assert not Dealership.objects.exists()


def test_dealerstudio_not_answering_in_time_keeps_nothing_and_says_so(
    signed_in, user, sandbox, settings
):
    settings.DEALERSTUDIO_READ_TIMEOUT = 0.3
    sandbox.inject_fault(method="GET", path=APIKEY_PATH, delay_ms=1500)

    response = signed_in.post(TOKEN_PAGE, {"token": MANAGER_TOKEN})

    assert errors.TIMED_OUT in response.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()


def test_refreshing_brings_the_cache_back_in_line_with_dealerstudio(signed_in, user, sandbox):
    store(signed_in, MANAGER_TOKEN)
    Dealership.objects.filter(id=101).update(name="Old name")
    Location.objects.filter(dealership_id=101).first().delete()
    SalesUser.objects.create(dealership_id=101, ds_id=999999, name="Gone")
    ApiToken.objects.get(user=user).dealerships.clear()

    response = signed_in.post(reverse("accounts:token_refresh"), follow=True)

    assert TOKEN_REFRESHED.format(count="1 dealership") in response.content.decode()
    assert Dealership.objects.get(id=101).name == "Brisbane City Motors"
    assert Location.objects.filter(dealership_id=101).count() == 4
    assert not SalesUser.objects.filter(ds_id=999999).exists()
    assert list(ApiToken.objects.get(user=user).dealerships.values_list("id", flat=True)) == [101]
    assert len(apikey_calls(sandbox)) == 2


def test_refreshing_a_token_dealerstudio_now_refuses_says_so_and_keeps_it(signed_in, user, sandbox):
    store(signed_in, MANAGER_TOKEN)
    sandbox.inject_fault(method="GET", path=APIKEY_PATH, status=401)

    response = signed_in.post(reverse("accounts:token_refresh"), follow=True)

    assert STORED_TOKEN_REFUSED in response.content.decode()
    assert ApiToken.objects.get(user=user).token == MANAGER_TOKEN


def test_refreshing_and_deleting_need_a_post(signed_in, sandbox):
    store(signed_in, MANAGER_TOKEN)
    assert signed_in.get(reverse("accounts:token_refresh")).status_code == 405
    assert signed_in.get(reverse("accounts:token_delete")).status_code == 405
    assert ApiToken.objects.exists()


def test_deleting_the_token_removes_it_and_the_dealerships_it_reached(signed_in, user, sandbox):
    store(signed_in, GROUP_TOKEN)

    response = signed_in.post(reverse("accounts:token_delete"), follow=True)

    assert TOKEN_DELETED in response.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()
    assert not Dealership.objects.filter(tokens__user=user).exists()
    assert "No token is stored" in response.content.decode()


def test_a_person_without_a_token_sees_what_to_do_and_the_sandbox_hint(signed_in, sandbox):
    html = signed_in.get(TOKEN_PAGE).content.decode()

    assert "No token is stored" in html
    assert "ask your DealerStudio" in html
    assert f"{sandbox.url}/__sandbox__/tokens" in html


def test_there_is_no_sandbox_hint_when_talking_to_the_real_dealerstudio(signed_in, settings):
    settings.DEALERSTUDIO_API_URL = "https://api.dealerstudio.com.au"

    html = signed_in.get(TOKEN_PAGE).content.decode()

    assert "No token is stored" in html
    assert "__sandbox__" not in html


def test_storing_a_token_needs_the_csrf_token(user, sandbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    refused = client.post(TOKEN_PAGE, {"token": MANAGER_TOKEN})

    assert refused.status_code == 403
    assert not ApiToken.objects.exists()
    assert apikey_calls(sandbox) == []

    client.get(TOKEN_PAGE)
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(TOKEN_PAGE, {"token": MANAGER_TOKEN, "csrfmiddlewaretoken": csrf})
    assert accepted.status_code == 302
    assert ApiToken.objects.exists()


def test_refreshing_and_deleting_need_the_csrf_token(user, sandbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    from dealeradmin.accounts.services import token_store

    token_store(user=user, token=MANAGER_TOKEN)

    assert client.post(reverse("accounts:token_refresh")).status_code == 403
    assert client.post(reverse("accounts:token_delete")).status_code == 403
    assert ApiToken.objects.exists()


def test_the_token_never_reaches_the_logs(signed_in, sandbox, caplog, settings):
    settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = 0
    caplog.set_level(logging.DEBUG)
    sandbox.inject_fault(method="GET", path=APIKEY_PATH, status=500, body="<h1>oops</h1>")

    signed_in.post(TOKEN_PAGE, {"token": MANAGER_TOKEN})
    store(signed_in, MANAGER_TOKEN)
    signed_in.post(reverse("accounts:token_refresh"))

    assert caplog.records
    assert MANAGER_TOKEN not in caplog.text
