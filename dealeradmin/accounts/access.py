"""Who may reach what: a person reaches exactly the dealerships their own token grants."""

from functools import cache, wraps

from django.contrib import messages
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect

from dealeradmin.clusters.models import LeadCluster
from dealeradmin.core.rows import columns, fetch, instances
from dealeradmin.dealerstudio.client import DealerStudioClient

from .crypto import TokenUndecryptable
from .models import ApiToken, Dealership

NO_TOKEN = "Store your DealerStudio API token first: every change is sent with your own token."
TOKEN_UNREADABLE = (
    "Your stored token can no longer be read (its encryption key was removed). Store it again."
)
ADMINS_GROUP = "Admins"


def token_of(user) -> ApiToken | None:
    try:
        return user.api_token
    except ApiToken.DoesNotExist:
        return None


def dealerships_for(user) -> QuerySet[Dealership]:
    if not user.is_authenticated:
        return Dealership.objects.none()
    return Dealership.objects.filter(tokens__user=user)


def clusters_for(user) -> QuerySet[LeadCluster]:
    return LeadCluster.objects.filter(dealership_id__in=dealerships_for(user).values("id"))


def get_dealership_for_user(user, slug: str) -> Dealership:
    """Another dealership is a 404, not a 403: we do not confirm it exists.

    Every page about one dealership asks this first; the statement is written directly, as
    the ORM took longer to build it than the database to run it."""
    token = token_of(user) if user.is_authenticated else None
    names, fields, sql = _granted_dealership_sql(connection.vendor)
    rows = fetch(sql, [token.pk, slug], fields) if token is not None else []
    if not rows:
        raise Http404("No such dealership")
    return instances(Dealership, rows, names)[0]


@cache
def _granted_dealership_sql(vendor: str) -> tuple[tuple[str, ...], list, str]:
    quote = connection.ops.quote_name
    grants = ApiToken.dealerships.through._meta
    granted = quote(grants.get_field("dealership").column)
    token = quote(grants.get_field("apitoken").column)
    names, fields, listed = columns(Dealership, "d")
    return (
        names,
        fields,
        f"SELECT {listed} FROM {quote(Dealership._meta.db_table)} d "
        f"JOIN {quote(grants.db_table)} g ON g.{granted} = d.id "
        f"WHERE g.{token} = %s AND d.slug = %s",
    )


def get_cluster_for_user(
    user, slug: str, cluster_id: int, clusters: QuerySet[LeadCluster] | None = None
) -> tuple[Dealership, LeadCluster]:
    """`clusters`: where to look, say with related rows joined (all clusters by default)."""
    dealership = get_dealership_for_user(user, slug)
    try:
        cluster = (LeadCluster.objects if clusters is None else clusters).get(
            pk=cluster_id, dealership_id=dealership.id
        )
    except (LeadCluster.DoesNotExist, ValueError, OverflowError):
        raise Http404("No such lead cluster") from None
    return dealership, cluster


def client_for(user, *, retry_seconds: float | None = None, in_flight=None) -> DealerStudioClient:
    """The person's own client; raises TokenUndecryptable or ApiToken.DoesNotExist."""
    return DealerStudioClient(
        user.api_token.token, retry_seconds=retry_seconds, in_flight=in_flight
    )


def is_admin(user) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.groups.filter(name=ADMINS_GROUP).exists())
    )


def token_required(view):
    """Sends a person without a usable token to the token page, saying why."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = token_of(request.user)
        if token is None:
            messages.info(request, NO_TOKEN)
            return redirect("accounts:token")
        try:
            token.token  # noqa: B018 - proves the ciphertext still decrypts
        except TokenUndecryptable:
            messages.error(request, TOKEN_UNREADABLE)
            return redirect("accounts:token")
        return view(request, *args, **kwargs)

    return wrapper
