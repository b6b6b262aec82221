"""The benchmark's one table, the machine it ran on, and the record in benchmarks/RESULTS.md."""

import os
import platform
import sqlite3
from datetime import datetime

import django

HEADER = ("what", "figure", "baseline (same run)", "ratio", "target", "pass?")


def _cell(value) -> str:
    return str(value).replace("|", "\\|")


def table(rows: list[dict]) -> str:
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for row in rows:
        passed = {True: "yes", False: "**no**", None: "—"}[row["passed"]]
        cells = (row["what"], row["figure"], row["baseline"], row["ratio"], row["target"], passed)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def counts_table(counts: list[dict]) -> str:
    lines = ["| page | SQL queries | upstream calls |", "|---|---|---|"]
    lines += [f"| {c['page']} | {c['queries']} | {c['upstream']} |" for c in counts]
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def machine(postgres_version: str | None, python_workload_ms: float) -> str:
    parts = [
        f"{os.cpu_count()} CPUs (nproc), {_cpu_model()}, {_ram()} RAM",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
        + (f", PostgreSQL {postgres_version}" if postgres_version else ""),
        f"{platform.system()} {platform.release()}",
        # Other work on the machine slows the figure and its baseline alike, not the targets.
        "load average {:.1f} / {:.1f} / {:.1f} when measured".format(*os.getloadavg()),
        # This machine's speed drifts two- to threefold between runs: the targets in plain
        # milliseconds (edit, save, webhook) move with it, and this shows by how much.
        f"a fixed Python workload took {python_workload_ms:.0f} ms (lower is faster)",
    ]
    return "; ".join(parts)


def record(path, *, command: str, vendor: str, clusters: int, result: dict) -> None:
    """Appends a dated section; the file keeps every run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not path.exists()
    with open(path, "a") as out:
        if fresh:
            out.write(
                "# Benchmark results\n\n"
                "Appended by `manage.py benchmark` (see the README). Each figure's baseline is "
                "measured in the same run, so compare ratios across machines, not milliseconds.\n"
            )
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        out.write(
            f"\n## {stamp}: {clusters:,} clusters on {vendor}\n\n"
            f"Command: `{command}`\n\n"
            f"Machine: {result['machine']}\n\n"
            f"{table(result['rows'])}\n\n"
            f"Per page:\n\n{counts_table(result['counts'])}\n\n"
            f"Seeding took {result['seed_seconds']:.0f} s; measuring took "
            f"{result['measure_seconds']:.0f} s.\n"
        )
