"""Start-up validation: settings that are present but unusable stop the process with a clear
message instead of failing on the first request that needs them."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from dealeradmin.accounts.crypto import _fernet


def validate_encryption_keys() -> None:
    """Raises ImproperlyConfigured when a TOKEN_ENCRYPTION_KEYS entry is not a Fernet key."""
    _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


@checks.register(checks.Tags.security)
def encryption_keys_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    try:
        validate_encryption_keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="dealeradmin.E001")]
    return []
