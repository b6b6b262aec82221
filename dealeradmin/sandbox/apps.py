from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "dealeradmin.sandbox"
    label = "sandbox"
    verbose_name = "DealerStudio sandbox"
    default_auto_field = "django.db.models.BigAutoField"
