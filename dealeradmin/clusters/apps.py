from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "dealeradmin.clusters"
    verbose_name = "Lead clusters (mirror of DealerStudio)"
