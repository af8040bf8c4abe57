"""The Kasus KPM view on cases written straight into the database: active, opened, closed and
stuck cases; how long a case has sat in its stage (a case that went back to an earlier stage
counts from its return); the `macet` option; paging; whose cases each reader sees; and the
graduasi mandiri and completed referrals per pendamping and per kabupaten."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from handlers.core.context import AppContext
from handlers.reports import cases
from handlers.reports.query import month_query
from handlers.reports.shapes import View
from storage.db import transaction
from storage.models import Case, CaseReferral, CaseUpdate, Person
from storage.vocabulary import (
    CaseStage,
    CaseStatus,
    CaseType,
    ClosureOutcome,
    ReferralService,
    ReferralStatus,
    Role,
)
from tests.handlers.reports.test_consultations_view import (
    OTHER_PENDAMPING,
    OTHER_SUPERVISOR,
    add_people,
    person,
)

SARI, AGUS, RINA = "0812-1000-0003", "0812-1000-0004", "0812-1000-0005"
DEWI, BAMBANG = "0812-1000-0002", "0812-1000-0001"


@dataclass(frozen=True)
class Story:
    """One case: who, its code and label, its type, and its updates as (stage, days ago); the
    first update is the opening unless `opened` says the case is older than any update."""

    phone: str
    code: str | None
    label: str
    case_type: str
    updates: list[tuple[str, int]]
    opened: int | None = None  # days ago; default: the first update
    masked: str = ""
    status: str = field(default=CaseStatus.ACTIVE)


# Clock: Tuesday 1 December 2026, 09:00 WIB; the period is November.
STORIES = (
    # In assessment since 80 days ago (a later update kept the stage).
    Story(
        SARI,
        "KS-AAAAA1",
        "Bu S., Desa Ngares",
        CaseType.EDUCATION,
        [(CaseStage.INTAKE, 100), (CaseStage.ASSESSMENT, 80), (CaseStage.ASSESSMENT, 10)],
    ),
    # Back to intake 35 days ago: counts from the return, not from the opening.
    Story(
        SARI,
        "KS-AAAAA2",
        "Pak T., Dusun Krajan",
        CaseType.HEALTH_NUTRITION,
        [(CaseStage.INTAKE, 50), (CaseStage.ASSESSMENT, 45), (CaseStage.INTAKE, 35)],
    ),
    # Opened in November, 20 days ago.
    Story(AGUS, "KS-AAAAA3", "Bu R., Desa Wonocoyo", CaseType.CHILD_PROTECTION,
          [(CaseStage.INTAKE, 20)]),
    # From before codes and updates: no update at all, opened 200 days ago.
    Story(RINA, None, "", CaseType.ECONOMIC, [], opened=200, masked="****1234"),
    # Closed in November (terminated 15 days ago) and opened and closed in November.
    Story(AGUS, "KS-AAAAA5", "Bu W., Desa Ngetal", CaseType.EDUCATION,
          [(CaseStage.INTAKE, 60), (CaseStage.TERMINATION, 15)], status=CaseStatus.CLOSED),
    Story(RINA, "KS-AAAAA6", "Pak D., Desa Karanganom", CaseType.OTHER,
          [(CaseStage.INTAKE, 5), (CaseStage.TERMINATION, 2)], status=CaseStatus.CLOSED),
    # Closed in October.
    Story(SARI, "KS-AAAAA7", "Bu K., Desa Kedunglurah", CaseType.ADMINISTRATION,
          [(CaseStage.INTAKE, 70), (CaseStage.TERMINATION, 40)], status=CaseStatus.CLOSED),
    # Another kabupaten: stuck for 300 days, never Dewi's.
    Story(OTHER_PENDAMPING, "KS-ZZZZZ9", "Bu B., Desa Baturetno", CaseType.EDUCATION,
          [(CaseStage.INTAKE, 300)]),
)  # fmt: skip
LEGACY_STAGE = CaseStage.INTERVENTION


def add_story(session: Session, story: Story, now: datetime) -> None:
    who = person(session, story.phone)
    opened = now - timedelta(days=story.opened if story.opened else story.updates[0][1])
    last = now - timedelta(days=story.updates[-1][1]) if story.updates else opened
    # As the case updates keep it: the update that moved the case into its last stage.
    since, stage = opened, None
    for update_stage, days in story.updates:
        if update_stage != stage:
            since, stage = now - timedelta(days=days), update_stage
    case = Case(
        pendamping_id=who.id,
        code=story.code,
        label=story.label,
        kpm_ref_masked=story.masked,
        case_type=story.case_type,
        stage=story.updates[-1][0] if story.updates else LEGACY_STAGE,
        status=story.status,
        last_update_at=last,
        stage_since=since,
        created_at=opened,
    )
    session.add(case)
    session.flush()
    for stage, days in story.updates:
        session.add(
            CaseUpdate(
                case_id=case.id,
                author_id=who.id,
                stage=stage,
                what_happened="Kunjungan rumah, cerita lengkap",
                next_step="Kunjungan berikutnya",
                created_at=now - timedelta(days=days),
            )
        )


def seed_cases(ctx: AppContext, extra_stuck: int = 0) -> None:
    """The stories above, and `extra_stuck` more cases of Agus, each stuck 100+ days."""
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        add_people(session)
        for story in STORIES:
            add_story(session, story, now)
        for n in range(extra_stuck):
            extra = Story(
                AGUS,
                f"KS-X{n:05d}",
                f"Kasus tambahan {n}",
                CaseType.ELDERLY,
                [(CaseStage.EVALUATION, 100 + n)],
            )
            add_story(session, extra, now)


@pytest.fixture
def seeded(ctx: AppContext, demo_roster: None) -> AppContext:
    seed_cases(ctx)
    return ctx


def view_of(ctx: AppContext, phone: str, **more: object) -> View:
    with ctx.sessions() as session:
        reader = person(session, phone)
        return cases.build(session, month_query(reader, ctx.clock(), 2026, 11, **more))


def figures(view: View) -> list[object]:
    return [f.value for f in view.figures]


def codes(view: View) -> list[object]:
    return [row[0] for row in view.table("macet").rows]


def test_the_supervisor_sees_active_opened_closed_and_stuck_cases(seeded: AppContext) -> None:
    view = view_of(seeded, DEWI)
    assert figures(view) == [4, 2, 2, 3, 0, 0]
    now = seeded.clock()
    assert view.table("macet").rows == [
        ("KPM ****1234", None, "Rina Wulandari", "Durenan", "Intervensi",
         (now - timedelta(days=200)).date(), 200),
        ("KS-AAAAA1", "Bu S., Desa Ngares", "Sari Rahayu", "Pogalan", "Asesmen",
         (now - timedelta(days=80)).date(), 80),
        ("KS-AAAAA2", "Pak T., Dusun Krajan", "Sari Rahayu", "Pogalan", "Intake (penerimaan)",
         (now - timedelta(days=35)).date(), 35),
    ]  # fmt: skip
    assert view.table("tahap").rows == [
        ("Intake (penerimaan)", 2),
        ("Asesmen", 1),
        ("Rencana intervensi", 0),
        ("Intervensi", 1),
        ("Evaluasi", 0),
        ("Rujukan", 0),
    ]
    assert view.table("penutupan").rows == [("Terminasi", 2)]
    types = {row[0]: row[1:] for row in view.table("jenis").rows}
    assert types["Pendidikan / putus sekolah"] == (0, 1, 1)
    assert types["Perlindungan anak"] == (1, 0, 1)
    assert types["Lainnya"] == (1, 1, 0)
    assert types["Administrasi / bantuan"] == (0, 0, 0)  # closed in October
    assert view.charts[0].bars[0].values == (2.0,)


def test_the_macet_option_changes_which_cases_are_stuck(seeded: AppContext) -> None:
    assert codes(view_of(seeded, DEWI, options={"macet": 60})) == ["KPM ****1234", "KS-AAAAA1"]
    assert codes(view_of(seeded, DEWI, options={"macet": 7})) == [
        "KPM ****1234",
        "KS-AAAAA1",
        "KS-AAAAA2",
        "KS-AAAAA3",
    ]
    # Back in intake for 35 days: stuck at 34, not at 35 (more than N days).
    assert "KS-AAAAA2" in codes(view_of(seeded, DEWI, options={"macet": 34}))
    assert "KS-AAAAA2" not in codes(view_of(seeded, DEWI, options={"macet": 35}))
    view = view_of(seeded, DEWI, options={"macet": 90})
    assert figures(view)[3] == 1
    assert "90 hari" in view.table("macet").title and "90 hari" in view.figures[3].label
    assert cases.OPTIONS[0].key == "macet"
    assert (cases.OPTIONS[0].default, cases.OPTIONS[0].low, cases.OPTIONS[0].high) == (30, 7, 365)


def test_the_stuck_table_is_paged_oldest_first(seeded: AppContext) -> None:
    first = view_of(seeded, DEWI, page_size=2)
    table = first.table("macet")
    assert (table.page, table.pages, table.total) == (1, 2, 3)
    assert codes(first) == ["KPM ****1234", "KS-AAAAA1"]
    second = view_of(seeded, DEWI, page_size=2, page=2)
    assert codes(second) == ["KS-AAAAA2"]
    whole = view_of(seeded, DEWI, page_size=2, everything=True)
    assert len(whole.table("macet").rows) == 3
    # The figure counts every stuck case, not one page.
    assert figures(first)[3] == 3


def test_a_pendamping_sees_only_their_own_cases(seeded: AppContext) -> None:
    view = view_of(seeded, SARI)
    assert figures(view) == [2, 0, 0, 2, 0, 0]
    assert codes(view) == ["KS-AAAAA1", "KS-AAAAA2"]
    assert view.table("penutupan").rows == [("Terminasi", 0)]


def test_another_kabupaten_never_shows(seeded: AppContext) -> None:
    for phone in (DEWI, BAMBANG, SARI):
        view = view_of(seeded, phone)
        assert "KS-ZZZZZ9" not in codes(view)
    assert figures(view_of(seeded, BAMBANG)) == [4, 2, 2, 3, 0, 0]
    sinta = view_of(seeded, OTHER_SUPERVISOR)
    assert figures(sinta) == [1, 0, 0, 1, 0, 0]
    assert codes(sinta) == ["KS-ZZZZZ9"]


def test_the_kecamatan_filter_narrows_the_cases(seeded: AppContext) -> None:
    view = view_of(seeded, DEWI, kecamatan="Durenan")
    assert figures(view) == [1, 1, 1, 1, 0, 0]  # Rina's: the legacy case, and one opened and closed
    assert codes(view) == ["KPM ****1234"]


# -- graduasi mandiri and completed referrals, per pendamping and per kabupaten ------------
DESK = "+6281299990009"  # a desk admin: every kabupaten


@dataclass(frozen=True)
class Ending:
    """A case closed `days` ago with an outcome (None: by a closing update, before proposals),
    and its referrals as (status, days since the status changed)."""

    phone: str
    code: str
    outcome: str | None
    days: int | None = None  # closed this many days ago; None: still active
    referrals: tuple[tuple[str, int], ...] = ()


ENDINGS = (
    # Sari: a graduation in November, one in October, a referral completed in November and one
    # completed today (December), and one accepted in November (not completed).
    Ending(SARI, "KS-GGGGG1", ClosureOutcome.SELF_GRADUATION, 10,
           ((ReferralStatus.COMPLETED, 12), (ReferralStatus.COMPLETED, 0))),
    Ending(SARI, "KS-GGGGG2", ClosureOutcome.SELF_GRADUATION, 40),
    Ending(SARI, "KS-GGGGG3", None, None, ((ReferralStatus.ACCEPTED, 5),)),
    # Agus: a natural graduation (not graduasi mandiri) and a referral refused.
    Ending(AGUS, "KS-GGGGG4", ClosureOutcome.NATURAL_GRADUATION, 3,
           ((ReferralStatus.REFUSED, 3),)),
    # Rina (Durenan): a graduation and a completed referral on an open case.
    Ending(RINA, "KS-GGGGG5", ClosureOutcome.SELF_GRADUATION, 20),
    Ending(RINA, "KS-GGGGG6", None, None, ((ReferralStatus.COMPLETED, 25),)),
    # Budi in Wonogiri: never Dewi's.
    Ending(OTHER_PENDAMPING, "KS-GGGGG7", ClosureOutcome.SELF_GRADUATION, 5,
           ((ReferralStatus.COMPLETED, 5),)),
)  # fmt: skip


def seed_endings(ctx: AppContext) -> None:
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        session.add(
            Person(role=Role.ADMIN, name="Meja Pengaduan", phone=DESK, timezone="Asia/Jakarta")
        )
        for ending in ENDINGS:
            who = person(session, ending.phone)
            closed = ending.days is not None
            when = now - timedelta(days=ending.days or 1)
            case = Case(
                pendamping_id=who.id,
                code=ending.code,
                label="Bu G., Desa Ngares",
                case_type=CaseType.ECONOMIC,
                stage=CaseStage.TERMINATION if closed else CaseStage.INTERVENTION,
                status=CaseStatus.CLOSED if closed else CaseStatus.ACTIVE,
                closure_outcome=ending.outcome,
                closed_at=when if closed else None,
                last_update_at=when,
                stage_since=when,
                created_at=now - timedelta(days=100),
            )
            session.add(case)
            session.flush()
            for status, days in ending.referrals:
                session.add(
                    CaseReferral(
                        case_id=case.id,
                        service=ReferralService.ECONOMIC,
                        to_whom="Dinas Sosial",
                        referred_on=(now - timedelta(days=60)).date(),
                        status=status,
                        status_changed_at=now - timedelta(days=days),
                        created_by_id=who.id,
                        created_at=now - timedelta(days=60),
                    )
                )


@pytest.fixture
def ended(seeded: AppContext) -> AppContext:
    seed_endings(seeded)
    return seeded


def test_graduations_and_completed_referrals_per_pendamping_and_kabupaten(
    ended: AppContext,
) -> None:
    view = view_of(ended, DEWI)
    assert figures(view)[4:] == [2, 2]
    assert view.table("keberhasilan-pendamping").rows == [
        ("Rina Wulandari", "Durenan", 1, 1),
        ("Sari Rahayu", "Pogalan", 1, 1),
    ]
    assert view.table("keberhasilan-kabupaten").rows == [("Trenggalek", 2, 2)]
    # An agreed closure counts in the period it was agreed, with the other closings.
    assert figures(view)[2] == 2 + 3  # the two stories, Sari's, Agus's and Rina's endings
    desk = view_of(ended, DESK)
    assert figures(desk)[4:] == [3, 3]
    assert desk.table("keberhasilan-kabupaten").rows == [("Trenggalek", 2, 2), ("Wonogiri", 1, 1)]
    assert ("Budi Hartono", "Baturetno", 1, 1) in desk.table("keberhasilan-pendamping").rows


def test_the_counts_keep_to_the_reader_and_the_place(ended: AppContext) -> None:
    sari = view_of(ended, SARI)
    assert figures(sari)[4:] == [1, 1]
    assert sari.table("keberhasilan-pendamping").rows == [("Sari Rahayu", "Pogalan", 1, 1)]
    sinta = view_of(ended, OTHER_SUPERVISOR)
    assert sinta.table("keberhasilan-kabupaten").rows == [("Wonogiri", 1, 1)]
    durenan = view_of(ended, BAMBANG, kecamatan="Durenan")
    assert figures(durenan)[4:] == [1, 1]
    assert durenan.table("keberhasilan-pendamping").rows == [("Rina Wulandari", "Durenan", 1, 1)]
    agus = view_of(ended, AGUS)
    assert figures(agus)[4:] == [0, 0]
    assert agus.table("keberhasilan-pendamping").rows == []
    assert agus.table("keberhasilan-kabupaten").rows == []
    # October: Sari's earlier graduation, nothing else.
    with ended.sessions() as session:
        reader = person(session, DEWI)
        october = cases.build(session, month_query(reader, ended.clock(), 2026, 10))
    assert october.table("keberhasilan-pendamping").rows == [("Sari Rahayu", "Pogalan", 1, 0)]
