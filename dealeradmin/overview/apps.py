from django.apps import AppConfig


class OverviewConfig(AppConfig):
    name = "dealeradmin.overview"
    verbose_name = "Pipeline overview"
