"""A person's DealerStudio token and what it grants: dealerships, their locations and users.

DealerStudio's only source of dealerships, users and locations is `apikey_details`, so these
tables are a cache of that call, refreshed whenever a person saves or refreshes their token.
"""

from django.conf import settings
from django.db import models

from .crypto import decrypt_token, encrypt_token


class Dealership(models.Model):
    id = models.BigIntegerField(primary_key=True, help_text="DealerStudio's dealership id")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    time_zone = models.CharField(max_length=64, default=settings.DEFAULT_TIME_ZONE_NAME)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="locations")
    ds_id = models.BigIntegerField(help_text="DealerStudio's location id")
    name = models.CharField(max_length=200)
    location_type = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["dealership", "ds_id"], name="location_once")
        ]

    def __str__(self) -> str:
        return self.name


class SalesUser(models.Model):
    """A DealerStudio user of a dealership: someone a cluster can be assigned to."""

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="users")
    ds_id = models.BigIntegerField(help_text="DealerStudio's user id")
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["dealership", "ds_id"], name="sales_user_once")
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A person's own DealerStudio token, encrypted at rest and never shown back."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    ciphertext = models.TextField()
    last_four = models.CharField(max_length=4)
    apikey_id = models.BigIntegerField(null=True)
    permissions = models.JSONField(default=list)
    dealerships = models.ManyToManyField(Dealership, related_name="tokens")
    checked_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token …{self.last_four} of {self.user}"

    @property
    def token(self) -> str:
        # Decrypted once per loaded row (a save checks the token, then sends it; a tag job
        # sends it once per cluster), and again whenever the ciphertext changes.
        ciphertext, plaintext = self.__dict__.get("_decrypted", (None, ""))
        if ciphertext != self.ciphertext:
            plaintext = decrypt_token(self.ciphertext)
            self.__dict__["_decrypted"] = (self.ciphertext, plaintext)
        return plaintext

    def set_token(self, token: str) -> None:
        self.ciphertext = encrypt_token(token)
        self.last_four = token[-4:]


class SignInAttempt(models.Model):
    """Failed sign-ins, counted per account and per address to throttle guessing."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"failed sign-in as {self.username} from {self.address}"
