"""The overview at /: the pipeline of the person's own dealerships, from the mirror."""

from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dealeradmin.clusters.models import LeadCluster
from dealeradmin.dealerstudio.client import upstream_calls


def _links(html: str) -> list[str]:
    import re

    return re.findall(r'href="([^"]+)"', html)


def test_it_sends_a_person_without_a_token_to_the_token_page(db):
    user = get_user_model().objects.create_user("notoken", password="x")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("overview:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:token")


def test_it_counts_clusters_per_state_of_the_persons_dealerships_only(manager_client):
    response = manager_client.get("/")
    assert response.status_code == 200
    pipeline = response.context["pipeline"]
    brisbane = LeadCluster.objects.filter(dealership_id=101)
    counts = {bar.label: bar.count for bar in pipeline.states}
    assert counts["New"] == brisbane.filter(lead_state="new").count()
    assert counts["Contacted"] == brisbane.filter(lead_state="contacted").count()
    assert pipeline.total == brisbane.count()
    assert "Gold Coast" not in response.content.decode()


def test_each_state_bar_links_to_the_list_filtered_by_that_state(manager_client):
    html = manager_client.get("/").content.decode()
    for state in ("new", "contacted", "lost", "invalid", "converted"):
        assert f"/leads/?state={state}" in html


def test_workload_counts_each_salespersons_new_and_contacted_clusters(manager_client):
    pipeline = manager_client.get("/").context["pipeline"]
    open_clusters = LeadCluster.objects.filter(
        dealership_id=101, lead_state__in=["new", "contacted"]
    )
    assert sum(load.total for load in pipeline.workloads) == open_clusters.count()
    busiest = next(load for load in pipeline.workloads if not load.unassigned)
    assignee = parse_qs(urlparse(busiest.url).query)["assignee"][0]
    mine = open_clusters.filter(assignee_id=int(assignee))
    assert busiest.new.count == mine.filter(lead_state="new").count()
    assert busiest.contacted.count == mine.filter(lead_state="contacted").count()
    assert parse_qs(urlparse(busiest.new.url).query) == {"assignee": [assignee], "state": ["new"]}


def test_an_admin_reaching_two_dealerships_gets_links_naming_the_dealership(admin_client):
    pipeline = admin_client.get("/").context["pipeline"]
    assert pipeline.total == LeadCluster.objects.count()
    query = parse_qs(urlparse(pipeline.workloads[-1].url).query)
    assert query["dealership"][0] in ("brisbane-city-motors", "gold-coast-auto-group")


def test_new_clusters_per_day_are_counted_on_the_dealerships_calendar(manager_client, manager):
    LeadCluster.objects.filter(dealership_id=101).update(
        created=timezone.now() - timedelta(days=60)
    )
    cluster = LeadCluster.objects.filter(dealership_id=101).first()
    today_brisbane = timezone.now().astimezone(ZoneInfo("Australia/Brisbane")).date()
    # 23:30 UTC two days ago is 9:30 yesterday morning in Brisbane (UTC+10 all year).
    cluster.created = datetime.combine(today_brisbane - timedelta(days=2), time(23, 30), UTC)
    cluster.save()
    days = manager_client.get("/").context["pipeline"].days
    assert len(days) == 14
    assert days[-1].today
    by_day = {day.day: day.count for day in days}
    assert by_day[today_brisbane - timedelta(days=1)] == 1
    assert sum(by_day.values()) == 1


def test_waiting_longest_lists_new_clusters_oldest_last_lead_first(manager_client):
    waiting = manager_client.get("/").context["pipeline"].waiting
    expected = list(
        LeadCluster.objects.filter(dealership_id=101, lead_state="new")
        .order_by("last_lead_created_at", "id")
        .values_list("id", flat=True)[: len(waiting)]
    )
    assert [cluster.id for cluster in waiting] == expected
    assert waiting[0].pct == 100


@pytest.mark.parametrize("extra_clusters", [0, 40])
def test_it_runs_a_constant_number_of_queries_and_no_upstream_call(
    manager_client, extra_clusters, django_assert_max_num_queries
):
    template = LeadCluster.objects.filter(dealership_id=101).first()
    for offset in range(extra_clusters):
        template.pk = 900_000 + offset
        template.assignee_id = 700_000 + offset  # a new person each: more workload rows
        template.save(force_insert=True)
    calls = []
    token = upstream_calls.set(calls)
    try:
        with django_assert_max_num_queries(10):
            response = manager_client.get("/")
    finally:
        upstream_calls.reset(token)
    assert response.status_code == 200
    assert calls == []


def test_bars_are_drawn_without_inline_styles_or_scripts(manager_client):
    html = manager_client.get("/").content.decode()
    assert "style=" not in html
    assert "<script>" not in html
    assert "<svg" in html


def _listed(client, url: str) -> int:
    """How many clusters the list says it holds at `url`."""
    return client.get(url).context["page"].paginator.count


def test_each_link_opens_a_list_holding_exactly_the_number_it_shows(manager_client):
    # Some clusters just either side of a Brisbane midnight: calendar days, not 24-hour spans.
    brisbane = ZoneInfo("Australia/Brisbane")
    today = timezone.now().astimezone(brisbane).date()
    clusters = list(LeadCluster.objects.filter(dealership_id=101)[:4])
    for cluster, (days_ago, at) in zip(
        clusters,
        [(13, time(0, 5)), (14, time(23, 55)), (1, time(23, 59)), (0, time(0, 1))],
        strict=True,
    ):
        cluster.created = datetime.combine(today - timedelta(days=days_ago), at, brisbane)
        cluster.save()
    response = manager_client.get("/")
    pipeline = response.context["pipeline"]

    assert _listed(manager_client, response.context["recent_url"]) == pipeline.new_in_period
    for day in pipeline.days:
        assert _listed(manager_client, day.url) == day.count, day.day
    for load in pipeline.workloads:
        assert _listed(manager_client, load.url) == load.total, load.name
        assert _listed(manager_client, load.new.url) == load.new.count
        assert _listed(manager_client, load.contacted.url) == load.contacted.count


def test_a_days_list_says_which_day_and_can_drop_it(manager_client):
    day = manager_client.get("/").context["pipeline"].days[-3]
    html = manager_client.get(day.url).content.decode()
    assert f", created on {day.day:%A} {day.day.day} {day.day:%B}</p>" in html
    assert f'name="created_on" value="{day.day.isoformat()}" checked' in html
