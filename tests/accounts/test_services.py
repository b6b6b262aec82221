import pytest

from dealeradmin.accounts.models import ApiToken
from dealeradmin.accounts.services import token_delete, token_refresh, token_store
from dealeradmin.dealerstudio.errors import TokenInvalid

from .conftest import GROUP_TOKEN, MANAGER_TOKEN


def test_token_store_returns_the_stored_token_with_its_dealerships(user, sandbox):
    api_token = token_store(user=user, token=GROUP_TOKEN)

    assert api_token.token == GROUP_TOKEN
    assert api_token.apikey_id == 2
    assert "read:car" in api_token.permissions
    assert sorted(api_token.dealerships.values_list("id", flat=True)) == [101, 202]


def test_token_store_raises_dealerstudios_error_and_stores_nothing(user, sandbox):
    with pytest.raises(TokenInvalid) as caught:
        token_store(user=user, token="dsk_wrong_token_9999")

    assert "dsk_wrong_token_9999" not in str(caught.value)
    assert not ApiToken.objects.exists()


def test_token_store_refuses_an_empty_token_without_asking_dealerstudio(user, sandbox):
    with pytest.raises(ValueError):
        token_store(user=user, token="  ")
    assert sandbox.requests() == []


def test_token_refresh_without_a_token_raises_does_not_exist(user, sandbox):
    with pytest.raises(ApiToken.DoesNotExist):
        token_refresh(user=user)


def test_token_delete_says_whether_there_was_a_token(user, sandbox):
    token_store(user=user, token=MANAGER_TOKEN)

    assert token_delete(user=user) is True
    assert token_delete(user=user) is False
