"""The dashboard's views and its refusals in a real browser (Debian's chromium under
Playwright, the app served by uvicorn): a korkab filters and pages the Pendamping view (under
150 KB, no script), reads its XLSX back and downloads the kabupaten's monthly PDF; an expired
link, a forged cookie, an idle session, a form without its csrf token and a supervisor asking
for another kabupaten by URL are all refused, politely and without showing anything of that
kabupaten."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select

from bot.runtime import Runtime
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import Person
from storage.vocabulary import Role
from tests.bot.dashboard.browsing import ask_for_link, chromium, sign_in_through_browser
from tests.bot.dashboard.conftest import _complaint
from tests.documents import pdf_text
from tests.support import Clock

SCREENSHOTS = Path(__file__).parents[3] / "docs" / "screenshots"
BAMBANG = "0812-1000-0001"
DEWI = "0812-1000-0002"
OTHER_TICKET = "ADU-T000077"
OTHER_PENDAMPING = "Wulan Wonogiri"


def _more_people(runtime: Runtime) -> None:
    """30 more pendamping under Dewi (two pages in the Pendamping view), and a supervisor with a
    pendamping and a complaint in Wonogiri, outside Dewi's and Bambang's scope."""
    with transaction(runtime.sessions) as session:
        dewi = session.scalars(select(Person).where(Person.phone == to_e164(DEWI))).one()
        for n in range(30):
            session.add(
                Person(
                    role=Role.PENDAMPING,
                    name=f"Pendamping Tambahan {n:02d}",
                    phone=f"+6281230000{n:03d}",
                    kabupaten="Trenggalek",
                    kecamatan="Durenan",
                    supervisor_id=dewi.id,
                    timezone="Asia/Jakarta",
                    provinsi="Jawa Timur",
                )
            )
        sinta = Person(
            role=Role.SUPERVISOR,
            name="Sinta Supervisor",
            phone="+6281220000002",
            kabupaten="Wonogiri",
            timezone="Asia/Jakarta",
            provinsi="Jawa Tengah",
        )
        session.add(sinta)
        session.flush()
        session.add(
            Person(
                role=Role.PENDAMPING,
                name=OTHER_PENDAMPING,
                phone="+6281220000003",
                kabupaten="Wonogiri",
                kecamatan="Baturetno",
                supervisor_id=sinta.id,
                timezone="Asia/Jakarta",
                provinsi="Jawa Tengah",
            )
        )
        session.add(_complaint(77, sinta, kecamatan="Baturetno"))


def test_a_korkab_filters_pages_and_exports_the_pendamping_view(
    served: tuple[str, Runtime], tmp_path: Path
) -> None:
    base, runtime = served
    _more_people(runtime)
    link = ask_for_link(base, BAMBANG)
    with chromium() as browser:
        context = browser.new_context(accept_downloads=True, locale="id-ID")
        page = context.new_page()
        sign_in_through_browser(page, base, link)
        page.get_by_role("navigation").get_by_role("link", name="Pendamping", exact=True).click()
        page.wait_for_url(base + "/dasbor/pendamping")
        first = page.content()
        assert "33 baris" in first and "halaman 1 dari 2" in first
        assert OTHER_PENDAMPING not in first
        assert page.locator("svg.chart title").count() >= 1
        # Light enough for a cheap phone on a slow line: the page with its stylesheet (its only
        # asset, no script) under 150 KB.
        weight = len(page.request.get(base + "/dasbor/pendamping").body()) + len(
            page.request.get(base + "/static/dashboard.css").body()
        )
        assert weight < 150_000 and page.locator("script").count() == 0

        page.get_by_role("link", name=re.compile("Berikutnya")).click()
        page.wait_for_url(re.compile(r".*page=2.*"))
        assert "halaman 2 dari 2" in page.content()
        assert "Sari Rahayu" in page.content()  # names sort: "Pendamping Tambahan …" come first

        page.select_option("select[name=kecamatan]", "Pogalan")
        page.get_by_role("button", name="Terapkan").click()
        page.wait_for_url(re.compile(r".*kecamatan=Pogalan.*"))
        filtered = page.content()
        assert "Sari Rahayu" in filtered and "Agus Santoso" in filtered
        assert "Rina Wulandari" not in filtered and "Tambahan" not in filtered

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Unduh XLSX").click()
        saved = tmp_path / "pendamping.xlsx"
        download_info.value.save_as(saved)
        book = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()), read_only=True)
        names = [row[0] for row in book["Per pendamping"].iter_rows(min_row=2, values_only=True)]
        assert sorted(names) == ["Agus Santoso", "Sari Rahayu"]

        # The monthly report of the whole kabupaten, as PDF, with its scope on the cover.
        page.goto(base + "/dasbor/laporan-bulanan")
        kabupaten_row = page.locator("tr", has_text="Kabupaten Trenggalek")
        with page.expect_download() as download_info:
            kabupaten_row.get_by_role("link", name="PDF").click()
        report = tmp_path / "laporan.pdf"
        download_info.value.save_as(report)
        text = pdf_text(report.read_bytes())
        assert "Laporan bulanan PKH" in text and "Trenggalek" in text
        assert OTHER_PENDAMPING not in text and "Wonogiri" not in text
        _screenshots(page, base, tmp_path)


def _screenshots(page: Any, base: str, tmp_path: Path) -> None:
    """The main views at desktop and phone width: into the test's folder, or into
    docs/screenshots/ with PKH_SCREENSHOTS=1 (the README links them)."""
    shots = SCREENSHOTS if os.environ.get("PKH_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    for slug in ("pendamping", "ringkasan-pengaduan", "beban-kerja", "laporan-bulanan"):
        page.goto(f"{base}/dasbor/{slug}")
        for width, height in ((1280, 800), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            target = shots / f"dasbor-{slug}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 10_000
    page.set_viewport_size({"width": 1280, "height": 800})


def test_refusals_in_the_browser(served: tuple[str, Runtime]) -> None:
    base, runtime = served
    _more_people(runtime)
    clock = Clock(datetime.now(UTC))
    runtime.ctx.clock = clock
    with chromium() as browser:
        # An expired link: a plain page that says so, no form to confirm.
        stale = ask_for_link(base, DEWI)
        clock.advance(minutes=11)
        page = browser.new_context().new_page()
        expired = page.goto(stale)
        assert expired is not None and expired.status == 410
        assert page.locator("form[method=post]").count() == 0
        assert "dasbor" in page.content()

        # A forged cookie opens nothing.
        forged = browser.new_context()
        forged.add_cookies([{"name": "pkh_sesi", "value": "x" * 43, "url": base}])
        forged_page = forged.new_page()
        response = forged_page.goto(base + "/dasbor/pengaduan")
        assert response is not None and response.status == 401

        # Dewi signs in properly.
        context = browser.new_context()
        page = context.new_page()
        sign_in_through_browser(page, base, ask_for_link(base, DEWI))

        # A state-changing form without its csrf token (or with a wrong one) is refused and
        # changes nothing: she is still signed in.
        for form in ({}, {"csrf_token": "not-the-token"}):
            posted = page.request.post(base + "/keluar", form=form, headers={"Origin": base})
            assert posted.status == 403
        assert page.goto(base + "/dasbor").status == 200  # type: ignore[union-attr]

        # Another kabupaten by URL: refused, and nothing of it shown.
        for path in (
            "/dasbor/pendamping?kabupaten=Wonogiri",
            "/dasbor/pendamping.xlsx?kabupaten=Wonogiri",
            "/dasbor/pendamping.csv?kecamatan=Baturetno",
            f"/dasbor/pengaduan/{OTHER_TICKET}",
            "/dasbor/beban-kerja",
        ):
            answer = page.request.get(base + path)
            assert answer.status in (403, 404), path
            assert OTHER_PENDAMPING not in answer.text() and OTHER_TICKET not in answer.text()
        listing = page.goto(base + "/dasbor/pengaduan?kabupaten=Wonogiri")
        assert listing is not None and OTHER_TICKET not in page.content()

        # Twelve idle hours end the session.
        clock.advance(hours=12, minutes=1)
        idle = page.goto(base + "/dasbor")
        assert idle is not None and idle.status == 401
