from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "dealeradmin.demo"
    verbose_name = "Demo set-up"
