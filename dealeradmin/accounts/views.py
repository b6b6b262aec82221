"""Sign-in, sign-out and the person's own DealerStudio token page."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from dealeradmin.dealerstudio.errors import DealerStudioError, TokenInvalid

from . import services
from .access import TOKEN_UNREADABLE, token_of
from .crypto import TokenUndecryptable
from .forms import SignInForm, TokenForm
from .models import ApiToken

SIGNED_OUT = "You are signed out."
TOKEN_STORED = "Your token is stored. It reaches {count}."
TOKEN_REFRESHED = "Checked with DealerStudio just now. Your token reaches {count}."
TOKEN_DELETED = "Your token is removed. Store a token again to see and change lead clusters."
TOKEN_MISSING = "There is no stored token to check. Store one first."
# A 401 on the token page means the pasted or stored token itself is refused.
TOKEN_REFUSED = (
    "DealerStudio does not accept this token (it may be mistyped, revoked or expired). "
    "Nothing was stored."
)
STORED_TOKEN_REFUSED = (
    "DealerStudio no longer accepts your stored token (it may be revoked or expired). "
    "Store a current one."
)
SANDBOX_HOSTS = {"127.0.0.1", "localhost", "::1"}

_sign_in = LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=SignInForm,
    redirect_authenticated_user=True,
)


@login_not_required
def login(request: HttpRequest) -> HttpResponse:
    return _sign_in(request)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, SIGNED_OUT)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("token")
def token(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                api_token = services.token_store(
                    user=request.user, token=form.cleaned_data["token"]
                )
            except TokenInvalid:
                form.add_error("token", TOKEN_REFUSED)
            except DealerStudioError as exc:
                form.add_error("token", exc.message)
            else:
                messages.success(
                    request, TOKEN_STORED.format(count=_reach(api_token.dealerships.count()))
                )
                return redirect("accounts:token")
    else:
        form = TokenForm()
    return render(request, "accounts/token.html", _token_context(request, form))


@require_POST
def token_refresh(request: HttpRequest) -> HttpResponse:
    try:
        api_token = services.token_refresh(user=request.user)
    except ApiToken.DoesNotExist:
        messages.error(request, TOKEN_MISSING)
    except TokenUndecryptable:
        messages.error(request, TOKEN_UNREADABLE)
    except TokenInvalid:
        messages.error(request, STORED_TOKEN_REFUSED)
    except DealerStudioError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, TOKEN_REFRESHED.format(count=_reach(api_token.dealerships.count()))
        )
    return redirect("accounts:token")


@require_POST
def token_delete(request: HttpRequest) -> HttpResponse:
    if services.token_delete(user=request.user):
        messages.success(request, TOKEN_DELETED)
    return redirect("accounts:token")


def _token_context(request: HttpRequest, form: TokenForm) -> dict:
    api_token = token_of(request.user)
    dealerships = []
    readable = True
    if api_token is not None:
        dealerships = api_token.dealerships.annotate(
            location_count=Count("locations", distinct=True),
            user_count=Count("users", distinct=True),
        ).order_by("name")
        try:
            api_token.token  # noqa: B018 - proves the ciphertext still decrypts
        except TokenUndecryptable:
            readable = False
    return {
        "nav": "token",
        "form": form,
        "api_token": api_token,
        "token_readable": readable,
        "token_unreadable_message": TOKEN_UNREADABLE,
        "dealerships": dealerships,
        "sandbox_tokens_url": sandbox_tokens_url(),
    }


def sandbox_tokens_url() -> str | None:
    """Where the sandbox lists its tokens, when DEALERSTUDIO_API_URL points at it."""
    base = settings.DEALERSTUDIO_API_URL.rstrip("/")
    if urlsplit(base).hostname in SANDBOX_HOSTS:
        return f"{base}/__sandbox__/tokens"
    return None


def _reach(count: int) -> str:
    return "1 dealership" if count == 1 else f"{count} dealerships"
