"""What each signed-in request reads first (its session, the person with their token, the
dealership it names), read with statements written directly: the same rows the ORM read."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealeradmin.accounts.access import get_dealership_for_user
from dealeradmin.accounts.backends import UserWithTokenBackend
from dealeradmin.accounts.models import ApiToken, Dealership

LOGIN = reverse("accounts:login")


def test_an_expired_session_signs_the_person_out(manager_client):
    assert manager_client.get("/leads/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = manager_client.get("/leads/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_an_unknown_session_key_is_a_person_not_signed_in(manager_client):
    Session.objects.all().delete()
    response = manager_client.get("/leads/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_the_person_comes_with_their_token_in_one_query(manager):
    with CaptureQueriesContext(connection) as queries:
        user = UserWithTokenBackend().get_user(manager.pk)
        token = user.api_token
    assert len(queries) == 1
    expected = get_user_model().objects.get(pk=manager.pk)
    assert [getattr(user, f.attname) for f in user._meta.concrete_fields] == [
        getattr(expected, f.attname) for f in expected._meta.concrete_fields
    ]
    assert token.token == ApiToken.objects.get(user=manager).token
    assert token.user is user


@pytest.mark.django_db
def test_a_person_without_a_token_loads_and_has_none():
    person = get_user_model().objects.create_user(username="no-token", password="x" * 20)
    user = UserWithTokenBackend().get_user(person.pk)
    assert user.username == "no-token"
    with pytest.raises(ApiToken.DoesNotExist):
        user.api_token  # noqa: B018


@pytest.mark.django_db
def test_an_unknown_or_inactive_person_is_nobody():
    person = get_user_model().objects.create_user(username="gone", password="x" * 20)
    person.is_active = False
    person.save()
    assert UserWithTokenBackend().get_user(person.pk) is None
    assert UserWithTokenBackend().get_user(person.pk + 1000) is None


def test_a_dealership_is_found_only_among_those_the_token_grants(manager, admin_user):
    granted = get_dealership_for_user(manager, "brisbane-city-motors")
    assert granted == Dealership.objects.get(slug="brisbane-city-motors")
    assert granted.refreshed_at == Dealership.objects.get(pk=granted.pk).refreshed_at
    other = Dealership.objects.exclude(pk=granted.pk).first()  # the admin's token reaches it
    for slug in (other.slug, "no-such-dealership"):
        with pytest.raises(Http404):
            get_dealership_for_user(manager, slug)
