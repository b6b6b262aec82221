"""Sign-in and token forms: they normalise and validate input, and never call DealerStudio."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from . import services

TOO_MANY_SIGN_INS = (
    "Too many failed sign-ins for this account or from this address. "
    "For your security, try again in {wait}."
)
TOKEN_EMPTY = "Paste your DealerStudio API token."
TOKEN_TOO_LONG = "That is longer than any DealerStudio API token ({limit} characters at most)."
TOKEN_BAD_CHARACTERS = (
    "A DealerStudio API token holds only letters, digits and punctuation; this one contains "
    "spaces, control characters or other symbols. Copy it again."
)
TOKEN_MAX_LENGTH = 512


def client_address(request: HttpRequest | None) -> str:
    # REMOTE_ADDR only: a forwarded header would let a guesser choose their own address.
    address = (request.META.get("REMOTE_ADDR") if request else None) or ""
    return address or "0.0.0.0"


def describe_minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing further attempts (without checking the password) once an
    account or an address has failed too often."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        wait = services.sign_in_wait_seconds(username=username, address=address)
        if wait:
            raise ValidationError(
                TOO_MANY_SIGN_INS.format(wait=describe_minutes(wait)), code="throttled"
            )
        if not username or not self.cleaned_data.get("password"):
            return self.cleaned_data
        try:
            cleaned = super().clean()
        except ValidationError:
            services.sign_in_failure_record(username=username, address=address)
            raise
        services.sign_in_success_record(username=username)
        return cleaned


class TokenForm(forms.Form):
    token = forms.CharField(
        label="API token",
        strip=False,
        required=False,
        # render_value=False: a stored or rejected token never travels back to the browser.
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token:
            raise ValidationError(TOKEN_EMPTY, code="empty")
        if len(token) > TOKEN_MAX_LENGTH:
            raise ValidationError(TOKEN_TOO_LONG.format(limit=TOKEN_MAX_LENGTH), code="too_long")
        if not all("!" <= char <= "~" for char in token):
            raise ValidationError(TOKEN_BAD_CHARACTERS, code="bad_characters")
        return token
