from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dealeradmin.accounts"
    verbose_name = "People and their DealerStudio tokens"
