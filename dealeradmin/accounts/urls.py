from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("settings/token/", views.token, name="token"),
    path("settings/token/refresh/", views.token_refresh, name="token_refresh"),
    path("settings/token/delete/", views.token_delete, name="token_delete"),
]
