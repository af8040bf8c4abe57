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


def test_stage_since_is_filled_in_for_cases_already_stored(tmp_path: Path) -> None:
    """0012 gives each stored case the time it entered its current stage: its first update in
    that stage after its last update in another, else its opening."""
    url = f"sqlite:///{tmp_path / 'stages.db'}"
    upgrade(url, "0011")
    engine = create_db_engine(url)
    opened = "2026-09-01 00:00:00.000000"
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO people (id, role, name, phone, kabupaten, kecamatan, provinsi, timezone,"
            " active, telegram_unreachable, case_update_digest, created_at, updated_at)"
            " VALUES (1, 'pendamping', 'Sari', '+6281200000001', '', '', '', 'Asia/Jakarta',"
            f" 1, 0, 0, '{opened}', '{opened}')"
        )
        for case_id, stage in ((1, "asesmen"), (2, "asesmen"), (3, "intake")):
            connection.exec_driver_sql(
                "INSERT INTO cases (id, pendamping_id, label, kpm_ref_masked, case_type, stage,"
                " status, last_update_at, created_at)"
                f" VALUES ({case_id}, 1, '', '', 'lainnya', '{stage}', 'aktif', '{opened}',"
                f" '{opened}')"
            )
        updates = [  # case 1: intake, asesmen (10-05), intake, asesmen again (10-20), asesmen
            (1, "intake", "2026-10-01"),
            (1, "asesmen", "2026-10-05"),
            (1, "intake", "2026-10-10"),
            (1, "asesmen", "2026-10-20"),
            (1, "asesmen", "2026-10-25"),
            (2, "intake", "2026-10-01"),  # case 2: never updated in its stored stage
        ]
        for case_id, stage, day in updates:
            connection.exec_driver_sql(
                "INSERT INTO case_updates (case_id, author_id, stage, what_happened, next_step,"
                f" attachments, created_at) VALUES ({case_id}, 1, '{stage}', '', '', '{{}}',"
                f" '{day} 00:00:00.000000')"
            )
    upgrade(url)
    with engine.connect() as connection:
        found = dict(connection.exec_driver_sql("SELECT id, stage_since FROM cases").all())
    engine.dispose()
    assert {k: str(v)[:10] for k, v in found.items()} == {
        1: "2026-10-20",
        2: "2026-09-01",
        3: "2026-09-01",
    }
