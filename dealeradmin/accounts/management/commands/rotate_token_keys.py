"""Re-encrypts every stored token under the newest key of TOKEN_ENCRYPTION_KEYS.

Rotate a key by putting a new one in front of TOKEN_ENCRYPTION_KEYS, running this command,
then removing the old key.
"""

from django.core.management.base import BaseCommand

from dealeradmin.accounts.crypto import TokenUndecryptable, reencrypt_token
from dealeradmin.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Re-encrypt every stored DealerStudio token under the newest TOKEN_ENCRYPTION_KEYS key."

    def handle(self, *args, **options) -> None:
        rotated = 0
        unreadable: list[str] = []
        for api_token in ApiToken.objects.select_related("user").order_by("pk").iterator():
            try:
                api_token.ciphertext = reencrypt_token(api_token.ciphertext)
            except TokenUndecryptable:
                unreadable.append(api_token.user.get_username())
                continue
            api_token.save(update_fields=["ciphertext"])
            rotated += 1

        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {rotated} token(s) under the newest key.")
        )
        if unreadable:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(unreadable)} token(s) could not be decrypted by any configured key; "
                    "their owners must store them again: " + ", ".join(unreadable)
                )
            )
