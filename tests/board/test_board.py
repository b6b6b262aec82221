"""Opening the board: from the mirror only, in a fixed number of queries, with the list's
filters and one column per salesperson, state, location or status option."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealeradmin.board import columns, views
from dealeradmin.clusters.forms import ClusterFilterForm
from dealeradmin.clusters.models import CarInterest, ClusterTag, LeadCluster, Tag
from tests.board.helpers import HTMX, card_column, header_count

SALESPEOPLE = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_clusters(n: int) -> None:
    """`n` more Brisbane clusters spread over every column, each with tags and cars."""
    now = timezone.now()
    LeadCluster.objects.bulk_create(
        LeadCluster(
            id=900_000 + i,
            dealership_id=101,
            lead_state=["new", "contacted", "lost", "invalid", "converted"][i % 5],
            contact_name=f"Extra Customer {i}",
            search_text=f"extra customer {i}",
            assignee_id=SALESPEOPLE[i % 8] if i % 9 else None,
            location_id=[1101, 1102, 1103, None][i % 4],
            lead_status_option_id=[31, 32, None][i % 3],
            last_lead_created_at=now - timedelta(hours=i),
        )
        for i in range(n)
    )
    tags = list(Tag.objects.filter(dealership_id=101)[:3])
    ClusterTag.objects.bulk_create(
        ClusterTag(cluster_id=900_000 + i, tag=tag, position=p)
        for i in range(n)
        for p, tag in enumerate(tags[: i % 4])
    )
    CarInterest.objects.bulk_create(
        CarInterest(cluster_id=900_000 + i, car_id=7, family_id=1, manufacturer_id=1)
        for i in range(n)
        if i % 2
    )


def _cards(html: str) -> list[str]:
    """The cards of a board page, each whole but for its CSRF token (masked anew per page)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.findall(r"<article .*?</article>", html, re.DOTALL)


def test_opening_the_board_calls_nothing_upstream(manager_client, sandbox):
    before = len(sandbox.requests())  # storing the token asked for its details
    for group in ("assignee", "state", "location", "status"):
        assert manager_client.get(f"/board/?group={group}").status_code == 200
    assert len(sandbox.requests()) == before


@pytest.mark.parametrize("group", ["assignee", "state", "location", "status"])
def test_the_board_takes_the_same_number_of_queries_however_many_clusters(
    manager_client, sandbox, group, monkeypatch
):
    url = f"/board/?group={group}"
    manager_client.get(url)  # the session's first read is not the board's
    before = _queries(manager_client, url)
    _add_clusters(600)
    monkeypatch.setattr(views, "PER_COLUMN", 35)
    after = _queries(manager_client, url)
    assert before == after
    assert before <= 12, before


def test_there_is_a_column_per_salesperson_and_an_unassigned_one_with_counts(
    manager_client, sandbox
):
    html = manager_client.get("/board/").content.decode()
    for user_id in SALESPEOPLE:
        expected = LeadCluster.objects.filter(dealership_id=101, assignee_id=user_id).count()
        assert header_count(html, str(user_id)) == expected
    unassigned = LeadCluster.objects.filter(dealership_id=101, assignee_id__isnull=True).count()
    assert header_count(html, "none") == unassigned
    assert re.search(r'data-column="none" data-accepts="false"', html)
    assert "Takes no drops" in html


def test_columns_can_be_states_locations_or_status_options(manager_client, sandbox):
    states = manager_client.get("/board/?group=state").content.decode()
    for state in ("new", "contacted", "lost", "invalid", "converted"):
        expected = LeadCluster.objects.filter(dealership_id=101, lead_state=state).count()
        assert header_count(states, state) == expected
    assert 'data-confirm="Lost"' in states and 'data-confirm="Invalid"' in states
    locations = manager_client.get("/board/?group=location").content.decode()
    assert "Newstead Showroom" in locations and "No location" in locations
    options = manager_client.get("/board/?group=status").content.decode()
    assert "Test drive booked" in options and "No status option" in options


def test_a_card_shows_what_a_manager_needs(manager_client, sandbox):
    cluster = (
        LeadCluster.objects.filter(dealership_id=101, secondary_user_id__isnull=False)
        .exclude(tag_links=None)
        .order_by("-last_lead_created_at")
        .first()
    )
    html = manager_client.get(f"/board/?q={cluster.contact_email}").content.decode()
    card = html[html.index(f'id="card-{cluster.id}"') :]
    card = card[: card.index("</article>")]
    assert cluster.contact_name in card
    assert cluster.get_lead_state_display() in card
    assert cluster.secondary_user_name in card
    assert f"{cluster.cars.count()} car" in card
    for name in cluster.tag_names():
        assert name in card
    assert " ago</time>" in card
    assert "Move to…" in card


def test_the_filters_are_the_lists_and_the_way_back_keeps_them(manager_client, sandbox):
    cluster = LeadCluster.objects.filter(dealership_id=101).first()
    html = manager_client.get(
        f"/board/?group=state&q={cluster.contact_last_name}&approved=no"
    ).content.decode()
    shown = set(re.findall(r'<article class="card[^"]*" id="card-(\d+)"', html))
    expected = {
        str(c.id)
        for c in LeadCluster.objects.filter(
            dealership_id=101,
            search_text__contains=cluster.contact_last_name.casefold(),
            approved=False,
        )
    }
    assert shown == expected
    assert f'href="/leads/?q={cluster.contact_last_name}&amp;approved=no"' in html


def test_only_the_persons_dealerships_are_on_the_board(manager_client, sandbox):
    html = manager_client.get("/board/?group=state").content.decode()
    gold_coast = LeadCluster.objects.filter(dealership_id=202).values_list("id", flat=True)
    assert not any(f'id="card-{i}"' in html for i in gold_coast)


def test_a_column_loads_its_next_cards_on_its_own(manager_client, sandbox, monkeypatch):
    monkeypatch.setattr(views, "PER_COLUMN", 5)
    html = manager_client.get("/board/").content.decode()
    assert 'hx-trigger="intersect once"' in html
    in_order = list(
        LeadCluster.objects.filter(dealership_id=101, assignee_id=1001)
        .order_by("-last_lead_created_at", "-id")
        .values_list("id", flat=True)
    )
    assert [i for i in in_order if f'id="card-{i}"' in html] == in_order[:5]

    page = manager_client.get("/board/column/?key=1001&offset=5", **HTMX).content.decode()
    assert [i for i in in_order if f'id="card-{i}"' in page] == in_order[5:10]
    assert all(card_column(page, i) == "1001" for i in in_order[5:10])
    assert "offset=10" in page

    last = manager_client.get(
        f"/board/column/?key=1001&offset={len(in_order) - 2}", **HTMX
    ).content.decode()
    assert "intersect once" not in last


def test_a_column_page_for_an_unknown_column_is_refused(manager_client, sandbox):
    assert manager_client.get("/board/column/?key=lots&offset=0").status_code == 400


@pytest.mark.parametrize("group", ["assignee", "state", "location", "status"])
@pytest.mark.parametrize("sort", ["-activity", "name", "-created"])
def test_each_column_shows_its_first_cards_in_the_boards_order(
    manager_client, sandbox, monkeypatch, group, sort
):
    """A bounded query per column (combined into one statement written directly), or for a
    board of very many columns one ranking query through the ORM: either way each column's
    first cards, in order, each card the same to the character (its count of cars too)."""
    monkeypatch.setattr(views, "PER_COLUMN", 3)
    url = f"/board/?group={group}&sort={sort}"
    combined = manager_client.get(url).content.decode()
    monkeypatch.setattr(columns, "MAX_UNION_COLUMNS", 0)
    ranked = manager_client.get(url).content.decode()
    shown = re.findall(r'<article class="card[^"]*" id="card-(\d+)"', combined)
    assert _cards(combined) == _cards(ranked)
    assert re.search(r'class="cars" [^>]*>[2-9] cars<', combined)
    grouping = columns.GROUPINGS[group]
    ordering = ClusterFilterForm.SORTS[sort]
    mirror = LeadCluster.objects.filter(dealership_id=101)
    expected = []
    for key in dict.fromkeys(card_column(combined, int(i)) for i in shown):
        in_column = mirror.filter(grouping.where_key(key)).order_by(*ordering)
        expected += [str(i) for i in in_column.values_list("id", flat=True)[:3]]
    assert shown == expected


@pytest.mark.parametrize("days", ["14", "45"])
def test_new_in_the_last_days_is_a_filter_the_board_shows_and_keeps(manager_client, days):
    brisbane = ZoneInfo("Australia/Brisbane")
    first_day = timezone.now().astimezone(brisbane).date() - timedelta(days=int(days) - 1)
    recent = LeadCluster.objects.filter(
        dealership_id=101, created__gte=datetime.combine(first_day, time(), brisbane)
    )
    assert 0 < recent.count() < LeadCluster.objects.filter(dealership_id=101).count()
    html = manager_client.get(f"/board/?group=state&new_within={days}").content.decode()

    menu = re.search(r'<select name="new_within".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d*)" selected>', menu) == [days]
    counts = [int(n) for n in re.findall(r'class="count"[^>]*>(\d+)<', html)]
    assert sum(counts) == recent.count()
