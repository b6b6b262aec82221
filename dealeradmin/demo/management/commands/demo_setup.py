"""Creates the demo accounts and stores their sandbox tokens (the sandbox must be running)."""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from dealeradmin.accounts.access import ADMINS_GROUP
from dealeradmin.accounts.services import token_store
from dealeradmin.dealerstudio.errors import DealerStudioError

DEFAULT_PASSWORD = "dealeradmin-demo"
# The sandbox's seeded tokens: sandbox-only values, not secrets.
DEMO_ACCOUNTS = (
    ("manager", "dsk_manager_0001_a1b2c3d4e5f6", False),
    ("admin", "dsk_group_0002_f6e5d4c3b2a1", True),
)


class Command(BaseCommand):
    help = "Create the demo accounts 'manager' and 'admin' with their sandbox tokens."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        admins, _ = Group.objects.get_or_create(name=ADMINS_GROUP)
        for username, token, admin in DEMO_ACCOUNTS:
            user, created = get_user_model().objects.get_or_create(username=username)
            if created or not user.check_password(password):
                user.set_password(password)
            user.is_staff = admin
            user.is_superuser = admin
            user.save()
            if admin:
                user.groups.add(admins)
            try:
                token_store(user=user, token=token)
            except DealerStudioError as error:
                raise CommandError(f"Could not store {username}'s token: {error.message}") from None
            self.stdout.write(f"Demo account '{username}' ready.")
