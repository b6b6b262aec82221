from django.urls import path

from . import views

app_name = "overview"
urlpatterns = [
    path("", views.overview_home, name="home"),
]
