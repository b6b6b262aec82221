"""Shared fixtures, chained: sandbox → mirror → person → token → signed-in client.

Every test talks to a real sandbox process over loopback HTTP; the mirror is filled from the
sandbox's own export, through the same code the webhook uses.
"""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils import timezone

from dealeradmin.accounts.access import ADMINS_GROUP
from dealeradmin.accounts.services import token_store
from dealeradmin.clusters.ingest import ingest_payload
from dealeradmin.clusters.models import LeadCluster
from dealeradmin.sandbox.testing import SandboxServer

MANAGER_TOKEN = "dsk_manager_0001_a1b2c3d4e5f6"
GROUP_TOKEN = "dsk_group_0002_f6e5d4c3b2a1"
GOLD_COAST_TOKEN = "dsk_second_0003_9f8e7d6c5b4a"
BRISBANE = "brisbane-city-motors"
GOLD_COAST = "gold-coast-auto-group"
PASSWORD = "a long and unguessable passphrase"


def subprocess_database_url() -> str:
    """The test database as a DATABASE_URL, for a server or command started in a subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def sandbox_server():
    with SandboxServer() as server:
        yield server


@pytest.fixture(scope="session")
def seed_payloads(sandbox_server) -> list[str]:
    sandbox_server.reset()
    return [line for line in sandbox_server.export_jsonl().splitlines() if line.strip()]


@pytest.fixture
def sandbox(sandbox_server, settings):
    """The sandbox, back at its seed, with the dashboard pointed at it."""
    sandbox_server.reset(webhook_url=None, webhook_token=None, latency_ms=0)
    settings.DEALERSTUDIO_API_URL = sandbox_server.url
    return sandbox_server


def _load_mirror(seed_payloads: list[str]) -> None:
    if not LeadCluster.objects.exists():
        for line in seed_payloads:
            ingest_payload(json.loads(line))
        # As if delivered a while ago: an open board's first poll must not take the whole
        # seed for changes made since it was drawn (it would reload the page).
        LeadCluster.objects.update(synced_at=timezone.now() - timedelta(minutes=5))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, seed_payloads):
    """Loads the mirror once for the run: tests in a transaction see it and roll back their
    changes. Tests that flush the database (live server, transactional_db) load it again."""
    with django_db_blocker.unblock():
        _load_mirror(seed_payloads)


@pytest.fixture
def mirror(db, seed_payloads):
    """The mirror holding the sandbox's seed, as the webhook would have delivered it."""
    _load_mirror(seed_payloads)
    return LeadCluster.objects.all()


def _person(username: str, *, admin: bool = False):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if admin:
        user.groups.add(Group.objects.get_or_create(name=ADMINS_GROUP)[0])
    return user


@pytest.fixture
def manager(db, sandbox, mirror):
    """A manager whose token reaches Brisbane City Motors only."""
    user = _person("manager")
    token_store(user=user, token=MANAGER_TOKEN)
    return user


@pytest.fixture
def admin_user(db, sandbox, mirror):
    """An admin whose token reaches both dealerships."""
    user = _person("groupadmin", admin=True)
    token_store(user=user, token=GROUP_TOKEN)
    return user


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client
