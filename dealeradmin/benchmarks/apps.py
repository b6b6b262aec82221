from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "dealeradmin.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks"
