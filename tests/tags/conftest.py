"""Fixtures for tag curation: the drifting "High Quality Lead" spellings and a quick job runner.

Tests that run a job use `transactional_db`: the job's worker threads have their own database
connections and only see committed rows.
"""

import pytest

from dealeradmin.clusters.models import Tag
from dealeradmin.tags.jobs import tag_job_run
from dealeradmin.tags.models import TagJob

HIGH_QUALITY = ["High Quality Lead", "high quality lead ", "High-Quality Lead"]
BRISBANE_ID = 101


@pytest.fixture(autouse=True)
def _quick_backoff(settings):
    # A fault that keeps failing gives up after half a second instead of a minute.
    settings.DEALERSTUDIO_JOB_RETRY_SECONDS = 0.5
    settings.TAG_JOB_CONCURRENCY = 4


@pytest.fixture
def high_quality_tags(mirror) -> list[Tag]:
    return list(Tag.objects.filter(dealership_id=BRISBANE_ID, name__in=HIGH_QUALITY))


def merge_data(tags: list[Tag], target: str, expected: int | None = None) -> dict:
    data = {"tag": [t.id for t in tags], "target": target}
    if expected is not None:
        data["expected"] = expected
    return data


def run_latest_job(*, concurrency: int | None = None) -> TagJob:
    """What the worker does with the task, run here so the test can watch it finish."""
    return tag_job_run(TagJob.objects.latest("id").id, concurrency=concurrency)


def puts_by_cluster(sandbox, *, status: int | None = 200) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for request in sandbox.requests(method="PUT"):
        if status is None or request["status"] == status:
            cluster_id = int(request["path"].rstrip("/").rsplit("/", 1)[1])
            found.setdefault(cluster_id, []).append(request)
    return found
