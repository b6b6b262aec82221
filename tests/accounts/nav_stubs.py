"""A URLconf for tests/accounts: the real one, plus stand-ins for navigation URL names that
other apps have not defined yet (see conftest._navigation_urls)."""

from importlib import import_module

from django.http import HttpResponse
from django.urls import clear_url_caches, include, path

from dealeradmin import urls as real

NAV_NAMES = ["overview:home", "clusters:list", "board:board", "tags:catalogue", "audit:log"]

urlpatterns = list(real.urlpatterns)


def _stand_in(request):
    return HttpResponse("stand-in")


def build(missing: list[str]) -> None:
    global urlpatterns
    stubs = []
    for namespace in sorted({name.split(":")[0] for name in missing}):
        app_patterns = list(import_module(f"dealeradmin.{namespace}.urls").urlpatterns)
        for name in missing:
            if name.startswith(namespace + ":"):
                url_name = name.split(":")[1]
                app_patterns.append(path(f"__{url_name}__/", _stand_in, name=url_name))
        # Listed first, so this namespace wins over the real, incomplete one.
        stubs.append(path(f"__stub__/{namespace}/", include((app_patterns, namespace))))
    urlpatterns = stubs + list(real.urlpatterns)
    clear_url_caches()
