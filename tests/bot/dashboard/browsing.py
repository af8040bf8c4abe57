"""What the browser tests share: the whole app served by uvicorn on a free port (dispatcher and
scheduler too), asking the bot for a sign-in link through the simulator, and Playwright bound to
Debian's chromium. Chromium missing is a failure, not a skip: `scripts/test` and `.ci/run`
install it."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
LINK = re.compile(r"(https?://\S+/masuk/[A-Za-z0-9_\-]+)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, db_engine: Engine) -> Iterator[tuple[str, Runtime]]:
    """The app on 127.0.0.1:<free port>, in a background thread, until the block ends."""
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


def ask_for_link(base: str, phone: str) -> str:
    """Types `dasbor` as `phone` in the simulator and returns the new link the bot answers with."""
    with httpx.Client(base_url=base, timeout=10) as http:

        def links() -> list[str]:
            answers = http.get("/sim/api/messages", params={"address": phone}).json()
            return [m.group(1) for a in answers["messages"] if (m := LINK.search(a["text"]))]

        before = set(links())
        sent = http.post("/sim/api/send", json={"address": phone, "text": "dasbor"})
        assert sent.status_code == 200, sent.text
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            fresh = [link for link in links() if link not in before]
            if fresh:
                return fresh[-1]
            time.sleep(0.2)
    raise AssertionError(f"the bot sent {phone} no new dashboard link")


def _playwright() -> Callable[[], Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install chromium chromium-driver; scripts/bootstrap does it as root)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    return sync_playwright  # type: ignore[no-any-return]


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian chromium under Playwright, closed at the end of the block."""
    with _playwright()() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


def sign_in_through_browser(page: Any, base: str, link: str) -> None:
    """Opens the one-time link, confirms it, and lands on the dashboard home."""
    confirm = page.goto(link)
    assert confirm is not None and confirm.status == 200
    page.locator("form[method=post] button, form[method=post] [type=submit]").first.click()
    page.wait_for_url(base + "/dasbor")
