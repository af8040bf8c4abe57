"""Fresh, migrated databases for each scenario, and the context a handler needs."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from handlers.core.context import AppContext
from storage.db import create_db_engine, make_session_factory
from storage.migrate import upgrade

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench"
# Tuesday 1 December 2026, 09:00 WIB: a working day with no holiday in the next three weeks.
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class Clock:
    """The time the handlers see; the benchmark moves it, nothing sleeps."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class Bench:
    """One freshly migrated database with a context whose clock the benchmark owns."""

    backend: str
    engine: Engine
    ctx: AppContext
    clock: Clock


def _reset_postgres(url: str) -> None:
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def existing(postgres_url: str = POSTGRES_URL) -> Iterator[Bench]:
    """A PostgreSQL database loaded before, kept as it is (migrated to the newest schema)."""
    upgrade(postgres_url)
    engine = create_db_engine(postgres_url)
    clock = Clock()
    try:
        yield Bench(
            "postgres", engine, AppContext(make_session_factory(engine), clock=clock), clock
        )
    finally:
        engine.dispose()


@contextmanager
def fresh(backend: str, postgres_url: str = POSTGRES_URL) -> Iterator[Bench]:
    """A new SQLite file, or PostgreSQL with its public schema dropped; then every migration."""
    with tempfile.TemporaryDirectory(prefix="pkh-bench-") as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            url = postgres_url
            _reset_postgres(url)
        upgrade(url)
        engine = create_db_engine(url)
        clock = Clock()
        ctx = AppContext(make_session_factory(engine), clock=clock)
        try:
            yield Bench(backend, engine, ctx, clock)
        finally:
            engine.dispose()
