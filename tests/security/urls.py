"""Every URL of the URLconf, with sample arguments, for tests that must cover them all."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the pattern, e.g. "leads/<slug:slug>/<int:cluster_id>/"
    kwargs: tuple[str, ...]

    @property
    def example(self) -> str:
        """The route with every argument replaced by a plausible value (for unnamed routes)."""
        text = re.sub(r"\(\?P<\w+>[^)]*\)\$?", "nothing-here/", self.route)
        text = re.sub(r"<(?:\w+:)?(\w+)>", "1", text)
        return text.replace("^", "").replace("$", "")


def all_routes() -> list[Route]:
    routes = []

    def walk(patterns, prefix: str, namespace: str | None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                if inner and namespace:
                    inner = f"{namespace}:{inner}"
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or f"<unnamed {pattern.lookup_str}>"
                full = f"{namespace}:{name}" if namespace else name
                converters = (
                    pattern.pattern.converters if hasattr(pattern.pattern, "converters") else {}
                )
                keys = tuple(converters) or tuple(pattern.pattern.regex.groupindex)
                routes.append(Route(full, prefix + str(pattern.pattern), keys))

    walk(get_resolver().url_patterns, "", None)
    return routes
