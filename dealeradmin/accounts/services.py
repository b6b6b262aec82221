"""Actions on a person's DealerStudio token and on sign-in attempts (HackSoft-style services).

`token_store` and `token_refresh` ask DealerStudio first and write only after it answered, so a
rejected token leaves nothing behind. They raise `DealerStudioError` unchanged for the caller to
show its message.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from dealeradmin.dealerstudio.client import DealerStudioClient
from dealeradmin.dealerstudio.records import ApiKeyDetails, DealershipRecord

from .models import ApiToken, Dealership, Location, SalesUser, SignInAttempt


@sensitive_variables("token")
def token_store(*, user, token: str) -> ApiToken:
    """Checks `token` with apikey_details, then stores it (encrypted) with what it reaches."""
    token = token.strip()
    if not token:
        raise ValueError("an empty token cannot be stored")
    details = DealerStudioClient(token).apikey_details()
    with transaction.atomic():
        api_token = ApiToken.objects.select_for_update().filter(user=user).first()
        if api_token is None:
            api_token = ApiToken(user=user)
        api_token.set_token(token)
        return _apply_details(api_token, details)


def token_refresh(*, user) -> ApiToken:
    """Asks DealerStudio again what the stored token reaches and updates the cached rows.

    Raises ApiToken.DoesNotExist, crypto.TokenUndecryptable or DealerStudioError.
    """
    api_token = ApiToken.objects.get(user=user)
    details = DealerStudioClient(api_token.token).apikey_details()
    with transaction.atomic():
        return _apply_details(api_token, details)


def token_delete(*, user) -> bool:
    """Forgets the person's token; True when there was one."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted > 0


def _apply_details(api_token: ApiToken, details: ApiKeyDetails) -> ApiToken:
    api_token.apikey_id = details.id
    api_token.permissions = list(details.permissions)
    api_token.checked_at = timezone.now()
    api_token.save()
    dealerships = [_cache_dealership(record) for record in details.dealerships]
    api_token.dealerships.set(dealerships)
    return api_token


def _cache_dealership(record: DealershipRecord) -> Dealership:
    dealership, _ = Dealership.objects.update_or_create(
        id=record.id, defaults={"name": record.name, "slug": record.slug}
    )
    # apikey_details is the only source of locations and users: what it no longer lists is gone.
    dealership.locations.exclude(ds_id__in=[loc.id for loc in record.locations]).delete()
    for loc in record.locations:
        Location.objects.update_or_create(
            dealership=dealership,
            ds_id=loc.id,
            defaults={"name": loc.name, "location_type": loc.location_type},
        )
    dealership.users.exclude(ds_id__in=[user.id for user in record.users]).delete()
    for user in record.users:
        SalesUser.objects.update_or_create(
            dealership=dealership, ds_id=user.id, defaults={"name": user.name, "email": user.email}
        )
    return dealership


# Sign-in throttling: failures are counted per account and per address within a sliding window.


def _normalised(username: str) -> str:
    return username.strip().lower()[:150]


def sign_in_wait_seconds(*, username: str, address: str) -> int:
    """Seconds until another attempt is allowed for this account and address; 0 when it is."""
    window = timedelta(seconds=settings.SIGN_IN_WINDOW_SECONDS)
    limit = settings.SIGN_IN_MAX_ATTEMPTS
    now = timezone.now()
    recent = SignInAttempt.objects.filter(at__gte=now - window)
    wait = 0.0
    for failures in (
        recent.filter(username=_normalised(username)),
        recent.filter(address=address),
    ):
        # Allowed again once the limit-th newest failure leaves the window.
        newest = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
        if len(newest) >= limit:
            wait = max(wait, (newest[limit - 1] + window - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def sign_in_failure_record(*, username: str, address: str) -> None:
    cutoff = timezone.now() - timedelta(seconds=settings.SIGN_IN_WINDOW_SECONDS)
    SignInAttempt.objects.filter(at__lt=cutoff).delete()
    SignInAttempt.objects.create(username=_normalised(username), address=address)


def sign_in_success_record(*, username: str) -> None:
    SignInAttempt.objects.filter(username=_normalised(username)).delete()
