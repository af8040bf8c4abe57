"""A fake Twilio REST API on 127.0.0.1: accepts Messages.json creates and lists, records what it
got, and can be told to fail or stall the next requests."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import BasicAuth, web

MESSAGES = "/2010-04-01/Accounts/{account}/Messages.json"


@dataclass
class Scripted:
    """What to do with one coming create request instead of a plain success."""

    status: int = 201
    code: int | None = None
    message: str = ""
    delay: float = 0.0  # accept the message, then answer this late (the client times out)


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    clock: Callable[[], datetime]
    messages: list[dict[str, Any]] = field(default_factory=list)
    create_requests: int = 0
    list_requests: int = 0
    script: list[Scripted] = field(default_factory=list)
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    def fail_next(self, status: int, code: int | None = None, message: str = "") -> None:
        self.script.append(Scripted(status, code, message or f"fake error {code or status}"))

    def stall_next(self, seconds: float) -> None:
        self.script.append(Scripted(delay=seconds))

    def to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["To"] == address]

    def bodies(self, address: str) -> list[str]:
        return [m.get("Body", "") for m in self.to(address)]

    @property
    def open_connections(self) -> int:
        """Client connections the server still holds open (keep-alive ones included)."""
        return len(self._runner.server.connections) if self._runner and self._runner.server else 0

    # -- server ----------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        path = MESSAGES.format(account=self.account_sid)
        app.router.add_post(path, self._create)
        app.router.add_get(path, self._list)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        try:
            auth = BasicAuth.decode(header)
        except ValueError:
            return False
        return (auth.login, auth.password) == (self.account_sid, self.auth_token)

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        self.create_requests += 1
        form = dict(await request.post())
        plan = self.script.pop(0) if self.script else Scripted()
        if plan.status >= 400:
            return _error(plan.status, plan.code, plan.message)
        record = {k: str(v) for k, v in form.items()}
        record["sid"] = f"SM{next(self._ids):032x}"
        record["date_created"] = self.clock()
        self.messages.append(record)
        if plan.delay:
            await asyncio.sleep(plan.delay)
        return web.json_response(self._resource(record), status=201)

    async def _list(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        self.list_requests += 1
        found = [
            m
            for m in reversed(self.messages)
            if m["To"] == request.query.get("To", m["To"])
            and m["From"] == request.query.get("From", m["From"])
        ]
        size = int(request.query.get("PageSize", "50"))
        page = [self._resource(m) for m in found[:size]]
        return web.json_response(
            {"messages": page, "next_page_uri": None, "page": 0, "page_size": size}
        )

    def _resource(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "sid": record["sid"],
            "account_sid": self.account_sid,
            "to": record["To"],
            "from": record["From"],
            "body": record.get("Body", ""),
            "status": "queued",
            "date_created": format_datetime(record["date_created"]),
        }


def _error(status: int, code: int | None, message: str) -> web.Response:
    body = {"status": status, "code": code, "message": message, "more_info": ""}
    return web.json_response(body, status=status)
