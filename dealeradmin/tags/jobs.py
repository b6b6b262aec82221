"""Creating, running, resuming and reverting tag jobs.

A job runs outside the request, as a django-tasks task picked up by `manage.py db_worker`. It
sends one PUT per pending item, at most TAG_JOB_CONCURRENCY at once, with the admin's own token
and only `tags` in the body. An item is marked done in its own transaction once its PUT has
succeeded, and a resumed job looks only at items not done, so no cluster is sent the same change
twice.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from queue import Empty, SimpleQueue

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django_tasks import task

from dealeradmin.accounts.access import client_for
from dealeradmin.accounts.models import Dealership
from dealeradmin.audit.models import AuditEntry
from dealeradmin.audit.services import audit_finish, audit_start
from dealeradmin.clusters.models import LeadCluster, tag_key
from dealeradmin.clusters.services import cluster_update
from dealeradmin.dealerstudio import errors

from .models import TagAlias, TagJob, TagJobItem
from .plans import Change, current_tags

logger = logging.getLogger(__name__)

# Failures that would hit every remaining cluster too: stop and leave the job resumable.
STOPPING_ERRORS = (
    errors.TokenInvalid,
    errors.RateLimited,
    errors.Unavailable,
    errors.TimedOut,
    errors.ConnectionFailed,
)
CHANGED_SINCE_PLANNED = "Its tags changed after the job was planned, so it was left alone."
ALREADY_HAD_THEM = (
    "It already had these tags (changed since the job was planned), so nothing was sent."
)
NOT_IN_MIRROR = "This cluster is no longer in the dashboard's copy of DealerStudio."
STOPPED_BECAUSE = "Stopped: {error} Resume the job to carry on from where it stopped."
FAILED_ITEMS = "{count} cluster{s} could not be changed; resume the job to try them again."
PROGRESS_SECONDS = 0.5
TOKEN_REFUSED = (
    "DealerStudio no longer accepts your API token: store a current one on the API token page "
    "(in the menu) before resuming the job."
)
NOT_SENT = "Not sent: the job stopped before this change's turn. Resume the job to send it."
REVERT_SKIPPED = "Its tags changed after job #{job} ran, so reverting would overwrite that."


def tag_job_create(
    *,
    user,
    kind: str,
    summary: str,
    params: dict,
    changes: list[Change],
    reverts: TagJob | None = None,
    skipped: list[Change] = (),
    skipped_reason: str = "",
) -> TagJob:
    """Stores the job and its whole plan, writes its audit entry and queues it."""
    with transaction.atomic():
        job = TagJob.objects.create(
            kind=kind,
            summary=summary,
            params=params,
            created_by=user,
            created_by_name=user.get_username(),
            total=len(changes) + len(skipped),
            skipped_count=len(skipped),
            reverted_job=reverts,
        )
        TagJobItem.objects.bulk_create(
            [
                TagJobItem(
                    job=job,
                    dealership_id=c.dealership_id,
                    cluster_id=c.cluster_id,
                    old_tags=c.old,
                    new_tags=c.new,
                )
                for c in changes
            ]
            + [
                TagJobItem(
                    job=job,
                    dealership_id=c.dealership_id,
                    cluster_id=c.cluster_id,
                    old_tags=c.old,
                    new_tags=c.new,
                    status=TagJobItem.Status.SKIPPED,
                    error=skipped_reason,
                    finished_at=timezone.now(),
                )
                for c in skipped
            ]
        )
        audit_start(
            actor=user,
            action=AuditEntry.Action.TAG_JOB,
            dealership_id=_only_dealership(changes),
            cluster_id=None,
            changes={"job": [None, summary], "clusters": [None, len(changes)]},
            job_id=job.id,
        )
        if kind in (TagJob.Kind.MERGE, TagJob.Kind.RENAME):
            _record_aliases(job, params)
        elif kind == TagJob.Kind.DELETE:
            for source in params["sources"]:
                TagAlias.objects.filter(
                    dealership_id=source["dealership_id"], canonical=source["name"]
                ).delete()
        elif kind == TagJob.Kind.REVERT and reverts is not None:
            TagAlias.objects.filter(job=reverts).delete()
        if not changes:
            _finish(job)
        else:
            # After commit: the worker (or the test's immediate backend) must see the rows.
            transaction.on_commit(partial(run_tag_job.enqueue, job.id))
    return job


def _only_dealership(changes: list[Change]) -> int | None:
    ids = {c.dealership_id for c in changes}
    return ids.pop() if len(ids) == 1 else None


def _record_aliases(job: TagJob, params: dict) -> None:
    """Merged-away spellings point at the target; older aliases follow along."""
    target = params["target"]
    by_dealership: dict[int, list[str]] = {}
    for source in params["sources"]:
        by_dealership.setdefault(source["dealership_id"], []).append(source["name"])
    for dealership_id, names in by_dealership.items():
        aliases = TagAlias.objects.filter(dealership_id=dealership_id)
        aliases.filter(canonical__in=names).update(canonical=target, job=job)
        aliases.filter(alias_key=tag_key(target)).exclude(canonical=target).delete()
        for name in names:
            if name != target and tag_key(name):
                TagAlias.objects.update_or_create(
                    dealership_id=dealership_id,
                    alias_key=tag_key(name),
                    defaults={"alias": name, "canonical": target, "job": job},
                )


def tag_job_resume(*, job: TagJob, user) -> bool:
    """Queues a stopped (or stalled) job again; False when it is not resumable."""
    resumable = Q(status=TagJob.Status.STOPPED)
    if job.stalled:
        resumable |= Q(status=TagJob.Status.RUNNING, heartbeat_at=job.heartbeat_at)
    with transaction.atomic():
        claimed = TagJob.objects.filter(resumable, pk=job.pk, reverted_by__isnull=True).update(
            status=TagJob.Status.QUEUED, last_error="", finished_at=None
        )
        if not claimed:
            return False
        audit_start(
            actor=user,
            action=AuditEntry.Action.TAG_JOB,
            dealership_id=None,
            cluster_id=None,
            changes={"job": [job.summary, "resumed"]},
            job_id=job.id,
        )
        transaction.on_commit(partial(run_tag_job.enqueue, job.id))
    return True


def tag_job_revert_plan(job: TagJob) -> tuple[list[Change], list[Change]]:
    """(changes that undo the job, clusters whose tags moved on since and are left alone)."""
    done = list(job.items.filter(status=TagJobItem.Status.DONE))
    now = current_tags([item.cluster_id for item in done])
    changes, skipped = [], []
    for item in done:
        change = Change(item.dealership_id, item.cluster_id, item.new_tags, item.old_tags)
        held = now.get(item.cluster_id)
        (changes if held and held[1] == item.new_tags else skipped).append(change)
    return changes, skipped


def _in_job_terms(error: errors.DealerStudioError) -> str:
    # The client's message for a refused token speaks of a form to save again; a job has none.
    return TOKEN_REFUSED if isinstance(error, errors.TokenInvalid) else error.message


class _Stop(threading.Event):
    error: str = ""


class _NotSent(errors.DealerStudioError):
    """The job stopped while this change waited for its turn, so it was never sent."""


class _Turns:
    """At most `concurrency` PUTs at DealerStudio at once, and none begun once the job stops.
    The client takes a turn around each request, retries included. A failure that would hit
    every remaining cluster stops the job before its turn is given to the next change."""

    def __init__(self, concurrency: int, stop: _Stop):
        self._semaphore = threading.BoundedSemaphore(concurrency)
        self._stop = stop

    def __enter__(self) -> None:
        self._semaphore.acquire()
        if self._stop.is_set():
            self._semaphore.release()
            raise _NotSent(NOT_SENT)

    def __exit__(self, exc_type, error, traceback) -> None:
        if isinstance(error, STOPPING_ERRORS) and not self._stop.is_set():
            self._stop.error = _in_job_terms(error)
            self._stop.set()
        self._semaphore.release()


@task()
def run_tag_job(job_id: int) -> dict:
    """The background task: runs (or resumes) one tag job to its end or to a stop."""
    job = tag_job_run(job_id)
    return {"status": job.status, "done": job.done_count, "failed": job.failed_count}


def tag_job_run(job_id: int, *, concurrency: int | None = None) -> TagJob:
    claimed = TagJob.objects.filter(pk=job_id, status=TagJob.Status.QUEUED).update(
        status=TagJob.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    job = TagJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        logger.info("Tag job %s is %s; nothing to run", job_id, job.status)
        return job
    pending = list(
        job.items.filter(status__in=[TagJobItem.Status.PENDING, TagJobItem.Status.FAILED])
    )
    dealerships = {d.id: d for d in Dealership.objects.all()}
    stop = _Stop()
    concurrency = max(1, concurrency or settings.TAG_JOB_CONCURRENCY)
    # `concurrency` bounds the PUTs at DealerStudio at once, not the threads: with twice as many
    # threads, one reads or writes the mirror while another's PUT is out, so the database work
    # around each PUT does not leave a slot idle.
    in_flight = _Turns(concurrency, stop)
    workers = 1 if concurrency == 1 else 2 * concurrency
    run_one = partial(_run_item, job, dealerships, stop, _Progress(job.id), in_flight)
    if workers == 1:
        for item in pending:
            run_one(item)
    else:
        queue = SimpleQueue()
        for item in pending:
            queue.put(item)

        def worker() -> None:
            # Each worker thread has its own connection: opened once, closed when the queue is
            # empty (not per item: on PostgreSQL a connection costs more than an item's queries).
            try:
                while True:
                    try:
                        item = queue.get_nowait()
                    except Empty:
                        return
                    run_one(item)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"tagjob{job_id}") as pool:
            for running in [pool.submit(worker) for _ in range(workers)]:
                running.result()
    return _finish(job, stopped_by=stop.error if stop.is_set() else None)


class _Progress:
    """Brings the job's counts (its progress bar) and heartbeat up to date, at most every
    PROGRESS_SECONDS: counting every item of a thousand-cluster job after each one would cost
    more than the item itself. The job's end counts them once more."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._lock = threading.Lock()
        self._last = 0.0

    def item_finished(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._last < PROGRESS_SECONDS:
                return
            self._last = now
        _recount(self.job_id, heartbeat=True)


def _run_item(job: TagJob, dealerships: dict, stop, progress: _Progress, in_flight, item) -> None:
    try:
        if stop.is_set():
            return
        _send_item(job, dealerships, in_flight, item)
    except Exception:
        logger.exception("Tag job %s: item %s failed unexpectedly", job.id, item.id)
        _mark(item.id, TagJobItem.Status.FAILED, "An unexpected error stopped this change.")
    progress.item_finished()


def _send_item(job: TagJob, dealerships: dict, in_flight, item: TagJobItem) -> None:
    cluster = (
        LeadCluster.objects.only("id", "dealership_id", "version")
        .filter(pk=item.cluster_id)
        .first()
    )
    if cluster is None:
        _mark(item.id, TagJobItem.Status.FAILED, NOT_IN_MIRROR)
        return
    held = cluster.tag_names_in_order()
    if held == item.new_tags:
        # This job's own change if it sent it (and died before marking it done: the audit entry
        # is written before the PUT); otherwise a person or another job made it, not this one.
        sent_by_this_job = AuditEntry.objects.filter(
            action=AuditEntry.Action.TAG_CHANGE, job_id=job.id, cluster_id=item.cluster_id
        ).exists()
        if sent_by_this_job:
            _mark(item.id, TagJobItem.Status.DONE, "")
        else:
            _mark(item.id, TagJobItem.Status.SKIPPED, ALREADY_HAD_THEM)
        return
    if held != item.old_tags:
        _mark(item.id, TagJobItem.Status.SKIPPED, CHANGED_SINCE_PLANNED)
        return
    client = client_for(
        job.created_by, retry_seconds=settings.DEALERSTUDIO_JOB_RETRY_SECONDS, in_flight=in_flight
    )
    try:
        cluster_update(
            user=job.created_by,
            dealership=dealerships[item.dealership_id],
            cluster=cluster,
            base={"tags": item.old_tags},
            body={"tags": item.new_tags},
            action=AuditEntry.Action.TAG_CHANGE,
            job_id=job.id,
            client=client,
        )
    except _NotSent:
        return  # still pending: the resume sends it
    except errors.DealerStudioError as error:
        _mark(item.id, TagJobItem.Status.FAILED, _in_job_terms(error), sent=True)
        return
    _mark(item.id, TagJobItem.Status.DONE, "", sent=True)


def _mark(item_id: int, status: str, error: str, *, sent: bool = False) -> None:
    """Records an item's outcome in its own transaction; `sent`: its PUT was attempted (the
    attempt itself is in the audit log from before the call)."""
    TagJobItem.objects.filter(pk=item_id).update(
        status=status,
        error=error,
        finished_at=timezone.now(),
        attempts=F("attempts") + (1 if sent else 0),
    )


def _item_counts(job_id: int) -> dict[str, int]:
    """{status: items}, counted now."""
    return dict(
        TagJobItem.objects.filter(job_id=job_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def _count_fields(counts: dict[str, int]) -> dict[str, int]:
    return {
        "done_count": counts.get(TagJobItem.Status.DONE, 0),
        "failed_count": counts.get(TagJobItem.Status.FAILED, 0),
        "skipped_count": counts.get(TagJobItem.Status.SKIPPED, 0),
    }


def count_now(job: TagJob) -> None:
    """Puts the counts as they are this moment on `job` (the stored ones trail a running job by
    up to PROGRESS_SECONDS), without saving them."""
    for name, value in _count_fields(_item_counts(job.id)).items():
        setattr(job, name, value)


def _recount(job_id: int, *, heartbeat: bool = False) -> dict:
    counts = _item_counts(job_id)
    fields = _count_fields(counts)
    if heartbeat:
        fields["heartbeat_at"] = timezone.now()
    TagJob.objects.filter(pk=job_id).update(**fields)
    return counts


def _finish(job: TagJob, stopped_by: str | None = None) -> TagJob:
    with transaction.atomic():
        counts = _recount(job.id)
        unfinished = counts.get(TagJobItem.Status.PENDING, 0) + counts.get(
            TagJobItem.Status.FAILED, 0
        )
        if stopped_by:
            last_error = STOPPED_BECAUSE.format(error=stopped_by)
        elif unfinished:
            failed = counts.get(TagJobItem.Status.FAILED, 0)
            last_error = FAILED_ITEMS.format(count=failed, s="" if failed == 1 else "s")
        else:
            last_error = ""
        status = TagJob.Status.STOPPED if unfinished else TagJob.Status.DONE
        TagJob.objects.filter(pk=job.pk).update(
            status=status, last_error=last_error, finished_at=timezone.now()
        )
        entry = (
            AuditEntry.objects.filter(action=AuditEntry.Action.TAG_JOB, job_id=job.id)
            .order_by("-created_at", "-id")
            .first()
        )
        if entry is not None and entry.outcome == AuditEntry.Outcome.PENDING:
            failure = errors.DealerStudioError(last_error) if unfinished else None
            audit_finish(entry, error=failure)
    job.refresh_from_db()
    return job
