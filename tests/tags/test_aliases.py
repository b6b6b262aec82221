"""A merged-away spelling typed in the edit form is offered back as the canonical tag."""

from dealeradmin.clusters.models import LeadCluster
from dealeradmin.tags.aliases import ALIAS_OFFERED, canonical_names
from dealeradmin.tags.models import TagAlias
from tests.conftest import BRISBANE

from .conftest import BRISBANE_ID


def _alias(mirror):
    return TagAlias.objects.create(
        dealership_id=BRISBANE_ID,
        alias_key="high quality lead",
        alias="High-Quality Lead",
        canonical="High Quality Lead",
    )


def test_any_spelling_with_the_alias_key_maps_to_the_canonical_name(mirror):
    _alias(mirror)
    assert canonical_names(BRISBANE_ID, ["high-quality lead", "High Quality Lead", "VIP"]) == {
        "high-quality lead": "High Quality Lead"
    }
    assert canonical_names(202, ["high-quality lead"]) == {}


def test_the_edit_form_offers_the_canonical_tag_and_sends_nothing(manager_client, sandbox, mirror):
    _alias(mirror)
    cluster = LeadCluster.objects.filter(dealership_id=BRISBANE_ID).first()
    form = manager_client.get(f"/leads/{BRISBANE}/{cluster.id}/").context["form"]
    data = {name: "" if value is None else value for name, value in form.initial.items()}
    data.update({"tags": "VIP\nHigh-Quality Lead", "cars-TOTAL_FORMS": "0"})
    data.update({"cars-INITIAL_FORMS": "0", "approved": "on" if form.initial["approved"] else ""})
    response = manager_client.post(f"/leads/{BRISBANE}/{cluster.id}/", data)
    page = response.content.decode()
    assert response.status_code == 200
    expected = ALIAS_OFFERED.format(alias="High-Quality Lead", canonical="High Quality Lead")
    assert response.context["form"].errors["tags"] == [expected]
    assert "VIP\nHigh Quality Lead</textarea>" in page
    assert sandbox.requests(method="PUT") == []
