"""The seed's mirror committed once per module: each test's changes roll back with its
transaction, and the module's end empties the tables it filled."""

import json

import pytest

from dealeradmin.clusters.ingest import ingest_payload
from dealeradmin.clusters.models import LeadCluster, StatusOptionLabel, Tag


@pytest.fixture(scope="module")
def committed_mirror(django_db_setup, django_db_blocker, seed_payloads):
    with django_db_blocker.unblock():
        if not LeadCluster.objects.exists():
            for line in seed_payloads:
                ingest_payload(json.loads(line))
        yield
        LeadCluster.objects.all().delete()
        Tag.objects.all().delete()
        StatusOptionLabel.objects.all().delete()


@pytest.fixture
def mirror(committed_mirror, db):
    return LeadCluster.objects.all()
