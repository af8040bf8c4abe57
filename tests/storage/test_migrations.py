"""The Alembic migrations build the schema from nothing, tear it down, and match the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from storage.db import create_db_engine
from storage.migrate import alembic_config, downgrade, upgrade
from storage.models import Base

MODEL_TABLES = set(Base.metadata.tables)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def head(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def round_trip(url: str) -> None:
    engine = create_db_engine(url)
    try:
        upgrade(url)
        assert tables(engine) == MODEL_TABLES
        assert revision(engine) == head(url)
        assert differences(engine) == []
        downgrade(url, "base")
        assert tables(engine) == set()
        assert revision(engine) is None
        upgrade(url)
        assert tables(engine) == MODEL_TABLES
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_a_brand_new_sqlite_file_upgrades_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert not (tmp_path / "empty.db").exists()
    round_trip(url)


def test_the_configured_database_round_trips(database_url: str) -> None:
    """SQLite by default; the PostgreSQL of PKH_TEST_DATABASE_URL when that is set."""
    round_trip(database_url)


def test_the_models_match_the_migrations(db_engine: Engine) -> None:
    assert differences(db_engine) == []
    assert tables(db_engine) == MODEL_TABLES


def test_there_is_one_head(database_url: str) -> None:
    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    assert len(heads) == 1
