"""manage.py import_clusters: a first load of the mirror from webhook payloads."""

import io
import json

from django.core.management import call_command

from dealeradmin.clusters.models import LeadCluster, Tag


def test_it_imports_every_payload_and_a_second_run_changes_nothing(db, seed_payloads, tmp_path):
    LeadCluster.objects.all().delete()
    path = tmp_path / "clusters.jsonl"
    path.write_text("\n".join(seed_payloads) + "\n")
    out = io.StringIO()
    call_command("import_clusters", str(path), stdout=out)
    assert out.getvalue().strip() == f"Imported: {len(seed_payloads)} created"
    assert LeadCluster.objects.count() == len(seed_payloads)
    first = json.loads(seed_payloads[0])
    cluster = LeadCluster.objects.get(pk=first["Id"])
    assert cluster.tag_names() == first["tags"]
    assert Tag.objects.filter(name__in=first["tags"]).count() == len(set(first["tags"]))

    again = io.StringIO()
    call_command("import_clusters", str(path), stdout=again)
    assert again.getvalue().strip() == f"Imported: {len(seed_payloads)} duplicate"


def test_a_bad_line_is_reported_and_the_rest_imported(db, seed_payloads, tmp_path):
    LeadCluster.objects.all().delete()
    path = tmp_path / "clusters.jsonl"
    path.write_text(seed_payloads[0] + "\nnot json\n" + json.dumps({"Id": 1}) + "\n")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_clusters", str(path), stdout=out, stderr=err)
    assert out.getvalue().strip() == "Imported: 1 created, 2 rejected"
    assert "line 2" in err.getvalue() and "line 3: missing required fields" in err.getvalue()
