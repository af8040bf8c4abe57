"""The "P2K2" view through `build`: groups and their progress through the 14 sessions and 5
modules, attendance in the period, per pendamping; each reader sees only their scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Channel, Inbound
from handlers.core.context import AppContext
from handlers.core.turn import Turn
from handlers.p2k2.reports import record_report
from handlers.reports import p2k2
from handlers.reports.query import month_query
from handlers.reports.shapes import View
from storage.db import transaction
from storage.models import P2K2Report, Person
from storage.vocabulary import P2K2_SESSIONS, P2K2Module
from tests.handlers.reports.test_supervision_view import (
    AGUS,
    BAMBANG,
    DEWI,
    NOW,
    RINA,
    SARI,
    SINTA,
    TONO,
    add_sinta,
    by_name,
)
from tests.support import Clock

MODULE_OF = {n: module for module, numbers in P2K2_SESSIONS.items() for n in numbers}


def report(
    session: Session, who: Person, group: str, no: int, day: date, enrolled: int, present: int
) -> None:
    session.add(
        P2K2Report(
            pendamping_id=who.id,
            group_name=group,
            module=MODULE_OF[no],
            session_no=no,
            held_on=day,
            enrolled=enrolled,
            present=present,
        )
    )


def report_in_chat(ctx: AppContext, clock: Clock, name: str, data: dict[str, str]) -> None:
    """A report as the pendamping's P2K2 dialog saves it."""
    with transaction(ctx.sessions) as session:
        person = by_name(session, name)
        inbound = Inbound(Channel.WEB, person.phone, f"p2k2-{name}", clock())
        record_report(Turn(ctx, session, inbound, person, clock()), data)


def seed(ctx: AppContext, clock: Clock) -> None:
    """Sari: "Mawar" had all 14 sessions (1-10 in October, 11-14 in November) and "Melati"
    sessions 1-5 in November (session 2 reported twice). Agus: "Kenanga" session 1 in November,
    reported in chat. Rina: nothing. Sinta's Tono: "Anggrek" sessions 1-3 in November."""
    with transaction(ctx.sessions) as session:
        sari = by_name(session, SARI)
        _, tono = add_sinta(session)
        for no in range(1, 11):
            report(session, sari, "Mawar", no, date(2026, 10, no), 20, 10)
        for no, day, present in ((11, 2, 15), (12, 9, 16), (13, 16, 17), (14, 23, 18)):
            report(session, sari, "Mawar", no, date(2026, 11, day), 20, present)
        for no, day, present in ((1, 3, 10), (2, 10, 9), (2, 11, 11), (3, 17, 12), (4, 24, 6)):
            report(session, sari, "Melati", no, date(2026, 11, day), 12, present)
        report(session, sari, "Melati", 5, date(2026, 11, 30), 12, 12)
        report(session, sari, "Melati", 6, date(2026, 12, 1), 12, 12)  # after the period...
        for no in (1, 2, 3):
            report(session, tono, "Anggrek", no, date(2026, 11, no), 30, 30)
    chat = {
        "group": "Kenanga",
        "module": P2K2Module.PARENTING,
        "session": "1",
        "held_on": "2026-11-05",
        "enrolled": "25",
        "present": "20",
    }
    report_in_chat(ctx, clock, AGUS, chat)


def view_as(sessions: sessionmaker[Session], name: str, **more: object) -> View:
    with sessions() as session:
        return p2k2.build(session, month_query(by_name(session, name), NOW, 2026, 11, **more))


def rows(view: View, key: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in view.table(key).rows]


def test_figures_groups_and_attendance_of_a_supervisors_pendamping(
    ctx: AppContext, demo_roster: None, clock: Clock
) -> None:
    seed(ctx, clock)
    view = view_as(ctx.sessions, DEWI)
    assert [f.value for f in view.figures] == [3, 11, 146 / 177, 1]
    # ...but session 6 of Melati (1 December) counts for progress, as every report ever does.
    assert rows(view, "kelompok") == [
        (AGUS, "Pogalan", "Kenanga", 1, 1 / 14, 1, date(2026, 11, 5), 0.8),
        (SARI, "Pogalan", "Mawar", 14, 1.0, 5, date(2026, 11, 23), 166 / 280),
        (SARI, "Pogalan", "Melati", 6, 6 / 14, 2, date(2026, 12, 1), 72 / 84),
    ]
    assert rows(view, "pendamping") == [
        (AGUS, "Pogalan", 1, 1, 0.8),
        (RINA, "Durenan", 0, 0, None),
        (SARI, "Pogalan", 2, 10, 126 / 152),
    ]


def test_progress_through_the_modules(ctx: AppContext, demo_roster: None, clock: Clock) -> None:
    seed(ctx, clock)
    view = view_as(ctx.sessions, DEWI)
    assert [r[1:] for r in rows(view, "modul")] == [(3, 2), (2, 1), (1, 1), (1, 1), (1, 1)]
    assert rows(view, "modul")[0][0].startswith("Pengasuhan")
    [modules, spread] = view.charts
    assert [b.values for b in modules.bars] == [(3, 2), (2, 1), (1, 1), (1, 1), (1, 1)]
    assert len(spread.bars) == 14
    assert [r for r in rows(view, "sebaran") if r[1]] == [(1, 1), (6, 1), (14, 1)]
    assert spread.bars[5].label == "6 dari 14 sesi" and spread.bars[5].values == (1,)


def test_scope_a_supervisor_a_pendamping_and_the_korkab(
    ctx: AppContext, demo_roster: None, clock: Clock
) -> None:
    seed(ctx, clock)
    dewi = view_as(ctx.sessions, DEWI)
    assert "Anggrek" not in repr(dewi) and TONO not in repr(dewi)
    sinta = view_as(ctx.sessions, SINTA)
    assert [r[2] for r in rows(sinta, "kelompok")] == ["Anggrek"]
    assert [f.value for f in sinta.figures] == [1, 3, 1.0, 0]
    sari = view_as(ctx.sessions, SARI)
    assert [r[2] for r in rows(sari, "kelompok")] == ["Mawar", "Melati"]
    assert [r[0] for r in rows(sari, "pendamping")] == [SARI]
    assert "Kenanga" not in repr(sari) and AGUS not in repr(sari)
    bambang = view_as(ctx.sessions, BAMBANG)
    assert [r[2] for r in rows(bambang, "kelompok")] == ["Kenanga", "Mawar", "Melati", "Anggrek"]
    assert bambang.figures[0].value == 4
    durenan = view_as(ctx.sessions, BAMBANG, kecamatan="Durenan")
    assert rows(durenan, "kelompok") == [] and rows(durenan, "pendamping")[0][0] == RINA
    assert [f.value for f in durenan.figures] == [0, 0, None, 0]


def test_groups_and_people_are_paged(ctx: AppContext, demo_roster: None, clock: Clock) -> None:
    seed(ctx, clock)
    with ctx.sessions() as session:
        q = month_query(by_name(session, DEWI), NOW, 2026, 11, page_size=2, page=2)
        view = p2k2.build(session, q)
        whole = p2k2.build(session, replace(q, everything=True))
    groups = view.table("kelompok")
    assert (groups.page, groups.pages, groups.total) == (2, 2, 3)
    assert [r[2] for r in groups.rows] == ["Melati"]
    people = view.table("pendamping")
    assert (people.page, people.pages, people.total) == (2, 2, 3)
    assert [r[0] for r in people.rows] == [SARI]
    assert len(whole.table("kelompok").rows) == 3 and whole.table("kelompok").pages == 1
