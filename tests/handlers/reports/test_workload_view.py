"""The "Beban kerja" view at two kabupaten in two provinces: pendamping per supervisor against the
1 : 50–100 norm, active cases and open complaints (handled or given to their pendamping, each
once), per pendamping figures, paging, and scope (another kabupaten's supervisor never appears)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from handlers.core.context import AppContext
from handlers.reports import workload
from handlers.reports.query import month_query
from handlers.reports.shapes import View
from storage.db import transaction
from storage.models import Case, Person
from storage.vocabulary import CaseStage, CaseStatus, CaseType, ComplaintStatus, Role
from tests.bot.dashboard.conftest import client, runtime, sign_in
from tests.handlers.people.test_access_scope import add_two_provinces
from tests.handlers.reports.test_complaints_view import NOV, NOW, add_complaint, person

__all__ = ["client", "runtime", "sign_in"]  # fixtures used below
BAMBANG = "0812-1000-0001"
HENDRA = "0812-1000-0006"


def add_case(session: Session, owner: Person, status: str = CaseStatus.ACTIVE) -> None:
    session.add(
        Case(
            pendamping_id=owner.id,
            case_type=CaseType.EDUCATION,
            stage=CaseStage.INTAKE,
            status=status,
            last_update_at=NOV,
        )
    )


@pytest.fixture
def scene(ctx: AppContext) -> sessionmaker[Session]:
    add_two_provinces(ctx.sessions)
    with transaction(ctx.sessions) as session:
        sa, ka, sb = person(session, "sa"), person(session, "ka"), person(session, "sb")
        pa1, pa3, pb1 = person(session, "pa1"), person(session, "pa3"), person(session, "pb1")
        add_case(session, pa1)
        add_case(session, pa1)
        add_case(session, pa1, CaseStatus.CLOSED)
        add_case(session, pa3)
        add_case(session, pb1)
        add_complaint(session, sa, NOV)  # handled by Surya
        add_complaint(session, sa, NOV, assignee_id=pa1.id)  # ...and given to Sari: once
        add_complaint(session, ka, NOV, kecamatan="Durenan", assignee_id=pa3.id)
        add_complaint(session, sa, NOV, status=ComplaintStatus.RESOLVED)  # closed: not counted
        add_complaint(session, sb, NOV, kecamatan="Baturetno", assignee_id=pb1.id)
    return ctx.sessions


def view_for(sessions: sessionmaker[Session], key: str, **more: object) -> View:
    with sessions() as session:
        return workload.build(session, month_query(person(session, key), NOW, 2026, 11, **more))


SURYA = ("Surya Supervisor", "Trenggalek", 3, "di bawah norma", 3, 3, 1.0, 1.0)
SINTA = ("Sinta Supervisor", "Wonogiri", 2, "di bawah norma", 1, 1, 0.5, 0.5)


@pytest.mark.parametrize("reader", ["ka", "wa", "ak", "sa"])
def test_trenggalek_sees_only_its_supervisor(scene: sessionmaker[Session], reader: str) -> None:
    view = view_for(scene, reader)
    assert view.table("supervisor").rows == [SURYA]
    assert [f.value for f in view.figures] == [1, 3, 3.0, 1, 0, 0]
    people = {row[0]: row[4:] for row in view.table("pendamping").rows}
    assert people == {"Sari Rahayu": (2, 1), "Agus Santoso": (0, 0), "Rina Wulandari": (1, 1)}
    assert view.charts[0].title == "Pendamping per supervisor (norma 1 : 50–100)"
    assert [(b.label, b.values) for b in view.charts[0].bars] == [("Surya Supervisor", (3,))]


def test_the_desk_sees_both_and_the_other_korwil_one(scene: sessionmaker[Session]) -> None:
    assert view_for(scene, "desk").table("supervisor").rows == [SINTA, SURYA]
    other = view_for(scene, "wb")
    assert other.table("supervisor").rows == [SINTA]
    assert {row[0] for row in other.table("pendamping").rows} == {"Budi Hartono", "Dian Permata"}


def test_norm_status_at_its_bounds() -> None:
    assert [workload.norm_status(n) for n in (0, 49, 50, 100, 101)] == [
        "di bawah norma",
        "di bawah norma",
        "sesuai norma",
        "sesuai norma",
        "melebihi norma",
    ]


def test_a_supervisor_within_the_norm_and_the_pages(scene: sessionmaker[Session]) -> None:
    with transaction(scene) as session:
        sa = person(session, "sa")
        for n in range(60):
            session.add(
                Person(
                    role=Role.PENDAMPING,
                    name=f"Pendamping {n:02d}",
                    phone=f"+62812310{n:05d}",
                    kabupaten="Trenggalek",
                    kecamatan="Karangan",
                    provinsi="Jatim",
                    supervisor_id=sa.id,
                    timezone="Asia/Jakarta",
                    active=n != 59,  # one has left: not counted
                )
            )
    view = view_for(scene, "ka")
    assert view.table("supervisor").rows[0][2:4] == (62, "sesuai norma")
    assert view.table("supervisor").rows[0][6] == pytest.approx(3 / 62)
    table = view.table("pendamping")
    assert (table.total, table.pages, len(table.rows)) == (62, 3, 25)
    last = view_for(scene, "ka", page=3).table("pendamping")
    assert (last.page, len(last.rows)) == (3, 12)
    assert len(view_for(scene, "ka", everything=True).table("pendamping").rows) == 62


def test_a_supervisor_without_a_korkab_link_is_out_of_another_korkab_scope(
    scene: sessionmaker[Session],
) -> None:
    with transaction(scene) as session:
        session.add(
            Person(
                role=Role.SUPERVISOR,
                name="Tono Lain",
                phone="+6281249999999",
                kabupaten="Wonogiri",
                provinsi="Jateng",
                timezone="Asia/Jakarta",
            )
        )
    assert "Tono Lain" not in str(view_for(scene, "ka").tables)
    assert "Tono Lain" in str(view_for(scene, "kb").tables)


def test_the_page_for_a_korkab_and_refused_for_a_supervisor(
    client: TestClient, sign_in: Callable[[str], None]
) -> None:
    sign_in(BAMBANG)
    page = client.get("/dasbor/beban-kerja")
    assert page.status_code == 200
    assert "Dewi Lestari" in page.text and "di bawah norma" in page.text
    assert "norma 1 : 50–100" in page.text
    sign_in(HENDRA)
    rows = client.get("/dasbor/beban-kerja.csv?tabel=pendamping").text.splitlines()
    assert len(rows) == 4  # the header and the three demo pendamping
