"""The `pkh-bot` commands, run through `bot.cli.main` against a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.settings import Settings
from storage.db import create_db_engine, make_session_factory
from storage.models import ConversationState, OutboxMessage, OutboxStatus, Person
from tests.support import Chat, Clock, make_context

GOOD = """\
korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB
supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB
pendamping,Sari Rahayu,0812-1000-0003,Trenggalek,Pogalan,0812-1000-0002,WIB
admin,Yuni Astuti,0812-1000-0009,,,,WIB
"""


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def cli_sessions(cli_db: str) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(cli_db)
    yield make_session_factory(engine)
    engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_roster_import_loads_then_is_idempotent(
    cli_db: str,
    cli_sessions: sessionmaker[Session],
    roster_csv: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = roster_csv(GOOD)
    assert run(capsys, "roster", "import", str(path)) == (
        0,
        "added 4, updated 0, unchanged 0, rejected 0\n",
        "",
    )
    code, out, _ = run(capsys, "roster", "import", str(path))
    assert (code, out) == (0, "added 0, updated 0, unchanged 4, rejected 0\n")
    with cli_sessions() as session:
        assert sorted(session.scalars(select(Person.phone))) == [
            "+6281210000001",
            "+6281210000002",
            "+6281210000003",
            "+6281210000009",
        ]


def test_roster_import_reports_rejected_rows_and_exits_1(
    cli_db: str, roster_csv: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    body = GOOD + "pendamping,Nomor Rusak,12345,Trenggalek,Pogalan,,WIB\n"
    body += "pendamping,Tanpa Atasan,0812-1000-0007,Trenggalek,Pogalan,0812-9999-0000,WIB\n"
    code, out, _ = run(capsys, "roster", "import", str(roster_csv(body)))
    assert code == 1
    assert out.splitlines() == [
        "added 4, updated 0, unchanged 0, rejected 2",
        "  line 6: phone: not a valid phone number: '12345'",
        "  line 7: unknown supervisor +6281299990000",
    ]


def test_roster_import_with_a_wrong_header_exits_2(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("nama,telepon\nSari,0812-1000-0003\n", encoding="utf-8")
    code, out, err = run(capsys, "roster", "import", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"pkh-bot: cannot import {path}: header must be role,name,phone,")
    assert "missing role, name, phone" in err


def test_roster_import_of_a_missing_file_exits_2(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "roster", "import", str(tmp_path / "nope.csv"))
    assert code == 2 and "cannot import" in err and "nope.csv" in err


def test_tick_now_expires_an_idle_flow_once(
    cli_db: str,
    cli_sessions: sessionmaker[Session],
    roster_csv: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(capsys, "roster", "import", str(roster_csv(GOOD)))
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    sari = Chat(make_context(cli_sessions, Clock(start)), "0812-1000-0003")
    sari.send("menu")
    sari.send("1")  # the consultation flow, first question

    early = (start + timedelta(minutes=29)).isoformat()
    code, out, _ = run(capsys, "tick", "--now", early)
    assert code == 0 and "expire_idle_conversations=0" in out
    with cli_sessions() as session:
        assert session.scalars(select(ConversationState.flow)).one() == "consultation"

    late = (start + timedelta(minutes=31)).isoformat()
    code, out, _ = run(capsys, "tick", "--now", late)
    assert code == 0 and "expire_idle_conversations=1" in out
    expiry = sari.inbox()
    assert [r.text for r in expiry] == [
        "Percakapan sebelumnya berakhir karena tidak ada balasan selama 30 menit. Tidak ada yang "
        "disimpan. Silakan mulai lagi dari menu."
    ]
    with cli_sessions() as session:
        state = session.scalars(select(ConversationState)).one()
        assert (state.flow, state.step, state.data, state.expires_at) == (None, None, {}, None)
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "expiry")).all()
        assert [r.status for r in rows] == [OutboxStatus.SENT]

    code, out, _ = run(capsys, "tick", "--now", late)
    assert code == 0 and "expire_idle_conversations=0" in out
    assert sari.inbox() == []


def test_tick_needs_an_offset_in_now(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["tick", "--now", "2026-12-01T09:00:00"])
    assert stopped.value.code == 2
    assert "give a UTC offset" in capsys.readouterr().err


@pytest.mark.parametrize(
    "instant",
    [
        "1999-12-31T23:59:59+00:00",
        "2101-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+14:00",  # would overflow when moved to UTC
        "9999-12-31T23:59:59-12:00",
    ],
)
def test_tick_refuses_an_instant_outside_2000_to_2100(
    cli_db: str, capsys: pytest.CaptureFixture[str], instant: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["tick", "--now", instant])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --now: the year must be between 2000 and 2100" in err
    assert not Path(cli_db.removeprefix("sqlite:///")).exists()  # nothing ran


@pytest.mark.parametrize("instant", ["2000-01-01T00:00:00+07:00", "2100-12-31T23:59:59+00:00"])
def test_tick_accepts_the_first_and_last_years(
    cli_db: str, capsys: pytest.CaptureFixture[str], instant: str
) -> None:
    code, out, _ = run(capsys, "tick", "--now", instant)
    assert code == 0 and out.startswith("tick at ")


def test_tick_exits_1_when_a_duty_failed_and_still_runs_the_others(
    cli_db: str,
    cli_sessions: sessionmaker[Session],
    roster_csv: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import scheduler.tick

    def broken_duty(_ctx: object, _now: datetime) -> int:
        raise RuntimeError("the table it needs is gone")

    monkeypatch.setattr(scheduler.tick, "DUTIES", (broken_duty, *scheduler.tick.DUTIES))
    run(capsys, "roster", "import", str(roster_csv(GOOD)))
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    sari = Chat(make_context(cli_sessions, Clock(start)), "0812-1000-0003")
    sari.send("menu")
    sari.send("1")

    late = (start + timedelta(minutes=31)).isoformat()
    code, out, err = run(capsys, "tick", "--now", late)
    assert code == 1
    assert "broken_duty=-1" in out and "expire_idle_conversations=1" in out
    assert "pkh-bot: failed duties: broken_duty" in err
    with cli_sessions() as session:  # the other duties' messages still went out
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "expiry")).all()
        assert [r.status for r in rows] == [OutboxStatus.SENT]
