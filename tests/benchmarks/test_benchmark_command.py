"""The benchmark command still runs end to end (at a tiny size; no timing is asserted)."""

from django.core.management import call_command


def test_the_benchmark_command_prints_its_table_without_recording_it(tmp_path, capsys):
    results = tmp_path / "RESULTS.md"

    call_command("benchmark", "--clusters", "200", "--quick", "--no-record", "--results", results)

    printed = capsys.readouterr().out
    assert "| what | figure | baseline (same run) | ratio | target | pass? |" in printed
    for row in ("list page", "edit save", "webhook ingest", "page weight: list", "memory"):
        assert row in printed
    assert "a fixed Python workload took" in printed  # how fast the machine was, for comparing runs
    assert not results.exists()
