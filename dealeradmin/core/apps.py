from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dealeradmin.core"
    verbose_name = "Core: request logs, health, times"

    def ready(self) -> None:
        from . import checks

        # gunicorn never runs system checks, so a worker refuses to boot on a bad key here,
        # with the same message `manage.py check` gives.
        checks.validate_encryption_keys()
