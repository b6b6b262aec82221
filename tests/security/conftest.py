"""Security tests share the committed mirror and a few sample objects to aim URLs at."""

import pytest
from django.contrib.auth import get_user_model

from dealeradmin.clusters.models import LeadCluster, Tag
from tests.clusters.conftest import committed_mirror
from tests.conftest import BRISBANE, GOLD_COAST

__all__ = ["committed_mirror"]


@pytest.fixture
def samples(manager, admin_user) -> dict:
    own = LeadCluster.objects.filter(dealership_id=101).first()
    other = LeadCluster.objects.filter(dealership_id=202).first()
    return {
        "own_cluster": {"slug": BRISBANE, "cluster_id": own.id},
        "other_cluster": {"slug": GOLD_COAST, "cluster_id": other.id},
        "tag_id": Tag.objects.filter(dealership_id=101).first().id,
        "job_id": 999_999,
        "app_label": "clusters",
        "object_id": "1",
        "content_type_id": "1",
        "user_id": "1",
        "id": "1",
    }


@pytest.fixture
def people(manager, admin_user) -> dict:
    return {
        "anonymous": None,
        "no_token": get_user_model().objects.create_user("newcomer", password="x" * 20),
        "manager": manager,
        "admin": admin_user,
    }
