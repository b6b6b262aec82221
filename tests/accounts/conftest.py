import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from dealeradmin.sandbox.testing import SandboxServer

MANAGER_TOKEN = "dsk_manager_0001_a1b2c3d4e5f6"
GROUP_TOKEN = "dsk_group_0002_f6e5d4c3b2a1"
PASSWORD = "a long and unguessable passphrase"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def sandbox_server():
    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server, settings):
    sandbox_server.reset()
    settings.DEALERSTUDIO_API_URL = sandbox_server.url
    return sandbox_server


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _navigation_urls(settings):
    """base.html links every screen; while another app has not named its URL yet, stand-ins
    keep these pages renderable. Does nothing once every name resolves."""
    from . import nav_stubs

    missing = []
    for name in nav_stubs.NAV_NAMES:
        try:
            reverse(name)
        except NoReverseMatch:
            missing.append(name)
    if missing:
        nav_stubs.build(missing)
        settings.ROOT_URLCONF = "tests.accounts.nav_stubs"
