"""Loads the mirror from a file of Lead Cluster Webhook payloads, one JSON object per line."""

import json
import sys
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from dealeradmin.clusters.ingest import PayloadInvalid, ingest_payload


class Command(BaseCommand):
    help = "Import lead clusters from a JSON-lines file of webhook payloads ('-' reads stdin)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON-lines file, or - for standard input")

    def handle(self, *args, path: str, **options):
        try:
            stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        outcomes: Counter[str] = Counter()
        with stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    outcomes[ingest_payload(json.loads(line)).outcome] += 1
                except (ValueError, PayloadInvalid) as exc:
                    outcomes["rejected"] += 1
                    self.stderr.write(f"line {number}: {exc}")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        self.stdout.write(f"Imported: {summary or 'nothing'}")
