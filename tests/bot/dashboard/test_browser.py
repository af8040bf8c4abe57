"""The dashboard in a real browser (Playwright driving Debian's chromium, headless) against the
real app served by uvicorn (see `browsing.py`): Dewi asks the bot for a link in the simulator,
opens it, confirms, sees only her complaints, filters them, opens one, downloads the CSV and
reads it back; the same link used again is refused. Screenshots of the list at phone and
desktop width are taken too: into the test's own folder, or into docs/screenshots/ with
PKH_SCREENSHOTS=1 (to refresh the README's pictures without every test run touching tracked
files)."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from sqlalchemy import select

from bot.runtime import Runtime
from storage.db import transaction
from storage.models import Complaint
from storage.vocabulary import ComplaintStatus
from tests.bot.dashboard.browsing import ask_for_link, chromium, sign_in_through_browser
from tests.handlers.complaints.test_complaints import file
from tests.support import Chat

SCREENSHOTS = Path(__file__).parents[3] / "docs" / "screenshots"
DEWI = "0812-1000-0002"


def test_dewi_reads_her_complaints_in_a_browser(
    served: tuple[str, Runtime], tmp_path: Path
) -> None:
    base, runtime = served

    def kpm(n: int) -> Chat:
        return Chat(runtime.ctx, f"0813-9000-000{n}")

    mine = [
        file(kpm(1), "Lupa PIN kartu", "Saya lupa PIN kartu KKS.", "Pogalan")[0],
        file(kpm(2), "Layanan lain", "Antrean di bank sangat lama.", "Durenan")[0],
    ]
    elsewhere = file(kpm(3), "Layanan lain", "Tidak tahu harus ke mana.", "Tidak tahu")[0]
    with transaction(runtime.sessions) as session:
        taken = session.scalars(select(Complaint).where(Complaint.ticket_code == mine[1])).one()
        taken.status = ComplaintStatus.IN_PROGRESS
    link = ask_for_link(base, DEWI)
    assert link.startswith(base + "/masuk/")

    with chromium() as browser:
        context = browser.new_context(
            accept_downloads=True, locale="id-ID", viewport={"width": 1280, "height": 800}
        )
        page = context.new_page()
        sign_in_through_browser(page, base, link)

        page.goto(base + "/dasbor/pengaduan")
        listing = page.content()
        assert all(ticket in listing for ticket in mine)
        assert elsewhere not in listing
        assert "2 pengaduan" in listing
        shots = SCREENSHOTS if os.environ.get("PKH_SCREENSHOTS") else tmp_path
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "dasbor-pengaduan-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(shots / "dasbor-pengaduan-390.png"), full_page=True)
        assert (shots / "dasbor-pengaduan-390.png").stat().st_size > 10_000
        page.set_viewport_size({"width": 1280, "height": 800})

        page.select_option("select[name=status]", ComplaintStatus.NEW.value)
        page.get_by_role("button", name="Terapkan").click()
        page.wait_for_url(re.compile(r".*status=baru.*"))
        filtered = page.content()
        assert mine[0] in filtered and mine[1] not in filtered

        page.get_by_role("link", name=mine[0]).click()
        page.wait_for_url(base + f"/dasbor/pengaduan/{mine[0]}")
        assert mine[0] in page.locator("h1").inner_text()
        assert "Saya lupa PIN kartu KKS." in page.content()
        assert "Ibu Siti" in page.content()
        assert "0813" not in page.content() and "81390000001" not in page.content()

        page.goto(base + "/dasbor/pengaduan")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Unduh CSV").click()
        saved = tmp_path / "pengaduan.csv"
        download_info.value.save_as(saved)
        raw = saved.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0][0] == "Tiket"
        assert sorted(row[0] for row in rows[1:]) == sorted(mine)

        again = browser.new_context().new_page()
        refused = again.goto(link)
        assert refused is not None and refused.status == 410
        assert again.locator("form[method=post]").count() == 0
        assert again.goto(base + "/dasbor/pengaduan").status == 401  # type: ignore[union-attr]
