"""The "Supervisi" view through `build`: sessions of November per supervisor and per pendamping,
the functions of held sessions, the pendamping nobody supervised for 30 days; each reader sees
only their scope (a supervisor never another's sessions, a pendamping only their own)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conversations.flows.validators import YES
from conversations.messages import Channel, Inbound
from handlers.core.context import AppContext
from handlers.core.turn import Turn
from handlers.people.phones import to_e164
from handlers.reports import supervision
from handlers.reports.query import ViewQuery, month_query
from handlers.reports.shapes import View
from handlers.supervision.records import record_session
from storage.db import transaction
from storage.models import Agreement, AgreementParticipant, Person, SupervisionSession
from storage.vocabulary import (
    AgreementStatus,
    ContactMode,
    ParticipantStatus,
    Role,
    SessionStatus,
    SlotKind,
    SupervisionFunction,
)
from tests.support import Clock

BAMBANG, DEWI, SARI, AGUS, RINA = (
    "Bambang Wijaya",
    "Dewi Lestari",
    "Sari Rahayu",
    "Agus Santoso",
    "Rina Wulandari",
)
SINTA, TONO = "Sinta Maharani", "Tono Prasetyo"
ADMIN_F, EDU_F, SUPPORT_F = (
    SupervisionFunction.ADMINISTRATIVE,
    SupervisionFunction.EDUCATIONAL,
    SupervisionFunction.SUPPORTIVE,
)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB, as the `clock` fixture


def at(month: int, day: int) -> datetime:
    """10:00 WIB on that day of 2026."""
    return datetime(2026, month, day, 3, 0, tzinfo=UTC)


def by_name(session: Session, name: str) -> Person:
    return session.scalars(select(Person).where(Person.name == name)).one()


def agreement(
    session: Session, supervisor: Person, joined: Iterable[Person], declined: Iterable[Person] = ()
) -> Agreement:
    row = Agreement(
        supervisor_id=supervisor.id,
        kind=SlotKind.GROUP,
        cadence_days=7,
        weekday=1,
        local_time="10:00",
        duration_minutes=60,
        mode=ContactMode.IN_PERSON,
        start_date=date(2026, 10, 1),
        timezone="Asia/Jakarta",
        status=AgreementStatus.ACTIVE,
    )
    session.add(row)
    session.flush()
    for person, status in [
        *((p, ParticipantStatus.AGREED) for p in joined),
        *((p, ParticipantStatus.DECLINED) for p in declined),
    ]:
        session.add(AgreementParticipant(agreement_id=row.id, person_id=person.id, status=status))
    session.flush()
    return row


def slot(
    session: Session,
    row: Agreement,
    start: datetime,
    status: str = SessionStatus.SCHEDULED,
    attendees: Iterable[Person] = (),
    functions: Iterable[str] = (),
    planned_for: datetime | None = None,
) -> SupervisionSession:
    n = len(
        session.scalars(
            select(SupervisionSession.id).where(SupervisionSession.agreement_id == row.id)
        ).all()
    )
    held = status == SessionStatus.HELD
    found = SupervisionSession(
        agreement_id=row.id,
        occurrence=n,
        planned_for=planned_for or start,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=status,
        held=held if status in (SessionStatus.HELD, SessionStatus.NOT_HELD) else None,
        attendee_ids={"ids": [p.id for p in attendees]} if held else {},
        functions={"items": list(functions)} if held else {},
        recorded_at=start + timedelta(hours=2) if held else None,
    )
    session.add(found)
    session.flush()
    return found


def add_sinta(session: Session) -> tuple[Person, Person]:
    """Another supervisor of Trenggalek (under Bambang) with her own pendamping, Tono."""
    bambang = by_name(session, BAMBANG)
    sinta = Person(
        role=Role.SUPERVISOR,
        name=SINTA,
        phone=to_e164("0812-3000-0002"),
        kabupaten="Trenggalek",
        kecamatan="Trenggalek",
        provinsi="Jawa Timur",
        supervisor_id=bambang.id,
        timezone="Asia/Jakarta",
    )
    session.add(sinta)
    session.flush()
    tono = Person(
        role=Role.PENDAMPING,
        name=TONO,
        phone=to_e164("0812-3000-0003"),
        kabupaten="Trenggalek",
        kecamatan="Karangan",
        provinsi="Jawa Timur",
        supervisor_id=sinta.id,
        timezone="Asia/Jakarta",
    )
    session.add(tono)
    session.flush()
    return sinta, tono


def seed(sessions: sessionmaker[Session]) -> None:
    """Dewi: Sari alone (held 3 Nov, not held 10 Nov, held 17 Nov moved from the 16th,
    cancelled 24 Nov) and a group of Sari and Agus, Rina declined (held 20 Oct with both, held
    5 Nov with Sari only, 19 Nov ended unrecorded, 3 Dec ahead). Sinta: Tono (held 4 and 11 Nov,
    the 18th skipped for a holiday)."""
    with transaction(sessions) as session:
        dewi, sari, agus, rina = (by_name(session, n) for n in (DEWI, SARI, AGUS, RINA))
        sinta, tono = add_sinta(session)
        alone = agreement(session, dewi, [sari])
        slot(session, alone, at(11, 3), SessionStatus.HELD, [sari], [ADMIN_F, EDU_F])
        slot(session, alone, at(11, 10), SessionStatus.NOT_HELD)
        slot(session, alone, at(11, 17), SessionStatus.HELD, [sari], [SUPPORT_F], at(11, 16))
        slot(session, alone, at(11, 24), SessionStatus.CANCELLED)
        group = agreement(session, dewi, [sari, agus], declined=[rina])
        slot(session, group, at(10, 20), SessionStatus.HELD, [sari, agus], [EDU_F])
        slot(session, group, at(11, 5), SessionStatus.HELD, [sari], [EDU_F])
        slot(session, group, at(11, 19))
        slot(session, group, at(12, 3))
        other = agreement(session, sinta, [tono])
        slot(session, other, at(11, 4), SessionStatus.HELD, [tono], [ADMIN_F])
        slot(session, other, at(11, 11), SessionStatus.HELD, [tono])
        slot(session, other, at(11, 18), SessionStatus.SKIPPED)


def view_as(sessions: sessionmaker[Session], name: str, **more: object) -> View:
    with sessions() as session:
        reader = by_name(session, name)
        return supervision.build(session, month_query(reader, NOW, 2026, 11, **more))


def rows(view: View, key: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in view.table(key).rows]


def figures(view: View) -> dict[str, object]:
    return {f.label: f.value for f in view.figures}


def test_a_supervisor_sees_her_sessions_by_outcome(ctx: AppContext, demo_roster: None) -> None:
    seed(ctx.sessions)
    view = view_as(ctx.sessions, DEWI)
    # planned, held, not held, unrecorded, upcoming, cancelled, moved, held rate
    assert rows(view, "supervisor") == [(DEWI, "Trenggalek", 5, 3, 1, 1, 0, 1, 1, 0.6)]
    assert list(figures(view).values()) == [5, 3, 1, 1, 1, 1, 0.6, 2]
    [by_supervisor, functions] = view.charts
    assert by_supervisor.series == ("direncanakan", "terlaksana")
    assert [(b.label, b.values) for b in by_supervisor.bars] == [(DEWI, (5, 3))]
    assert rows(view, "fungsi") == [
        ("Administrasi", 1, 1 / 3),
        ("Pendidikan", 2, 2 / 3),
        ("Dukungan personal", 1, 1 / 3),
        ("(fungsi tidak dicatat)", 0, 0.0),
    ]
    assert [b.values for b in functions.bars] == [(1,), (2,), (1,), (0,)]


def test_per_pendamping_planned_held_and_attended(ctx: AppContext, demo_roster: None) -> None:
    seed(ctx.sessions)
    view = view_as(ctx.sessions, DEWI)
    assert rows(view, "pendamping") == [
        (AGUS, "Pogalan", DEWI, 2, 1, 0, 0.0),
        (RINA, "Durenan", DEWI, 0, 0, 0, None),  # declined the group: nothing planned for her
        (SARI, "Pogalan", DEWI, 5, 3, 3, 1.0),
    ]


def test_the_pendamping_not_supervised_for_30_days(ctx: AppContext, demo_roster: None) -> None:
    seed(ctx.sessions)
    view = view_as(ctx.sessions, DEWI)
    # Agus last attended on 20 October (41 days before 1 December); Rina never did.
    assert rows(view, "belum-disupervisi") == [
        (AGUS, "Pogalan", DEWI, date(2026, 10, 20), 41),
        (RINA, "Durenan", DEWI, None, None),
    ]
    # The list is about the 30 days before now, whatever period the page shows.
    with ctx.sessions() as session:
        reader = by_name(session, DEWI)
        later = ViewQuery(reader, at(11, 18), date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
        quiet = supervision.build(session, later).table("belum-disupervisi").rows
    assert [r[0] for r in quiet] == [RINA]  # on 18 November, Agus's 20 October counts


def test_a_supervisor_never_sees_another_supervisors_sessions(
    ctx: AppContext, demo_roster: None
) -> None:
    seed(ctx.sessions)
    dewi = view_as(ctx.sessions, DEWI)
    everything = repr(dewi)
    assert SINTA not in everything and TONO not in everything
    sinta = view_as(ctx.sessions, SINTA)
    assert rows(sinta, "supervisor") == [(SINTA, "Trenggalek", 2, 2, 0, 0, 0, 1, 0, 1.0)]
    assert [r[0] for r in rows(sinta, "pendamping")] == [TONO]
    assert rows(sinta, "fungsi")[0] == ("Administrasi", 1, 0.5)
    assert rows(sinta, "fungsi")[-1] == ("(fungsi tidak dicatat)", 1, 0.5)
    assert DEWI not in repr(sinta) and SARI not in repr(sinta)


def test_the_korkab_sees_both_supervisors(ctx: AppContext, demo_roster: None) -> None:
    seed(ctx.sessions)
    view = view_as(ctx.sessions, BAMBANG)
    assert [(r[0], r[2], r[3]) for r in rows(view, "supervisor")] == [(DEWI, 5, 3), (SINTA, 2, 2)]
    assert figures(view)["Direncanakan"] == 7
    assert figures(view)["Terlaksana"] == 5
    assert [r[0] for r in rows(view, "pendamping")] == [AGUS, RINA, SARI, TONO]
    pogalan = view_as(ctx.sessions, BAMBANG, kecamatan="Pogalan")
    assert [r[0] for r in rows(pogalan, "pendamping")] == [AGUS, SARI]
    assert [r[0] for r in rows(pogalan, "belum-disupervisi")] == [AGUS]


def test_a_pendamping_sees_only_their_own_sessions(ctx: AppContext, demo_roster: None) -> None:
    seed(ctx.sessions)
    agus = view_as(ctx.sessions, AGUS)
    # Only the group he joined: 5 Nov held, 19 Nov unrecorded (not Sari's own slot).
    assert rows(agus, "supervisor") == [(DEWI, "Trenggalek", 2, 1, 0, 1, 0, 0, 0, 0.5)]
    assert rows(agus, "pendamping") == [(AGUS, "Pogalan", DEWI, 2, 1, 0, 0.0)]
    assert [r[0] for r in rows(agus, "belum-disupervisi")] == [AGUS]
    text = repr(agus)
    assert SARI not in text and RINA not in text and TONO not in text and SINTA not in text


def test_a_later_period_counts_sessions_ahead_as_upcoming(
    ctx: AppContext, demo_roster: None
) -> None:
    seed(ctx.sessions)
    with ctx.sessions() as session:
        q = ViewQuery(
            by_name(session, DEWI), NOW, date_from=date(2026, 12, 1), date_to=date(2026, 12, 10)
        )
        view = supervision.build(session, q)
    assert rows(view, "supervisor") == [(DEWI, "Trenggalek", 1, 0, 0, 0, 1, 0, 0, None)]


def test_the_people_tables_are_paged(ctx: AppContext, demo_roster: None) -> None:
    seed(ctx.sessions)
    with ctx.sessions() as session:
        q = month_query(by_name(session, DEWI), NOW, 2026, 11, page_size=2, page=2)
        view = supervision.build(session, q)
        whole = supervision.build(session, replace(q, everything=True))
    people = view.table("pendamping")
    assert (people.page, people.pages, people.total) == (2, 2, 3)
    assert [r[0] for r in people.rows] == [SARI]
    quiet = view.table("belum-disupervisi")
    assert (quiet.page, quiet.pages, quiet.total) == (1, 1, 2)  # one page only: the last one
    assert [r[0] for r in whole.table("pendamping").rows] == [AGUS, RINA, SARI]


def record(
    ctx: AppContext, clock: Clock, row_id: int, attendees: list[int], functions: list[str]
) -> None:
    """Record a session as the supervisor's record dialog does, at `clock`."""
    with transaction(ctx.sessions) as session:
        row = session.get_one(SupervisionSession, row_id)
        supervisor = row.agreement.supervisor
        inbound = Inbound(Channel.WEB, supervisor.phone, f"record-{row_id}", clock())
        turn = Turn(ctx, session, inbound, supervisor, clock())
        data = {
            "session_id": row_id,
            "held": YES,
            "notes": "Membahas rencana kasus",
            "attendees": [str(i) for i in attendees],
            "functions": functions,
            "topics": [],
        }
        record_session(turn, data)


def test_a_session_recorded_by_the_supervisor_is_counted(
    ctx: AppContext, demo_roster: None, clock: Clock
) -> None:
    seed(ctx.sessions)
    with ctx.sessions() as session:
        agus = by_name(session, AGUS)
        unrecorded = session.scalars(
            select(SupervisionSession.id).where(SupervisionSession.starts_at == at(11, 19))
        ).one()
    record(ctx, clock, unrecorded, [agus.id], [SupervisionFunction.SUPPORTIVE])
    view = view_as(ctx.sessions, DEWI)
    assert rows(view, "supervisor") == [(DEWI, "Trenggalek", 5, 4, 1, 0, 0, 1, 1, 0.8)]
    assert rows(view, "fungsi")[2] == ("Dukungan personal", 2, 0.5)
    assert rows(view, "pendamping")[0] == (AGUS, "Pogalan", DEWI, 2, 2, 1, 0.5)
    assert [r[0] for r in rows(view, "belum-disupervisi")] == [RINA]


def test_a_pendamping_who_declined_a_group_sees_none_of_its_sessions(
    ctx: AppContext, demo_roster: None
) -> None:
    seed(ctx.sessions)
    rina = view_as(ctx.sessions, RINA)
    assert rows(rina, "supervisor") == []
    assert [f.value for f in rina.figures] == [0, 0, 0, 0, 0, 0, None, 1]
    assert rows(rina, "fungsi")[0] == ("Administrasi", 0, None)
    assert rows(rina, "pendamping") == [(RINA, "Durenan", DEWI, 0, 0, 0, None)]
    assert rows(rina, "belum-disupervisi") == [(RINA, "Durenan", DEWI, None, None)]
