"""Malformed ids, numbers beyond 64 bits, impossible years, thousands of formset rows, a tampered
management form or `base`: each answers with a clear error (or a 404), never a 500, and sends
nothing to DealerStudio."""

import pytest
from django.test import Client

from dealeradmin.clusters import views
from dealeradmin.clusters.forms import ROWS_TAMPERED
from dealeradmin.clusters.models import LeadCluster
from tests.clusters.helpers import add_car_row, edit_url, open_edit
from tests.conftest import BRISBANE

pytestmark = pytest.mark.usefixtures("committed_mirror")
HUGE = "9" * 30
BEYOND_64_BITS = str(2**64)


@pytest.fixture
def cluster(manager) -> LeadCluster:
    for cluster in LeadCluster.objects.filter(dealership_id=101):
        if cluster.cars.count() >= 1:
            return cluster
    raise AssertionError


@pytest.fixture
def strict_admin(admin_user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        f"/leads/{BRISBANE}/abc/",
        f"/leads/{BRISBANE}/{HUGE}/",
        f"/leads/{BRISBANE}/{BEYOND_64_BITS}/",
        f"/leads/{BRISBANE}/0/",
        f"/leads/{BRISBANE}/-1/",
        "/leads/no-such-dealership/5001/",
        f"/leads/{BRISBANE}%00/5001/",
        f"/tags/{HUGE}/rename/",
        f"/tags/jobs/{HUGE}/",
        f"/tags/jobs/{BEYOND_64_BITS}/",
    ],
)
def test_malformed_or_impossible_ids_in_urls_are_404(strict_admin, url):
    assert strict_admin.get(url).status_code == 404
    assert strict_admin.post(url).status_code in (404, 405)


@pytest.mark.parametrize(
    "query",
    [
        {"assignee": HUGE},
        {"assignee": BEYOND_64_BITS},
        {"location": "-5"},
        {"page": HUGE},
        {"page": "abc"},
        {"per_page": HUGE},
        {"sort": "<script>"},
        {"state": "nonsense"},
        {"dealership": "x" * 500},
        {"q": "x" * 5000},
        {"tag": "\x00"},
    ],
)
@pytest.mark.parametrize("page", ["/leads/", "/board/"])
def test_malformed_filters_never_break_a_page(strict_admin, page, query):
    assert strict_admin.get(page, query).status_code in (200, 400)
    assert strict_admin.get(page, query, HTTP_HX_REQUEST="true").status_code in (200, 400)


def _post(client, cluster, data):
    return client.post(edit_url(cluster, BRISBANE), data)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"year": "0"}, "year"),
        ({"year": "3000"}, "year"),
        ({"year": "-2020"}, "year"),
        ({"year": "twenty"}, "year"),
        ({"year": BEYOND_64_BITS}, "year"),
        ({"car_id": BEYOND_64_BITS}, "car_id"),
        ({"car_id": "0"}, "car_id"),
        ({"family_id": "1e3"}, "family_id"),
        ({"badge": "b" * 1000}, "badge"),
        ({"manufacturer_id": ""}, "manufacturer_id"),
    ],
)
def test_impossible_car_values_are_shown_on_their_field(
    manager_client, sandbox, cluster, row, field
):
    data = open_edit(manager_client, cluster, BRISBANE)
    values = {"car_id": 5, "family_id": 6, "manufacturer_id": 7, "year": 2020, **row}
    add_car_row(data, **values)
    response = _post(manager_client, cluster, data)
    assert response.status_code == 200
    new_row = response.context["cars"].forms[-1]
    assert new_row.errors[field]
    assert views.FIX_ERRORS in [str(m) for m in response.context["messages"]]
    assert sandbox.requests(method="PUT") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user_id", BEYOND_64_BITS),
        ("user_id", "999999"),
        ("secondary_user_id", "abc"),
        ("lead_state", "<script>"),
        ("location_id", "-1"),
        ("lead_status_option_other", BEYOND_64_BITS),
        ("car_ids", f"1, {BEYOND_64_BITS}"),
        ("car_ids", "1; DROP TABLE"),
        ("tags", "\n".join(f"tag {n}" for n in range(200))),
        ("tags", "x" * 300),
    ],
)
def test_impossible_cluster_values_are_shown_on_their_field(
    manager_client, sandbox, cluster, field, value
):
    data = open_edit(manager_client, cluster, BRISBANE)
    data[field] = value
    response = _post(manager_client, cluster, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert sandbox.requests(method="PUT") == []


def test_more_rows_than_allowed_are_refused_on_the_form(manager_client, sandbox, cluster):
    data = open_edit(manager_client, cluster, BRISBANE)
    for n in range(101):  # over the formset's maximum, under Django's field limit
        add_car_row(data, car_id=n + 1, family_id=1, manufacturer_id=1)
    response = _post(manager_client, cluster, data)
    assert response.status_code == 200
    errors = response.context["cars"].non_form_errors()
    assert any("at most" in error for error in errors), errors
    assert "at most" in response.content.decode()
    assert sandbox.requests(method="PUT") == []


def test_thousands_of_formset_rows_are_a_plain_400(manager_client, sandbox, cluster):
    """Over DATA_UPLOAD_MAX_NUMBER_FIELDS Django refuses the request before the view."""
    data = open_edit(manager_client, cluster, BRISBANE)
    for n in range(3000):
        add_car_row(data, car_id=n + 1, family_id=1, manufacturer_id=1)
    response = _post(manager_client, cluster, data)
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert sandbox.requests(method="PUT") == []


@pytest.mark.parametrize(
    "tamper",
    [
        {"cars-TOTAL_FORMS": None},
        {"cars-INITIAL_FORMS": None},
        {"cars-TOTAL_FORMS": "abc"},
        {"cars-TOTAL_FORMS": "-3"},
        {"cars-TOTAL_FORMS": HUGE},
        {"cars-INITIAL_FORMS": HUGE},
    ],
    ids=["no-total", "no-initial", "total-text", "total-negative", "total-huge", "initial-huge"],
)
def test_a_tampered_management_form_is_a_clear_error(manager_client, sandbox, cluster, tamper):
    data = open_edit(manager_client, cluster, BRISBANE)
    data["lead_state"] = "lost" if data["lead_state"] != "lost" else "new"
    for key, value in tamper.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    response = _post(manager_client, cluster, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["cars"].non_form_errors() or not response.context["cars"].is_valid()
    assert "field-error" in html or "message-error" in html
    assert sandbox.requests(method="PUT") == []


@pytest.mark.parametrize("row_id", ["", "-3", HUGE, "x"], ids=["blank", "negative", "huge", "text"])
def test_a_drawn_car_row_with_its_id_blanked_or_bad_is_refused_not_sent_as_a_new_car(
    manager_client, sandbox, cluster, row_id
):
    data = open_edit(manager_client, cluster, BRISBANE)
    assert data["cars-0-id"]  # the fixture's cluster has a car row
    data["cars-0-id"] = row_id
    response = _post(manager_client, cluster, data)
    assert response.status_code == 200
    assert ROWS_TAMPERED in response.content.decode().replace("&#x27;", "'")
    assert sandbox.requests(method="PUT") == []


def test_a_car_row_of_another_cluster_is_refused(manager_client, sandbox, cluster):
    other = LeadCluster.objects.filter(dealership_id=101).exclude(pk=cluster.pk)
    foreign = next(c for c in other if c.cars.exists()).cars.first()
    data = open_edit(manager_client, cluster, BRISBANE)
    data["cars-0-id"] = str(foreign.ds_id)
    data["cars-0-DELETE"] = "on"
    response = _post(manager_client, cluster, data)
    assert "does not belong to this cluster" in response.content.decode()
    assert sandbox.requests(method="PUT") == []


@pytest.mark.parametrize(
    "base",
    ["", "garbage", "eyJhIjoxfQ:1abc:bad", "x" * 100_000],
    ids=["empty", "text", "sig", "big"],
)
def test_a_tampered_base_is_a_visible_error(manager_client, sandbox, cluster, base):
    data = open_edit(manager_client, cluster, BRISBANE)
    data["lead_state"] = "lost" if data["lead_state"] != "lost" else "new"
    data["base"] = base
    response = _post(manager_client, cluster, data)
    assert response.status_code == 200
    assert response.context["form"].errors["base"]
    html = response.content.decode()
    for error in response.context["form"].errors["base"]:
        assert error in html.replace("&#x27;", "'"), error
    assert sandbox.requests(method="PUT") == []


def test_a_non_post_method_is_refused_plainly(manager_client, cluster):
    response = manager_client.put(edit_url(cluster, BRISBANE))
    assert response.status_code in (200, 405)


def test_a_tag_line_of_only_invisible_characters_is_no_tag(manager_client, sandbox, cluster):
    data = open_edit(manager_client, cluster, BRISBANE)
    data["lead_state"] = "lost" if data["lead_state"] != "lost" else "new"
    data["tags"] = "\n".join([*data["tags"].splitlines(), "\u200b", " \u2060\ufeff ", "Zoë\u200b"])
    response = _post(manager_client, cluster, data)
    assert response.status_code == 302
    [put] = sandbox.requests(method="PUT")
    sent = put["body"]["lead_cluster"]["tags"]
    assert sent[-1] == "Zoë\u200b"  # visible, so kept as typed
    assert not any(tag.strip("\u200b\u2060\ufeff ") == "" for tag in sent)
