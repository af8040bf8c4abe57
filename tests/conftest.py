"""Shared fixtures. The database comes from PKH_TEST_DATABASE_URL (PostgreSQL on CI), or is a
fresh SQLite file; either way it is built by the real Alembic migrations."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from handlers.core.context import AppContext
from storage.db import create_db_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Base
from tests.support import Chat, Clock, make_context


def _reset_postgres(url: str) -> None:
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("PKH_TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_session_factory(db_engine)
    with db_engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 09:00 WIB


@pytest.fixture
def ctx(sessions: sessionmaker[Session], clock: Clock) -> AppContext:
    return make_context(sessions, clock)


@pytest.fixture
def demo_roster(ctx: AppContext) -> None:
    from bot.demo import seed_demo_roster

    assert seed_demo_roster(ctx.sessions, ctx.default_tz) is not None


@pytest.fixture
def chat(ctx: AppContext, demo_roster: None) -> Callable[[str], Chat]:
    """A chat factory on the web channel: chat("0812-1000-0003") talks as Sari."""
    return lambda phone: Chat(ctx, phone)


@pytest.fixture
def roster_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(body: str, name: str = "roster.csv") -> Path:
        path = tmp_path / name
        header = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone\n"
        path.write_text(header + body, encoding="utf-8")
        return path

    return write
