from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dealeradmin.audit"
    verbose_name = "Audit log"
