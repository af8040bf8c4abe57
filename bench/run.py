"""Print benchmark figures for inbound dialogs, the outbox dispatcher and the tick.

    .venv/bin/python bench/run.py [--db sqlite|postgres|both] [--quick]
        [--only inbound|dispatch|ticks]

Every scenario gets a freshly migrated database: a temporary SQLite file, or the PostgreSQL
database given by --postgres-url (its public schema is dropped first)."""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dispatch, inbound, ticks
from bench.database import POSTGRES_URL, fresh
from bench.measure import Phase, notes, peak_rss_mb, percentile, table, top_statements


@dataclass(frozen=True)
class Size:
    supervisors: int
    pendamping_each: int
    consultations: int
    complaints: int
    outbox_rows: int
    agreements: int


FULL = Size(40, 100, 250, 80, 5_000, 1_000)
QUICK = Size(40, 100, 60, 20, 1_000, 300)


def step_table(backend: str, samples: list[inbound.Sample]) -> str:
    """Per dialog step: where the time and the statements of one message go."""
    by_step: dict[tuple[str, str], list[inbound.Sample]] = defaultdict(list)
    for sample in samples:
        by_step[(sample.flow, sample.step)].append(sample)
    lines = [f"{'db':8} {'flow / step':40} {'n':>5} {'mean ms':>8} {'p95 ms':>7} {'SQL/msg':>8}"]
    for (flow, step), group in by_step.items():
        seconds = [s.seconds for s in group]
        lines.append(
            f"{backend:8} {flow + ' / ' + step:40} {len(group):>5} "
            f"{sum(seconds) / len(group) * 1000:>8.1f} {percentile(seconds, 95) * 1000:>7.1f} "
            f"{sum(s.statements for s in group) / len(group):>8.1f}"
        )
    return "\n".join(lines)


PARTS = ("inbound", "dispatch", "ticks")


def run_backend(
    backend: str, size: Size, postgres_url: str, parts: tuple[str, ...] = PARTS
) -> tuple[list[Phase], str]:
    phases: list[Phase] = []
    samples: list[inbound.Sample] = []
    if "inbound" in parts:
        with fresh(backend, postgres_url) as bench:
            found, samples = inbound.run(
                bench, size.supervisors, size.pendamping_each, size.consultations, size.complaints
            )
            phases += found
    if "dispatch" in parts:
        with fresh(backend, postgres_url) as bench:
            phases += dispatch.run(bench, size.outbox_rows)
    if "ticks" in parts:
        with fresh(backend, postgres_url) as bench:
            phases += ticks.run(bench, size.supervisors, size.pendamping_each, size.agreements)
    return phases, step_table(backend, samples)


def revision() -> str:
    """The commit measured, with -dirty when the working tree has changes."""
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=Path(__file__).resolve().parent,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="smaller runs, about 40 seconds")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    size = QUICK if args.quick else FULL
    backends = ("sqlite", "postgres") if args.db == "both" else (args.db,)

    started = time.perf_counter()
    phases: list[Phase] = []
    steps: list[str] = []
    for backend in backends:
        found, step_lines = run_backend(backend, size, args.postgres_url, tuple(args.only or PARTS))
        phases += found
        steps.append(step_lines)
    print(f"pkh-bot benchmark ({'quick' if args.quick else 'full'}) at {revision()}: {size}")
    print("unit/s and latencies count only the time inside the measured call; RSS is the peak")
    print("resident memory of this process so far (ru_maxrss).\n")
    print(table(phases))
    print("\nInbound, per dialog step:")
    print("\n\n".join(steps))
    print("\nNotes:")
    print(notes(phases))
    print("\nStatements that took the most database time (count, total ms summed over threads):")
    print(top_statements(phases))
    print(f"\nPeak RSS {peak_rss_mb():.0f} MB; whole run {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
