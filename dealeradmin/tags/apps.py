from django.apps import AppConfig


class TagsConfig(AppConfig):
    name = "dealeradmin.tags"
    verbose_name = "Tag curation"
