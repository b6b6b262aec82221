"""How a signed-in person is loaded for each request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from dealeradmin.core.rows import select_with_one

from .models import ApiToken


class UserWithTokenBackend(ModelBackend):
    """Django's username and password sign-in; the person is read together with their stored
    token, which nearly every page asks for, in one statement written directly (through the
    ORM, building it took longer than the database took to run it)."""

    def get_user(self, user_id):
        found = select_with_one(get_user_model(), ApiToken, "user", {"id": user_id})
        if not found:
            return None
        user, token = found[0]
        if token is not None:  # no token: the page asks, and is sent to store one
            user.api_token = token
        return user if self.user_can_authenticate(user) else None
