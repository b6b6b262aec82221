"""A mirror committed once per module, so that tests (each in its own rolled-back transaction)
do not ingest the whole seed again; the module's end empties the tables it filled."""

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
