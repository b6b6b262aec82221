"""How a signed-in person is loaded for each request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserWithTokenBackend(ModelBackend):
    """Django's username and password sign-in; the person is read together with their stored
    token, which nearly every page asks for (one query fewer per request)."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("api_token")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
