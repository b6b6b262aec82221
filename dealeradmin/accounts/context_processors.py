from functools import partial

from dealeradmin.accounts.access import is_admin


def roles(request) -> dict:
    """`is_admin` for templates: admins see curation actions, managers do not. A callable, so
    pages that never ask make no query."""
    return {"is_admin": partial(is_admin, getattr(request, "user", None))}
