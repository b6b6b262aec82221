"""The accounts tests' own people; the sandbox fixtures come from tests/conftest.py."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import GROUP_TOKEN, MANAGER_TOKEN, PASSWORD

__all__ = ["GROUP_TOKEN", "MANAGER_TOKEN", "PASSWORD"]


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client
