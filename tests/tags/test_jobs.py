"""Tag jobs against the sandbox: one PUT per cluster, resumption after a fault, revert, worker."""

import pytest
from django.core.management import call_command

from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters.ingest import set_cluster_tags
from dealeradmin.clusters.models import LeadCluster
from dealeradmin.dealerstudio.client import DealerStudioClient
from dealeradmin.dealerstudio.errors import DealerStudioError
from dealeradmin.tags.jobs import _Stop, _Turns, tag_job_run
from dealeradmin.tags.models import TagAlias, TagJob, TagJobItem
from dealeradmin.tags.plans import current_tags
from tests.conftest import BRISBANE, MANAGER_TOKEN

from .conftest import BRISBANE_ID, HIGH_QUALITY, merge_data, puts_by_cluster, run_latest_job

pytestmark = pytest.mark.usefixtures("transactional_db")


def _start_merge(admin_client, tags, target="High Quality Lead") -> TagJob:
    preview = admin_client.get("/tags/merge/", merge_data(tags, target))
    total = preview.context["preview"].total
    response = admin_client.post("/tags/merge/", merge_data(tags, target, total))
    job = TagJob.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"/tags/jobs/{job.id}/"
    return job


def test_a_merge_sends_exactly_one_put_per_affected_cluster_with_only_tags(
    admin_client, sandbox, high_quality_tags
):
    job = _start_merge(admin_client, high_quality_tags)
    assert job.total > 50
    job = run_latest_job()

    assert job.status == TagJob.Status.DONE
    assert job.done_count == job.total
    puts = puts_by_cluster(sandbox, status=None)
    items = {item.cluster_id: item for item in job.items.all()}
    assert set(puts) == set(items)
    for cluster_id, requests in puts.items():
        assert len(requests) == 1
        assert requests[0]["path"] == f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{cluster_id}"
        assert requests[0]["body"] == {"lead_cluster": {"tags": items[cluster_id].new_tags}}
        assert "High Quality Lead" in items[cluster_id].new_tags
        assert not set(items[cluster_id].new_tags) & (set(HIGH_QUALITY) - {"High Quality Lead"})
    now = current_tags(list(items))
    assert all(now[cid][1] == items[cid].new_tags for cid in items)


def test_a_job_has_exactly_its_concurrency_of_puts_at_dealerstudio_at_once(
    admin_client, sandbox, high_quality_tags
):
    # A job runs more threads than that, so the mirror's work between PUTs leaves no slot idle;
    # DealerStudio must still never see more than the concurrency at once.
    _start_merge(admin_client, high_quality_tags)
    sandbox.configure(latency_ms=40)
    job = run_latest_job(concurrency=3)

    assert job.status == TagJob.Status.DONE
    assert job.done_count == job.total > 50
    assert sandbox.traffic() == {"in_flight": 0, "peak_in_flight": 3}


def test_a_rate_limit_stops_the_job_before_any_waiting_change_is_sent(
    admin_client, sandbox, high_quality_tags
):
    job = _start_merge(admin_client, high_quality_tags)
    sandbox.configure(latency_ms=40)  # every thread is waiting for a turn when the 429s come
    sandbox.inject_fault(
        method="PUT", path="/api/v1/*", status=429, times=0, headers={"Retry-After": "30"}
    )
    job = run_latest_job(concurrency=2)

    assert job.status == TagJob.Status.STOPPED
    assert "limiting how fast" in job.last_error
    assert len(sandbox.requests(method="PUT")) == 2
    assert job.failed_count == 2
    assert job.items.filter(status=TagJobItem.Status.PENDING).count() == job.total - 2


def test_once_a_job_stops_a_change_still_waiting_for_its_turn_is_not_sent(sandbox):
    stopped = _Stop()
    stopped.set()
    client = DealerStudioClient(MANAGER_TOKEN, retry_seconds=0, in_flight=_Turns(2, stopped))

    with pytest.raises(DealerStudioError, match="Not sent: the job stopped"):
        client.update_lead_cluster(BRISBANE, 5001, {"tags": ["Sent after the stop"]})
    assert sandbox.requests(method="PUT") == []


def test_a_merge_records_the_merged_away_spellings_as_aliases(
    admin_client, sandbox, high_quality_tags
):
    _start_merge(admin_client, high_quality_tags)
    aliases = TagAlias.objects.filter(dealership_id=BRISBANE_ID)
    # All three spellings share one key, so one alias covers every way of typing them.
    assert list(aliases.values_list("alias_key", "canonical")) == [
        ("high quality lead", "High Quality Lead")
    ]


def test_every_job_and_every_change_is_in_the_audit_log_with_who_started_it(
    admin_client, admin_user, sandbox, high_quality_tags
):
    job = _start_merge(admin_client, high_quality_tags)
    job = run_latest_job()
    entries = AuditEntry.objects.filter(job_id=job.id)
    started = entries.get(action=AuditEntry.Action.TAG_JOB)
    assert started.actor == admin_user
    assert started.outcome == AuditEntry.Outcome.SUCCEEDED
    changes = entries.filter(action=AuditEntry.Action.TAG_CHANGE)
    assert changes.count() == job.total
    assert set(changes.values_list("actor_id", flat=True)) == {admin_user.id}
    assert set(changes.values_list("outcome", flat=True)) == {AuditEntry.Outcome.SUCCEEDED}


def test_a_fault_halfway_stops_the_job_and_resuming_never_puts_a_done_cluster_twice(
    admin_client, sandbox, high_quality_tags
):
    job = _start_merge(admin_client, high_quality_tags)
    items = list(job.items.order_by("id"))
    broken = items[len(items) // 2].cluster_id
    sandbox.inject_fault(
        method="PUT", path=f"/api/v1/dealerships/*/lead_clusters/{broken}", status=503, times=0
    )

    # One worker, in item order: the clusters after the broken one are still pending when it
    # stops. (With four, on a fast machine the other three finish them all while it retries.)
    job = run_latest_job(concurrency=1)
    assert job.status == TagJob.Status.STOPPED
    assert job.resumable
    assert job.items.get(cluster_id=broken).status == TagJobItem.Status.FAILED
    done_first = set(
        job.items.filter(status=TagJobItem.Status.DONE).values_list("cluster_id", flat=True)
    )
    assert 0 < len(done_first) < job.total
    assert job.items.filter(status=TagJobItem.Status.PENDING).exists()
    page = admin_client.get(f"/tags/jobs/{job.id}/").content.decode()
    assert "Resume" in page and "HTTP 503" in page

    sandbox.clear_faults()
    response = admin_client.post(f"/tags/jobs/{job.id}/resume/")
    assert response.status_code == 302
    job = run_latest_job()

    assert job.status == TagJob.Status.DONE
    assert job.done_count == job.total
    succeeded = puts_by_cluster(sandbox, status=200)
    assert set(succeeded) == {item.cluster_id for item in items}
    assert all(len(requests) == 1 for requests in succeeded.values())
    every_put = puts_by_cluster(sandbox, status=None)
    for cluster_id in done_first:
        assert len(every_put[cluster_id]) == 1
    assert job.items.get(cluster_id=broken).attempts == 2


def test_a_finished_job_is_reverted_except_where_tags_moved_on(
    admin_client, sandbox, high_quality_tags
):
    job = _start_merge(admin_client, high_quality_tags)
    job = run_latest_job()
    items = list(job.items.order_by("id"))
    moved_on = LeadCluster.objects.get(pk=items[0].cluster_id)
    set_cluster_tags(moved_on.id, moved_on.dealership_id, [*items[0].new_tags, "Edited since"])

    preview = admin_client.get(f"/tags/jobs/{job.id}/revert/")
    assert preview.context["preview"].total == len(items) - 1
    assert [c.cluster_id for c in preview.context["skipped"]] == [moved_on.id]
    before = len(sandbox.requests(method="PUT"))
    response = admin_client.post(f"/tags/jobs/{job.id}/revert/")
    revert = TagJob.objects.latest("id")
    assert response["Location"] == f"/tags/jobs/{revert.id}/"
    assert revert.reverted_job == job
    assert revert.skipped_count == 1
    revert = run_latest_job()

    assert revert.status == TagJob.Status.DONE
    puts = sandbox.requests(method="PUT")[before:]
    assert len(puts) == len(items) - 1
    old = {item.cluster_id: item.old_tags for item in items}
    for request in puts:
        cluster_id = int(request["path"].rsplit("/", 1)[1])
        assert request["body"] == {"lead_cluster": {"tags": old[cluster_id]}}
    assert not TagAlias.objects.filter(job=job).exists()
    assert admin_client.get(f"/tags/jobs/{job.id}/revert/").status_code == 404


def test_a_stopped_job_once_reverted_cannot_be_resumed(admin_client, sandbox, high_quality_tags):
    job = _start_merge(admin_client, high_quality_tags)
    broken = list(job.items.order_by("id"))[5].cluster_id
    sandbox.inject_fault(
        method="PUT", path=f"/api/v1/dealerships/*/lead_clusters/{broken}", status=503, times=0
    )
    job = run_latest_job(concurrency=1)
    assert job.status == TagJob.Status.STOPPED and job.resumable
    sandbox.clear_faults()
    admin_client.post(f"/tags/jobs/{job.id}/revert/")
    run_latest_job()
    sent = len(sandbox.requests(method="PUT"))

    response = admin_client.post(f"/tags/jobs/{job.id}/resume/", follow=True)

    # Its pending changes would have undone the revert on every cluster it had not reached.
    assert "was reverted" in response.content.decode()
    job.refresh_from_db()
    assert job.status == TagJob.Status.STOPPED and not job.resumable
    assert len(sandbox.requests(method="PUT")) == sent
    page = admin_client.get(f"/tags/jobs/{job.id}/").content.decode()
    assert "Resume</button>" not in page and "the changes this job had not made" in page


def test_a_second_job_with_the_same_plan_claims_none_of_the_firsts_changes(
    admin_client, sandbox, high_quality_tags
):
    # Say the admin went back from the job page and submitted the same preview again.
    first = _start_merge(admin_client, high_quality_tags)
    second = _start_merge(admin_client, high_quality_tags)
    assert second.total == first.total
    first = tag_job_run(first.id)
    second = tag_job_run(second.id)

    assert first.done_count == first.total
    assert len(sandbox.requests(method="PUT")) == first.total
    assert second.status == TagJob.Status.DONE
    assert (second.done_count, second.skipped_count) == (0, second.total)
    assert "already had these tags" in second.items.first().error
    assert not second.revertible
    listed = admin_client.get("/tags/jobs/").content.decode()
    assert f"0 changed, {second.total} skipped" in listed


def test_a_running_jobs_page_counts_its_items_as_they_are_now(admin_client, high_quality_tags):
    job = _start_merge(admin_client, high_quality_tags)
    TagJob.objects.filter(pk=job.id).update(status=TagJob.Status.RUNNING)
    done = list(job.items.values_list("id", flat=True)[:7])
    # Marked done by the workers, not yet counted into the job (that happens every 0.5 s).
    TagJobItem.objects.filter(id__in=done).update(status=TagJobItem.Status.DONE)

    page = admin_client.get(f"/tags/jobs/{job.id}/").content.decode()
    assert 'value="7"' in page and "7 changed" in page


def test_a_revert_with_nothing_left_to_undo_offers_no_button(
    admin_client, sandbox, high_quality_tags
):
    _start_merge(admin_client, high_quality_tags)
    job = run_latest_job()
    for item in job.items.all():
        set_cluster_tags(item.cluster_id, item.dealership_id, [*item.new_tags, "Edited since"])

    page = admin_client.get(f"/tags/jobs/{job.id}/revert/").content.decode()
    assert "nothing to revert" in page
    assert "Revert on 0 clusters" not in page


def test_a_refused_token_stops_the_job_with_words_for_a_job_not_a_form(
    admin_client, sandbox, high_quality_tags
):
    _start_merge(admin_client, high_quality_tags)
    sandbox.inject_fault(method="PUT", path="/api/v1/*", status=401, times=0)
    job = run_latest_job(concurrency=1)

    assert job.status == TagJob.Status.STOPPED
    for text in (job.last_error, job.items.get(status=TagJobItem.Status.FAILED).error):
        assert "API token page" in text and "before resuming the job" in text
        assert "form" not in text


def test_the_database_worker_runs_a_queued_job(admin_client, sandbox, high_quality_tags):
    job = _start_merge(admin_client, high_quality_tags)
    assert job.status == TagJob.Status.QUEUED
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job.refresh_from_db()
    assert job.status == TagJob.Status.DONE
    assert len(puts_by_cluster(sandbox)) == job.total


def test_a_stale_preview_is_not_run(admin_client, sandbox, high_quality_tags):
    response = admin_client.post("/tags/merge/", merge_data(high_quality_tags, "HQ", 3))
    assert response.status_code == 200
    assert "changed since this preview" in response.content.decode()
    assert not TagJob.objects.exists()
