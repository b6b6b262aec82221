"""Each cluster's leads and lead events move to their own table (ClusterStory).

They were most of a cluster row's bytes, and the scans behind the list's counts and the board's
columns read every matching row of a dealership: at 100 000 clusters on PostgreSQL the board's
count read the whole 130 MB table. The copy runs before the columns are dropped.
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

# Dropping a column can make SQLite rebuild the table, which loses indexes it was not told of:
# migration 0006's are made again (if missing).
search_count_indexes = import_module(
    "dealeradmin.clusters.migrations.0006_sqlite_search_count_indexes"
)

COPY = (
    "INSERT INTO clusters_clusterstory (cluster_id, leads, lead_events) "
    "SELECT id, leads, lead_events FROM clusters_leadcluster"
)
COPY_BACK = (
    "UPDATE clusters_leadcluster SET "
    "leads = (SELECT leads FROM clusters_clusterstory WHERE cluster_id = clusters_leadcluster.id), "
    "lead_events = (SELECT lead_events FROM clusters_clusterstory "
    "WHERE cluster_id = clusters_leadcluster.id) "
    "WHERE id IN (SELECT cluster_id FROM clusters_clusterstory)"
)


class Migration(migrations.Migration):
    dependencies = [("clusters", "0006_sqlite_search_count_indexes")]

    operations = [
        # Undone last, after the columns come back.
        migrations.RunPython(
            migrations.RunPython.noop, search_count_indexes.create, elidable=False
        ),
        migrations.CreateModel(
            name="ClusterStory",
            fields=[
                (
                    "cluster",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="story",
                        serialize=False,
                        to="clusters.leadcluster",
                    ),
                ),
                ("leads", models.JSONField(blank=True, default=list)),
                ("lead_events", models.JSONField(blank=True, default=list)),
            ],
        ),
        migrations.RunSQL(COPY, COPY_BACK, elidable=False),
        migrations.RemoveField(model_name="leadcluster", name="lead_events"),
        migrations.RemoveField(model_name="leadcluster", name="leads"),
        migrations.RunPython(
            search_count_indexes.create, migrations.RunPython.noop, elidable=False
        ),
    ]
