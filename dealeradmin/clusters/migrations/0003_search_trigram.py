"""A trigram index on search_text, so the list's `contains` search stays fast at 100 000 rows.

PostgreSQL only (SQLite has no trigram indexes); the index is not part of the model state, so
it is created and dropped here rather than declared in Meta.indexes. Creating the extension
needs a role allowed to (a superuser, or the extension already installed).
"""

from django.db import migrations

INDEX = "clusters_leadcluster_search_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON clusters_leadcluster "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("clusters", "0002_list_indexes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
