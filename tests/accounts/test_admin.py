import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from dealeradmin.accounts.services import token_store

from .conftest import MANAGER_TOKEN


@pytest.fixture
def admin_client_(client, db):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return client


def test_the_admin_shows_tokens_by_last_four_and_never_the_ciphertext(admin_client_, user, sandbox):
    api_token = token_store(user=user, token=MANAGER_TOKEN)

    pages = [
        admin_client_.get(reverse("admin:accounts_apitoken_changelist")),
        admin_client_.get(reverse("admin:accounts_apitoken_change", args=[api_token.pk])),
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert f"…{MANAGER_TOKEN[-4:]}" in html
        assert api_token.ciphertext not in html
        assert MANAGER_TOKEN not in html
        assert "ciphertext" not in html


def test_the_admin_lists_the_cached_dealerships_locations_and_users(admin_client_, user, sandbox):
    token_store(user=user, token=MANAGER_TOKEN)

    for name in ("dealership", "location", "salesuser"):
        response = admin_client_.get(reverse(f"admin:accounts_{name}_changelist"))
        assert response.status_code == 200
    dealership = admin_client_.get(reverse("admin:accounts_dealership_change", args=[101]))
    assert "Newstead Showroom" in dealership.content.decode()
    assert "Sarah Mitchell" in dealership.content.decode()
