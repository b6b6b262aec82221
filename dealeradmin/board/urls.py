from django.urls import path

from . import views

app_name = "board"
urlpatterns = [
    path("", views.board, name="board"),
    path("column/", views.board_column, name="column"),
    path("move/", views.board_move, name="move"),
    path("bulk/", views.board_bulk, name="bulk"),
    path("changes/", views.board_changes, name="changes"),
]
