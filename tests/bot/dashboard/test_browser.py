"""The dashboard in a real browser (Playwright driving Debian's chromium, headless) against the
real app served by uvicorn: Dewi asks the bot for a link in the simulator, opens it, confirms,
sees only her complaints, filters them, opens one, downloads the CSV and reads it back; the same
link used again is refused. Screenshots of the list at phone and desktop width are taken too:
into the test's own folder, or into docs/screenshots/ with PKH_SCREENSHOTS=1 (to refresh the
README's pictures without every test run touching tracked files).

Chromium missing is a failure, not a skip: `scripts/test` and `.ci/run` install it."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, select

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from storage.db import transaction
from storage.models import Complaint
from storage.vocabulary import ComplaintStatus
from tests.handlers.complaints.test_complaints import file
from tests.support import Chat

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parents[3] / "docs" / "screenshots"
DEWI = "0812-1000-0002"
LINK = re.compile(r"(https?://\S+/masuk/[A-Za-z0-9_\-]+)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(
    database_url: str, db_engine: Engine, demo_roster: None
) -> Iterator[tuple[str, Runtime]]:
    """The whole app (dispatcher and scheduler too) on a free port, in a background thread."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    runtime = Runtime(
        Settings(DATABASE_URL=database_url, PUBLIC_BASE_URL=base, PKH_TICK_SECONDS=3600),
        engine=db_engine,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield base, runtime
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _ask_for_link(base: str) -> str:
    with httpx.Client(base_url=base, timeout=10) as http:
        sent = http.post("/sim/api/send", json={"address": DEWI, "text": "dasbor"})
        assert sent.status_code == 200, sent.text
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            for message in http.get("/sim/api/messages", params={"address": DEWI}).json()[
                "messages"
            ]:
                found = LINK.search(message["text"])
                if found:
                    return found.group(1)
            time.sleep(0.2)
    raise AssertionError("the bot sent Dewi no dashboard link")


def _browser_api():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install chromium chromium-driver; scripts/bootstrap does it as root)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    return sync_playwright


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
    link = _ask_for_link(base)
    assert link.startswith(base + "/masuk/")

    with _browser_api()() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(
                accept_downloads=True, locale="id-ID", viewport={"width": 1280, "height": 800}
            )
            page = context.new_page()
            confirm = page.goto(link)
            assert confirm is not None and confirm.status == 200
            page.locator("form[method=post] button, form[method=post] [type=submit]").first.click()
            page.wait_for_url(base + "/dasbor")

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
        finally:
            browser.close()
