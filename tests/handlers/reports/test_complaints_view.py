"""The "Pengaduan" summary view on complaints written straight into the database, at two kabupaten
in two provinces: the real figures (received, open, on-time shares, escalated, ratings), the
open complaints by age, category, kecamatan and level, and each reader's scope (another
kabupaten's complaint is never counted for a supervisor, a korkab or the other korwil)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.core.context import AppContext
from handlers.reports import complaints
from handlers.reports.query import ViewQuery, month_query
from handlers.reports.shapes import View
from storage.db import transaction
from storage.models import Complaint, Person
from storage.vocabulary import ComplaintCategory, ComplaintStatus
from tests.bot.dashboard.conftest import DEWI, client, runtime, sign_in
from tests.bot.dashboard.conftest import complaints as demo_complaints
from tests.handlers.people.test_access_scope import ROSTER, add_two_provinces

__all__ = ["client", "demo_complaints", "runtime", "sign_in"]  # fixtures used below

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB
NOV = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)  # 2 Nov, 00:00 WIB
_numbers = itertools.count(1)


def person(session: Session, key: str) -> Person:
    return session.scalars(select(Person).where(Person.phone == ROSTER[key][2])).one()


def add_complaint(
    session: Session, handler: Person | None, created: datetime, **fields: object
) -> Complaint:
    """A complaint as intake leaves it (deadlines 1 and 5 days on), with `fields` changed."""
    n = next(_numbers)
    values: dict[str, object] = {
        "ticket_code": f"ADU-V{n:06d}",
        "check_code_hash": hashlib.sha256(str(n).encode()).hexdigest(),
        "reporter_channel": "web",
        "reporter_address": "+6281399990001",
        "category": ComplaintCategory.NOT_RECEIVED,
        "kabupaten": handler.kabupaten if handler else "",
        "kecamatan": "Pogalan",
        "description": "Cerita",
        "status": ComplaintStatus.NEW,
        "handler_id": handler.id if handler else None,
        "consent_at": created,
        "created_at": created,
        "ack_due_at": created + timedelta(days=1),
        "plan_due_at": created + timedelta(days=3),
        "resolve_due_at": created + timedelta(days=5),
    }
    values.update(fields)
    complaint = Complaint(**values)
    session.add(complaint)
    return complaint


@pytest.fixture
def scene(ctx: AppContext) -> sessionmaker[Session]:
    """Four complaints of November and one of October at Surya's (Trenggalek), one in Wonogiri,
    one of unknown place at the desk."""
    add_two_provinces(ctx.sessions)
    with transaction(ctx.sessions) as session:
        sa, sb = person(session, "sa"), person(session, "sb")
        day = timedelta(days=1)
        c1 = NOV
        add_complaint(
            session,
            sa,
            c1,
            status=ComplaintStatus.RESOLVED,
            acknowledged_at=c1 + timedelta(hours=2),
            planned_at=c1 + timedelta(hours=3),
            resolved_at=c1 + 2 * day,
            rating=5,
        )
        c2 = NOV + day
        add_complaint(
            session,
            sa,
            c2,
            kecamatan="Durenan",
            category=ComplaintCategory.CARD_PROBLEM,
            status=ComplaintStatus.IN_PROGRESS,
            acknowledged_at=c2 + 2 * day,
            sla_level=2,
        )
        # Received yesterday: neither deadline has come yet.
        add_complaint(session, sa, datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
        c4 = NOV + 8 * day
        add_complaint(
            session,
            sa,
            c4,
            category=ComplaintCategory.WRONG_DATA,
            status=ComplaintStatus.RESOLVED,
            acknowledged_at=c4 + timedelta(hours=1),
            planned_at=c4 + timedelta(hours=3),
            resolved_at=c4 + 7 * day,
            rating=2,
        )
        add_complaint(
            session, sa, datetime(2026, 10, 15, 3, 0, tzinfo=UTC), status=ComplaintStatus.ACCEPTED
        )
        add_complaint(session, sb, NOV + 3 * day, kecamatan="Baturetno", rating=1)
        add_complaint(session, None, NOV + 4 * day, kecamatan="")
    return ctx.sessions


def view_for(sessions: sessionmaker[Session], key: str, **more: object) -> View:
    with sessions() as session:
        q = month_query(person(session, key), NOW, 2026, 11, **more)
        return complaints.build(session, q)


def figures(view: View) -> list[object]:
    return [f.value for f in view.figures]


def test_figures_and_tables_for_the_supervisor(scene: sessionmaker[Session]) -> None:
    view = view_for(scene, "sa")
    assert figures(view) == [4, 3, pytest.approx(2 / 3), pytest.approx(1 / 3), 0.25, 3.5]
    assert view.table("umur").rows == [
        ("0–2 hari", 1),
        ("3–5 hari", 0),
        ("6–10 hari", 0),
        ("Lebih dari 10 hari", 2),
    ]
    by_category = {row[0]: row[1:] for row in view.table("kategori").rows}
    assert len(by_category) == len(ComplaintCategory)
    assert by_category["Bantuan tidak diterima / saldo nol"] == (2, 2)
    assert by_category["Kartu KKS hilang, tertelan, atau terblokir"] == (1, 1)
    assert by_category["Data tidak sesuai (nama, anggota keluarga)"] == (1, 0)
    assert by_category["Lupa PIN kartu"] == (0, 0)
    assert view.table("kecamatan").rows == [
        ("Trenggalek", "Pogalan", 3, 2),
        ("Trenggalek", "Durenan", 1, 1),
    ]
    assert view.table("penilaian").rows == [
        ("1", 0, 0.0),
        ("2", 1, 0.5),
        ("3", 0, 0.0),
        ("4", 0, 0.0),
        ("5", 1, 0.5),
    ]
    levels = view.table("eskalasi").rows
    assert [row[1:] for row in levels] == [(3, 2), (0, 0), (1, 1), (0, 0)]
    chart = next(c for c in view.charts if c.key == "kecamatan")
    assert [b.label for b in chart.bars] == ["Pogalan (Trenggalek)", "Durenan (Trenggalek)"]


@pytest.mark.parametrize("reader", ["sa", "ka", "wa", "ak"])
def test_the_other_kabupaten_is_never_counted_in_trenggalek(
    scene: sessionmaker[Session], reader: str
) -> None:
    view = view_for(scene, reader)
    assert figures(view)[:2] == [4, 3]
    assert figures(view)[5] == 3.5  # Wonogiri's rating 1 is not in the average
    places = {row[1] for row in view.table("kecamatan").rows}
    assert places == {"Pogalan", "Durenan"}


def test_the_other_province_and_the_desk(scene: sessionmaker[Session]) -> None:
    wonogiri = view_for(scene, "wb")
    assert figures(wonogiri)[:2] == [1, 1]
    assert figures(wonogiri)[5] == 1.0
    assert {row[1] for row in wonogiri.table("kecamatan").rows} == {"Baturetno"}
    desk = view_for(scene, "desk")
    assert figures(desk)[:2] == [6, 5]
    assert ("(belum diketahui)", "(belum diketahui)", 1, 1) in desk.table("kecamatan").rows
    # A pendamping is given nothing here: they see no complaint at all.
    assert figures(view_for(scene, "pa1"))[:2] == [0, 0]


def test_kecamatan_filter_and_an_empty_month(scene: sessionmaker[Session]) -> None:
    durenan = view_for(scene, "sa", kecamatan="Durenan")
    assert figures(durenan) == [1, 1, 0.0, 0.0, 1.0, None]
    with scene() as session:
        q = month_query(person(session, "sa"), NOW, 2026, 9)
        empty = complaints.build(session, q)
    assert figures(empty) == [0, 3, None, None, None, None]


def test_the_last_30_days_by_default(scene: sessionmaker[Session]) -> None:
    with scene() as session:
        view = complaints.build(session, ViewQuery(person(session, "sa"), NOW))
    # 1 Nov WIB to 1 Dec: the four of November.
    assert figures(view)[0] == 4


def test_the_page_shows_the_summary_for_the_supervisor(
    client: TestClient, sign_in: Callable[[str], None], demo_complaints: dict[str, str]
) -> None:
    sign_in(DEWI)
    page = client.get("/dasbor/ringkasan-pengaduan?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    assert "Pengaduan terbuka menurut umur" in page.text
    assert "Baturetno" not in page.text  # Sinta's complaint in Wonogiri
    assert "<svg" in page.text
    exported = client.get(
        "/dasbor/ringkasan-pengaduan.csv?from=2026-11-01&to=2026-11-30&tabel=kecamatan"
    )
    assert exported.status_code == 200
    lines = exported.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Kabupaten,Kecamatan,Diterima dalam periode,Terbuka sekarang"
    received = sum(int(line.split(",")[2]) for line in lines[1:])
    assert received == 31  # Dewi's 30 and the anonymous one, never Sinta's
