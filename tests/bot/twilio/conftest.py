"""Fixtures for the Twilio channels: a fake Twilio REST server, a runtime wired to it, the real
FastAPI app behind an in-process ASGI client, and people who write over WhatsApp or SMS."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.channels import configure
from bot.runtime import Runtime
from bot.settings import Settings
from conversations.messages import Channel
from scheduler.dispatcher import DispatchReport, drain
from scheduler.senders import Outgoing, SendResult
from tests.fakes.twilio_api import FakeTwilio
from tests.support import Clock

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token"
WHATSAPP_NUMBER = "+6281100000001"
SMS_NUMBER = "+6281100000002"
PUBLIC_BASE_URL = "https://pkh.example.id"
ASGI_BASE_URL = "http://testserver"

_sids = itertools.count(1)


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


async def post_signed(
    client: httpx.AsyncClient,
    path: str,
    params: dict[str, str],
    signed_base: str = PUBLIC_BASE_URL,
    token: str = AUTH_TOKEN,
) -> httpx.Response:
    headers = {"X-Twilio-Signature": sign(signed_base + path, params, token)}
    return await client.post(path, data=params, headers=headers)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


@pytest.fixture
async def twilio_api(clock: Clock) -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, clock)
    await fake.start()
    yield fake
    await fake.stop()


class Recorder:
    """A stand-in Telegram sender that records what it was given (the real adapter is tested
    on its own)."""

    channel = Channel.TELEGRAM

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message)
        return SendResult(provider_message_id=f"tg-{message.outbox_id}")


MakeRuntime = Callable[..., Awaitable[Runtime]]


@pytest.fixture
async def make_runtime(
    database_url: str,
    db_engine: Engine,
    sessions: sessionmaker[Session],
    clock: Clock,
    twilio_api: FakeTwilio,
) -> AsyncIterator[MakeRuntime]:
    """Build a runtime wired to the fake Twilio; keyword arguments override settings."""
    made: list[Runtime] = []

    async def make(**overrides: Any) -> Runtime:
        values: dict[str, Any] = {
            "DATABASE_URL": database_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_NUMBER": WHATSAPP_NUMBER,
            "TWILIO_SMS_NUMBER": SMS_NUMBER,
            "TWILIO_API_BASE_URL": twilio_api.url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "TWILIO_TIMEOUT_SECONDS": 5.0,
        }
        values.update(overrides)
        runtime = Runtime(Settings(**values), engine=db_engine)
        runtime.ctx.clock = clock
        configure(runtime)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        for stop in runtime.on_stop:
            await stop()


@pytest.fixture
async def runtime(make_runtime: MakeRuntime) -> Runtime:
    return await make_runtime()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime, run_background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ASGI_BASE_URL) as http:
        yield http


@dataclass
class Phone:
    """A person writing to our Twilio number, who reads what the fake Twilio was asked to send."""

    http: httpx.AsyncClient
    runtime: Runtime
    fake: FakeTwilio
    address: str
    channel: str = Channel.WHATSAPP
    seen: int = 0

    @property
    def twilio_address(self) -> str:
        return f"whatsapp:{self.address}" if self.channel == Channel.WHATSAPP else self.address

    async def send(self, body: str = "", **fields: str) -> list[str]:
        """Post a signed inbound webhook, run the dispatcher, return the bodies sent back."""
        await self.deliver(body, **fields)
        await self.dispatch()
        return self.received()

    async def deliver(self, body: str = "", **fields: str) -> httpx.Response:
        number = WHATSAPP_NUMBER if self.channel == Channel.WHATSAPP else SMS_NUMBER
        ours = f"whatsapp:{number}" if self.channel == Channel.WHATSAPP else number
        params = {
            "AccountSid": ACCOUNT_SID,
            "From": self.twilio_address,
            "To": ours,
            "Body": body,
            "MessageSid": fields.pop("MessageSid", new_sid()),
            "NumMedia": "0",
            **fields,
        }
        response = await post_signed(self.http, "/webhooks/twilio", params)
        assert response.status_code == 200, response.text
        return response

    async def dispatch(self) -> DispatchReport:
        return await drain(self.runtime.sessions, self.runtime.senders, self.runtime.ctx.clock())

    def received(self) -> list[str]:
        messages = self.fake.to(self.twilio_address)
        bodies = [m.get("Body", "") for m in messages[self.seen :]]
        self.seen = len(messages)
        return bodies


PhoneFactory = Callable[..., Phone]


@pytest.fixture
def phone(client: httpx.AsyncClient, runtime: Runtime, twilio_api: FakeTwilio) -> PhoneFactory:
    """phone("0812-1000-0003") writes as Sari over WhatsApp; channel="sms" for plain SMS."""
    from handlers.people.phones import to_e164

    def make(number: str, channel: str = Channel.WHATSAPP) -> Phone:
        return Phone(client, runtime, twilio_api, to_e164(number), channel)

    return make
