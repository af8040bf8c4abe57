"""The monthly notice, through the tick: on the first working day of a month (in each person's own
zone, from 08:00) every active supervisor and korkab is told last month's report is ready, with a
one-time sign-in link; exactly once per person and month, however often or late the tick runs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conversations.messages import Reply
from handlers.core.context import AppContext
from handlers.people import login
from handlers.people.phones import to_e164
from handlers.reports.notice import NOTICE_KIND, first_working_day
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import LoginLink, OutboxMessage, Person, ScheduledMessage
from storage.vocabulary import Role, ScheduledStatus

BASE = "https://pkh.example.id"
BAMBANG, DEWI = "0812-1000-0001", "0812-1000-0002"  # demo korkab and supervisor, WIB
SILENT = ("0812-1000-0003", "0812-1000-0004", "0812-1000-0005", "0812-1000-0006", "0812-1000-0007")
WITA_SUPERVISOR, WIT_KORKAB = "0812-2000-0001", "0812-2000-0002"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def roster(ctx: AppContext, demo_roster: None) -> None:
    """The demo roster (WIB) plus a supervisor in Makassar (WITA) and a korkab in Jayapura (WIT),
    and an inactive supervisor who must hear nothing."""
    ctx.dashboard_base = BASE
    ctx.monthly_notice = True
    rows = [
        (Role.SUPERVISOR, "Made Wirawan", WITA_SUPERVISOR, "Makassar", "Asia/Makassar", True),
        (Role.KORKAB, "Yohanes Kogoya", WIT_KORKAB, "Jayapura", "Asia/Jayapura", True),
        (Role.SUPERVISOR, "Lina Pergi", "0812-2000-0003", "Trenggalek", "Asia/Jakarta", False),
    ]
    with transaction(ctx.sessions) as session:
        for role, name, phone, kabupaten, zone, active in rows:
            session.add(
                Person(
                    role=role,
                    name=name,
                    phone=to_e164(phone),
                    kabupaten=kabupaten,
                    timezone=zone,
                    active=active,
                )
            )


def notices(ctx: AppContext) -> dict[str, list[Reply]]:
    """The notices queued so far, by phone of the person they are for."""
    with ctx.sessions() as session:
        rows = session.execute(
            select(Person.phone, OutboxMessage.payload)
            .join(Person, Person.id == OutboxMessage.person_id)
            .where(OutboxMessage.kind == NOTICE_KIND)
            .order_by(OutboxMessage.id)
        ).all()
    found: dict[str, list[Reply]] = {}
    for phone, payload in rows:
        found.setdefault(phone, []).append(Reply.from_payload(payload))
    return found


def who(ctx: AppContext) -> set[str]:
    return set(notices(ctx))


def tick(ctx: AppContext, now: datetime) -> int:
    report = run_duties(ctx, now)
    assert report["monthly_report_notice"] >= 0
    return report["monthly_report_notice"]


@pytest.mark.parametrize(
    ("year", "month", "first"),
    [
        (2026, 12, date(2026, 12, 1)),  # a Tuesday
        (2027, 1, date(2027, 1, 4)),  # New Year on a Friday, then the weekend
        (2027, 5, date(2027, 5, 3)),  # Labour Day on a Saturday
        (2027, 6, date(2027, 6, 2)),  # Pancasila Day on a Tuesday
        (2026, 3, date(2026, 3, 2)),  # a Sunday
    ],
)
def test_the_first_working_day_skips_weekends_and_holidays(
    year: int, month: int, first: date
) -> None:
    assert first_working_day(year, month) == first


def test_sent_from_eight_in_each_persons_own_zone_on_the_first_working_day(
    ctx: AppContext, roster: None
) -> None:
    # New Year's Day 2027 (a Friday holiday) and the weekend: nothing.
    for now in (utc(2027, 1, 1, 2), utc(2027, 1, 2, 3), utc(2027, 1, 3, 1)):
        assert tick(ctx, now) == 0
    # Monday 4 January, 07:59 WIT: not yet.
    assert tick(ctx, utc(2027, 1, 3, 22, 59)) == 0
    # 08:00 WIT (Sunday 23:00 UTC): the Jayapura korkab only.
    assert tick(ctx, utc(2027, 1, 3, 23, 0)) == 1
    assert who(ctx) == {to_e164(WIT_KORKAB)}
    # 08:00 WITA: the Makassar supervisor; in Trenggalek it is 07:00.
    assert tick(ctx, utc(2027, 1, 4, 0, 0)) == 1
    assert who(ctx) == {to_e164(WIT_KORKAB), to_e164(WITA_SUPERVISOR)}
    # 08:00 WIB: the demo korkab and supervisor; never a pendamping, korwil or admin, nor
    # someone no longer active.
    assert tick(ctx, utc(2027, 1, 4, 1, 0)) == 2
    assert who(ctx) == {to_e164(p) for p in (WIT_KORKAB, WITA_SUPERVISOR, BAMBANG, DEWI)}
    assert not who(ctx) & {to_e164(p) for p in (*SILENT, "0812-2000-0003")}


def test_the_notice_names_last_month_and_carries_a_private_one_time_link(
    ctx: AppContext, roster: None
) -> None:
    now = utc(2027, 1, 4, 1, 5)
    assert tick(ctx, now) == 4
    [reply] = notices(ctx)[to_e164(DEWI)]
    assert reply.text.startswith(
        "Halo Dewi. Laporan bulan Desember 2026 untuk wilayah Anda sudah siap di dasbor PKH."
    )
    found = re.search(re.escape(BASE) + r"/masuk/([A-Za-z0-9_-]+)", reply.text)
    assert found is not None
    token = found.group(1)
    assert reply.secret_parts == (token,)
    assert reply.no_link_preview
    assert "10 menit" in reply.text and "jangan diteruskan" in reply.text
    # The link signs Dewi in, once.
    with transaction(ctx.sessions) as session:
        opened = login.open_session(session, token, now + timedelta(minutes=2))
        assert opened is not None and opened[0].person.phone == to_e164(DEWI)
        assert login.open_session(session, token, now + timedelta(minutes=3)) is None


def test_a_tick_run_many_times_sends_once_per_person_and_month(
    ctx: AppContext, roster: None
) -> None:
    first = utc(2027, 1, 4, 1, 0)
    assert tick(ctx, first) == 4
    for now in (first, first + timedelta(minutes=1), first + timedelta(hours=9)):
        assert tick(ctx, now) == 0
    # The next working days of the month: still nothing more.
    for now in (utc(2027, 1, 6, 3), utc(2027, 1, 7, 3), utc(2027, 1, 29, 3)):
        assert tick(ctx, now) == 0
    assert {phone: len(replies) for phone, replies in notices(ctx).items()} == {
        to_e164(p): 1 for p in (BAMBANG, DEWI, WITA_SUPERVISOR, WIT_KORKAB)
    }
    with ctx.sessions() as session:
        assert session.scalar(select(func.count(LoginLink.id))) == 4
        markers = session.scalars(
            select(ScheduledMessage).where(ScheduledMessage.kind == NOTICE_KIND)
        ).all()
    assert len(markers) == 4
    assert {m.status for m in markers} == {ScheduledStatus.SENT}
    assert {m.payload["month"] for m in markers} == {"2027-01"}
    # February brings February's notice (1 February 2027 is a Monday).
    assert tick(ctx, utc(2027, 2, 1, 1, 0)) == 4
    assert {len(replies) for replies in notices(ctx).values()} == {2}
    assert "Januari 2027" in notices(ctx)[to_e164(DEWI)][-1].text


def test_a_late_tick_still_sends_through_the_third_working_day(
    ctx: AppContext, roster: None
) -> None:
    # Down since before the new year; back on Thursday 7 January 2027, the third working day
    # (Tuesday 5 January is Isra Mikraj).
    assert tick(ctx, utc(2027, 1, 7, 9)) == 4
    assert tick(ctx, utc(2027, 1, 7, 10)) == 0


def test_a_tick_later_than_that_skips_the_month(ctx: AppContext, roster: None) -> None:
    # Back on Friday 8 January 2027: the report is old news; nothing is sent, nor later.
    assert tick(ctx, utc(2027, 1, 8, 2)) == 0
    assert tick(ctx, utc(2027, 1, 20, 2)) == 0
    assert who(ctx) == set()
    with ctx.sessions() as session:
        assert session.scalar(select(func.count(LoginLink.id))) == 0


def test_a_late_tick_in_the_far_east_counts_the_local_date(ctx: AppContext, roster: None) -> None:
    # 7 January 15:30 UTC is already Friday 8 January in Jayapura (too late there), still
    # Thursday evening in Trenggalek and Makassar.
    assert tick(ctx, utc(2027, 1, 7, 15, 30)) == 3
    assert to_e164(WIT_KORKAB) not in who(ctx)


def test_someone_who_asked_for_too_many_links_gets_the_notice_without_one(
    ctx: AppContext, roster: None
) -> None:
    now = utc(2027, 1, 4, 1, 30)
    with transaction(ctx.sessions) as session:
        dewi = session.scalars(select(Person).where(Person.phone == to_e164(DEWI))).one()
        for minutes in range(login.LINKS_PER_HOUR):
            assert login.issue_link(session, dewi, now - timedelta(minutes=50 - minutes))
    assert tick(ctx, now) == 4
    [reply] = notices(ctx)[to_e164(DEWI)]
    assert "Laporan bulan Desember 2026" in reply.text
    assert "/masuk/" not in reply.text and reply.secret_parts == ()
    assert 'Ketik "dasbor"' in reply.text
    # The others got their link all the same, and Dewi is not sent a second notice later.
    assert "/masuk/" in notices(ctx)[to_e164(BAMBANG)][0].text
    assert tick(ctx, now + timedelta(hours=2)) == 0
    assert len(notices(ctx)[to_e164(DEWI)]) == 1
