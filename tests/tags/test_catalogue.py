"""The catalogue: counts, last use, likely duplicates, search, and a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealeradmin.clusters.ingest import set_cluster_tags
from dealeradmin.clusters.models import ClusterTag, LeadCluster, tag_key
from dealeradmin.tags.catalogue import catalogue_rows, near_miss, near_miss_pairs

from .conftest import BRISBANE_ID, HIGH_QUALITY


def test_tag_key_ignores_case_spacing_and_punctuation():
    assert {tag_key(name) for name in HIGH_QUALITY} == {"high quality lead"}
    assert tag_key("Trade-in") == tag_key("Trade In") == "trade in"
    assert tag_key("  Follow   up!! ") == tag_key("follow-up") == "follow up"
    assert tag_key("ＶＩＰ") == "vip"  # full-width letters fold too
    assert tag_key("Finance") != tag_key("Fleet")


def test_near_miss_catches_one_letter_slips_but_not_different_words():
    assert near_miss("follow up", "folow up")
    assert near_miss("high quality lead", "high qualty lead")
    assert not near_miss("finance", "fleet")
    assert not near_miss("vip", "hot")
    assert not near_miss("finance", "finance")  # the same key is a duplicate, not a near miss


def test_near_miss_pairs_are_symmetric():
    pairs = near_miss_pairs(["follow up", "folow up", "finance", "trade in"])
    assert pairs["follow up"] == {"folow up"}
    assert pairs["folow up"] == {"follow up"}
    assert "finance" not in pairs


def test_the_catalogue_lists_each_spelling_with_its_clusters_and_duplicates(mirror):
    rows = {r.name: r for r in catalogue_rows([BRISBANE_ID])}
    for name in HIGH_QUALITY:
        row = rows[name]
        expected = ClusterTag.objects.filter(tag__name=name, tag__dealership_id=BRISBANE_ID)
        assert row.cluster_count == expected.count()
        assert sorted(row.same_key) == sorted(set(HIGH_QUALITY) - {name})
        assert len(row.group_ids) == 3
    assert rows["Finance"].same_key == ["finance"]
    assert rows["Trade-in"].same_key == ["Trade In"]
    last = (
        LeadCluster.objects.filter(tag_links__tag__name="VIP", dealership_id=BRISBANE_ID)
        .order_by("-last_lead_created_at")
        .values_list("last_lead_created_at", flat=True)
        .first()
    )
    assert rows["VIP"].last_used == last


def test_search_matches_any_spelling_and_duplicates_only_hides_unique_tags(mirror):
    names = {r.name for r in catalogue_rows([BRISBANE_ID], q="high-quality")}
    assert names == set(HIGH_QUALITY)
    only = catalogue_rows([BRISBANE_ID], duplicates_only=True)
    assert only and all(r.duplicates for r in only)
    assert "Fleet" not in {r.name for r in only}


def test_sorting_by_use_puts_the_most_used_tag_first(mirror):
    rows = catalogue_rows([BRISBANE_ID], sort="-clusters")
    counts = [r.cluster_count for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_the_page_costs_the_same_queries_however_many_tags_there_are(admin_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get("/tags/")
        assert response.status_code == 200
        return len(captured)

    before = queries()
    for i, cluster in enumerate(LeadCluster.objects.filter(dealership_id=BRISBANE_ID)[:40]):
        set_cluster_tags(
            cluster.id, cluster.dealership_id, [*cluster.tag_names(), f"Extra tag {i}"]
        )
    assert queries() == before


def test_an_admin_sees_the_curation_actions(admin_client):
    page = admin_client.get("/tags/").content.decode()
    assert "Merge selected" in page
    assert "Rename</a>" in page
    assert "Merge 3 spellings" in page


def test_a_manager_sees_the_catalogue_without_any_curation_action(manager_client):
    response = manager_client.get("/tags/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "High-Quality Lead" in page
    for action in ("Merge selected", "Delete selected", "Rename</a>", "Merge 3", "/tags/bulk/"):
        assert action not in page
    assert 'type="checkbox" name="tag"' not in page


def test_the_catalogue_filters_to_one_dealership(admin_client):
    page = admin_client.get("/tags/", {"dealership": "gold-coast-auto-group"}).content.decode()
    brisbane = admin_client.get("/tags/", {"dealership": "brisbane-city-motors"})
    assert "High-Quality Lead" in brisbane.content.decode()
    assert page.count('name="tag"') < brisbane.content.decode().count('name="tag"')
