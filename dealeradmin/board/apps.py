from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "dealeradmin.board"
    verbose_name = "Kanban board"
