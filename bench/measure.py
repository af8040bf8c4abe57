"""Counting SQL statements, percentiles, peak memory, and the printed tables."""

from __future__ import annotations

import re
import resource
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

_SPACES = re.compile(r"\s+")


def shape(statement: str, head: int = 80, tail: int = 40) -> str:
    """A statement on one line, its middle cut out, so repeats of one query count together."""
    line = _SPACES.sub(" ", statement).strip()
    return line if len(line) <= head + tail + 5 else f"{line[:head]} ... {line[-tail:]}"


class StatementCounter:
    """Counts the statements an engine executes while `counting()` is open, and the time spent
    in each kind of statement (from sending it to the driver returning)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.total = 0
        self.by_shape: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self._active = False
        self._started: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        if self._active:
            self._started[id(conn)] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        started = self._started.pop(id(conn), None)
        if self._active and started is not None:
            key = shape(statement)
            self.total += 1
            self.by_shape[key] += 1
            self.seconds[key] += time.perf_counter() - started

    @contextmanager
    def counting(self) -> Iterator[None]:
        self._active = True
        try:
            yield
        finally:
            self._active = False

    def take(self, top: int = 3) -> tuple[int, list[Statement]]:
        """The count since the last take and the statements that took longest; start afresh."""
        total = self.total
        heaviest = [
            Statement(key, self.by_shape[key], seconds)
            for key, seconds in self.seconds.most_common(top)
        ]
        self.total, self.by_shape, self.seconds = 0, Counter(), Counter()
        return total, heaviest

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


@dataclass(frozen=True)
class Statement:
    sql: str
    count: int
    seconds: float


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Phase:
    """One measured thing: `n` units done in `seconds`, with per-unit latencies if they exist."""

    backend: str
    name: str
    n: int
    unit: str
    seconds: float
    statements: int
    latencies: list[float] = field(default_factory=list)
    top: list[Statement] = field(default_factory=list)
    rss_mb: float = field(default_factory=peak_rss_mb)
    note: str = ""


COLUMNS = (
    ("db", 8),
    ("phase", 34),
    ("n", 7),
    ("unit", 5),
    ("secs", 7),
    ("unit/s", 8),
    ("p50 ms", 7),
    ("p95 ms", 7),
    ("p99 ms", 7),
    ("max ms", 7),
    ("SQL", 7),
    ("SQL/unit", 8),
    ("RSS MB", 6),
)


def _ms(phase: Phase, q: float | None) -> str:
    if not phase.latencies:
        return "-"
    value = max(phase.latencies) if q is None else percentile(phase.latencies, q)
    return f"{value * 1000:.1f}"


def _cells(p: Phase) -> list[str]:
    rate = p.n / p.seconds if p.seconds > 0 else float("inf")
    return [
        p.backend,
        p.name,
        f"{p.n:,}",
        p.unit,
        f"{p.seconds:.2f}",
        f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}",
        _ms(p, 50),
        _ms(p, 95),
        _ms(p, 99),
        _ms(p, None),
        f"{p.statements:,}",
        f"{p.statements / p.n:.1f}" if p.n else "-",
        f"{p.rss_mb:.0f}",
    ]


def table(phases: Sequence[Phase]) -> str:
    head = " ".join(
        title.ljust(w) if i < 2 else title.rjust(w) for i, (title, w) in enumerate(COLUMNS)
    )
    lines = [head, "-" * len(head)]
    for phase in phases:
        cells = _cells(phase)
        lines.append(
            " ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, (_t, w)) in enumerate(zip(cells, COLUMNS, strict=True))
            )
        )
    return "\n".join(lines)


def top_statements(phases: Sequence[Phase]) -> str:
    lines = []
    for phase in phases:
        if not phase.top:
            continue
        lines.append(f"{phase.backend} / {phase.name}:")
        lines += [f"  {s.count:>7,} x {s.seconds * 1000:>8.0f} ms  {s.sql}" for s in phase.top]
    return "\n".join(lines)


def notes(phases: Sequence[Phase]) -> str:
    return "\n".join(f"{p.backend} / {p.name}: {p.note}" for p in phases if p.note)
