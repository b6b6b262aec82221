"""An admin merges three spellings of a tag and watches the job's progress bar reach the end.

The job runs as it does in the demo: queued by the page, picked up by the database worker.
The worker runs in a thread of the test (the same `Worker` that `manage.py db_worker` runs,
without its signal handlers, which only the main thread may set), so the page polls while it
works.
"""

import re
import threading

import pytest
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from dealeradmin.tags.models import TagJob
from tests.tags.conftest import HIGH_QUALITY, puts_by_cluster


@pytest.fixture
def worker(settings):
    settings.TAG_JOB_CONCURRENCY = 4
    runner = Worker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="e2e-tags",
        excluded_queue_names=[],
    )

    def run():
        try:
            runner.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="db-worker", daemon=True)
    thread.start()
    yield runner
    runner.running = False
    thread.join(timeout=30)


def test_an_admin_merges_three_spellings_and_the_progress_bar_reaches_the_end(
    admin_page, live_server, sandbox, worker
):
    page = admin_page
    sandbox.configure(latency_ms=20)  # slow enough for the bar to be seen moving
    page.goto("/tags/?q=high+quality")
    row = page.locator("tr", has=page.get_by_text("High Quality Lead", exact=True)).first
    row.get_by_role("link", name="Merge 3 spellings…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Merge tags")
    for name in HIGH_QUALITY:
        expect(page.locator(".chosen")).to_contain_text(name.strip())
    page.get_by_label("Merge into").fill("High Quality Lead")
    page.get_by_role("button", name="Preview").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"\d+ clusters will change"))
    ).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Merge on \d+ clusters$")).click()

    expect(page).to_have_url(re.compile(r"/tags/jobs/\d+/$"))
    job = TagJob.objects.latest("id")
    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("max", str(job.total))
    expect(progress).to_have_attribute("value", str(job.total), timeout=60_000)
    expect(page.locator("#job-state")).to_have_text("Finished")
    expect(page.locator(".count-done")).to_have_text(f"{job.total} changed")
    expect(page.locator("#job-status")).not_to_have_attribute("hx-trigger", "every 1s")

    puts = puts_by_cluster(sandbox, status=None)
    assert len(puts) == job.total > 50
    assert all(len(requests) == 1 for requests in puts.values())
