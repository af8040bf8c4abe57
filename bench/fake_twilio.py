"""An instant fake Twilio REST API for the webhook load benchmark (`bench/webhook_load.py`).

It accepts message creates and lists at once, on 127.0.0.1, in the benchmark's own event loop,
and keeps only what the benchmark reads: how many messages reached each address, when the last
one arrived, and a way to wait for the next message to an address."""

from __future__ import annotations

import asyncio
import base64
import itertools
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

MESSAGES = "/2010-04-01/Accounts/{account}/Messages.json"


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        token = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self._authorization = f"Basic {token}"
        self.url = ""
        self.received = 0
        self.list_requests = 0
        self.refused = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.to: Counter[str] = Counter()  # messages per "To" (whatsapp:+62…)
        self._waiters: dict[str, list[tuple[int, asyncio.Future[None]]]] = defaultdict(list)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        path = MESSAGES.format(account=self.account_sid)
        app.router.add_post(path, self._create)
        app.router.add_get(path, self._list)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def reset(self) -> None:
        self.received = self.list_requests = self.refused = 0
        self.first_at = self.last_at = None
        self.to.clear()

    async def wait_for(self, address: str, count: int, timeout: float) -> None:
        """Until `address` has been sent at least `count` messages in all."""
        if self.to[address] >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[address].append((count, future))
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise RuntimeError(
                f"no reply to {address} reached the fake Twilio within {timeout:.0f} s "
                f"({self.to[address]} of {count} so far)"
            ) from None

    # -- server ----------------------------------------------------------------------------
    async def _create(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != self._authorization:
            self.refused += 1
            return _error(401, 20003, "Authenticate")
        form = await request.post()
        to, sender, body = str(form.get("To", "")), str(form.get("From", "")), form.get("Body")
        now = time.perf_counter()
        self.received += 1
        self.first_at = self.first_at or now
        self.last_at = now
        self.to[to] += 1
        waiting = self._waiters.get(to)
        if waiting:
            kept = []
            for count, future in waiting:
                if self.to[to] >= count:
                    if not future.done():
                        future.set_result(None)
                else:
                    kept.append((count, future))
            self._waiters[to] = kept
        resource = {
            "sid": f"SM{next(self._ids):032x}",
            "account_sid": self.account_sid,
            "to": to,
            "from": sender,
            "body": str(body or ""),
            "status": "queued",
            "date_created": format_datetime(datetime.now(UTC)),
        }
        return web.json_response(resource, status=201)

    async def _list(self, request: web.Request) -> web.Response:
        """Retries look up what was already sent; an instant fake never makes them retry, and
        an empty list means "send it again"."""
        self.list_requests += 1
        size = int(request.query.get("PageSize", "50"))
        body: dict[str, Any] = {"messages": [], "next_page_uri": None, "page": 0}
        return web.json_response(body | {"page_size": size})


def _error(status: int, code: int, message: str) -> web.Response:
    body = {"status": status, "code": code, "message": message, "more_info": ""}
    return web.json_response(body, status=status)
