"""Merged-away spellings, offered back as the tag they were merged into."""

from dealeradmin.clusters.models import tag_key

from .models import TagAlias

ALIAS_OFFERED = "“{alias}” is now “{canonical}”: the tags below say so. Save again to keep it."


def canonical_names(dealership_id: int, names: list[str]) -> dict[str, str]:
    """{typed name: canonical name} for the names that are aliases of a different spelling."""
    if not names:
        return {}  # most saves type no new tag: no query to build
    keys = {name: tag_key(name) for name in names}
    canonical = dict(
        TagAlias.objects.filter(
            dealership_id=dealership_id, alias_key__in=set(keys.values())
        ).values_list("alias_key", "canonical")
    )
    return {
        name: canonical[key]
        for name, key in keys.items()
        if key in canonical and canonical[key] != name
    }
