from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from dealeradmin.accounts.forms import TOO_MANY_SIGN_INS
from dealeradmin.accounts.models import SignInAttempt
from dealeradmin.accounts.views import SIGNED_OUT

from .conftest import PASSWORD

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.SIGN_IN_MAX_ATTEMPTS = 3
    settings.SIGN_IN_WINDOW_SECONDS = 600


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def refused(response) -> bool:
    return TOO_MANY_SIGN_INS.format(wait="10 minutes") in response.content.decode()


def test_the_sign_in_page_is_open_to_people_who_are_not_signed_in(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_other_pages_send_people_who_are_not_signed_in_to_sign_in(client, db):
    response = client.get(reverse("accounts:token"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_correct_password_signs_the_person_in(client, user):
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_a_wrong_password_is_counted_and_the_form_says_so(client, user):
    response = sign_in(client, "alice", "wrong")
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()
    assert SignInAttempt.objects.filter(username="alice", address="10.0.0.1").count() == 1


def test_an_account_is_refused_after_too_many_failures_even_from_new_addresses(client, user):
    for n in range(3):
        sign_in(client, "alice", "wrong", address=f"10.0.0.{n + 1}")

    response = sign_in(client, "alice", PASSWORD, address="10.9.9.9")

    assert response.status_code == 200
    assert refused(response)
    assert SESSION_KEY not in client.session


def test_refused_attempts_do_not_check_the_password_nor_extend_the_lockout(client, user):
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    for _ in range(5):
        assert refused(sign_in(client, "alice", PASSWORD))
    assert SignInAttempt.objects.count() == 3


def test_the_account_limit_is_not_case_sensitive(client, user):
    for name in ("alice", "Alice", "ALICE"):
        sign_in(client, name, "wrong", address="10.0.0.7")
    assert refused(sign_in(client, "alice", PASSWORD, address="10.0.0.8"))


def test_an_address_is_refused_after_too_many_failures_across_accounts(client, user):
    for name in ("bob", "carol", "dave"):
        sign_in(client, name, "wrong", address="10.0.0.5")

    assert refused(sign_in(client, "alice", PASSWORD, address="10.0.0.5"))
    response = sign_in(client, "alice", PASSWORD, address="10.0.0.6")
    assert response.status_code == 302


def test_failures_older_than_the_window_no_longer_count(client, user):
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    SignInAttempt.objects.update(at=timezone.now() - timedelta(seconds=601))

    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_the_refusal_says_how_long_to_wait(client, user):
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    SignInAttempt.objects.update(at=timezone.now() - timedelta(seconds=530))

    response = sign_in(client, "alice", PASSWORD)

    assert TOO_MANY_SIGN_INS.format(wait="2 minutes") in response.content.decode()


def test_a_success_clears_the_accounts_failures(client, user):
    for _ in range(2):
        sign_in(client, "alice", "wrong")
    sign_in(client, "alice", PASSWORD)
    client.logout()

    assert not SignInAttempt.objects.filter(username="alice").exists()
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_signing_out_needs_a_post(signed_in):
    assert signed_in.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in signed_in.session


def test_signing_out_ends_the_session_and_says_so(signed_in):
    response = signed_in.post(reverse("accounts:logout"), follow=True)
    assert SESSION_KEY not in signed_in.session
    assert response.redirect_chain[-1][0] == LOGIN
    assert SIGNED_OUT in response.content.decode()
