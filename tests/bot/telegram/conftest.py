"""Fixtures for the Telegram tests: a fake Bot API server and the real app running against it.

The bot runs exactly as in `pkh-bot run` (the channel registry, `create_app` and its lifespan),
except that the outbox dispatcher is driven by the test (`deliver`, with the test clock), so
retry timing is decided by explicit instants, never by waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import Engine, func, select

from bot.app import create_app
from bot.channels import configure
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.telegram_sender import ChatPacer, TelegramSender
from bot.runtime import Runtime
from bot.settings import Settings
from conversations.messages import Channel
from scheduler.dispatcher import DispatchReport, drain
from storage.models import OutboxMessage
from tests.fakes.telegram_api import FakeBotAPI, Json, TgUser
from tests.support import Clock

WAIT_SECONDS = 10.0
SARI = TgUser(70003, "Sari", "+6281210000003")
DEWI = TgUser(70002, "Dewi", "6281210000002")  # Telegram often sends the phone without "+"
STRANGER = TgUser(70999, "Budi", "+6281399998888")
WEBHOOK_URL = "https://bot.example.org/webhooks/telegram"
WEBHOOK_SECRET = "s3cret-token_for-tests"


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll a condition with a bounded timeout (for the asynchronous polling round-trip)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class Bot:
    """The running pkh-bot with its Telegram channel, and ways to talk to it as a user."""

    def __init__(self, runtime: Runtime, fake: FakeBotAPI, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.fake = fake
        self.client = client
        self._seen: dict[int, int] = {}

    @property
    def webhook_mode(self) -> bool:
        return self.runtime.settings.TELEGRAM_WEBHOOK_URL is not None

    def answered(self, update: Json) -> bool:
        """Whether the core has answered this update (every handled update queues a reply,
        keyed by the channel and the provider message id the adapter gave it)."""
        if "callback_query" in update:
            provider_id = f"c{update['callback_query']['id']}"
        else:
            message = update["message"]
            provider_id = f"m{message['chat']['id']}:{message['message_id']}"
        key = OutboxMessage.idempotency_key.startswith(f"{Channel.TELEGRAM}:{provider_id}:")
        with self.runtime.sessions() as session:
            return session.scalar(select(func.count()).where(key)) != 0

    async def deliver(self, now: Any = None) -> DispatchReport:
        """One dispatcher run, as of the test clock (or `now`)."""
        runtime = self.runtime
        return await drain(runtime.sessions, runtime.senders, now or runtime.ctx.clock())

    async def send_update(self, update: Json) -> None:
        """Hand an update to the bot (long polling or webhook) and wait until it is handled."""
        if self.webhook_mode:
            headers = {SECRET_HEADER: WEBHOOK_SECRET}
            numbered = self.fake.numbered(update)
            response = await self.client.post(WEBHOOK_PATH, json=numbered, headers=headers)
            assert response.status_code == 200, response.text
        else:
            await self.fake.queue_update(update)
        await wait_until(lambda: self.answered(update), "the update to be handled")

    async def say(self, user: TgUser, text: str) -> list[Json]:
        await self.send_update(self.fake.text_update(user, text))
        return await self.replies(user)

    async def share_contact(self, user: TgUser, owner_id: int | None = None) -> list[Json]:
        await self.send_update(self.fake.contact_update(user, user.phone, owner_id))
        return await self.replies(user)

    async def press(self, user: TgUser, label: str) -> list[Json]:
        """Press `label` on the newest message in the chat that has buttons."""
        await self.send_update(self.fake.press_update(user, self.last_keyboard(user), label))
        return await self.replies(user)

    async def replies(self, user: TgUser) -> list[Json]:
        """Deliver the outbox, then the bot's messages to `user` since the last look."""
        await self.deliver()
        return self.unread(user)

    def unread(self, user: TgUser) -> list[Json]:
        messages = self.fake.bot_messages(user.id)
        start = self._seen.get(user.id, 0)
        self._seen[user.id] = len(messages)
        return messages[start:]

    def last_keyboard(self, user: TgUser) -> Json:
        return next(m for m in reversed(self.fake.bot_messages(user.id)) if m.get("reply_markup"))

    async def link(self, user: TgUser) -> list[Json]:
        await self.say(user, "/start")
        return await self.share_contact(user)


def labels(message: Json) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def texts(messages: list[Json]) -> str:
    return "\n".join(m["text"] for m in messages)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    fake = FakeBotAPI()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def make_settings(database_url: str, fake_api: FakeBotAPI) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values = {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": fake_api.token,
            "TELEGRAM_API_BASE_URL": fake_api.base_url,
            **overrides,
        }
        return Settings(**values)

    return make


@pytest.fixture
def start_bot(
    db_engine: Engine, fake_api: FakeBotAPI, clock: Clock, demo_roster: None
) -> Callable[[Settings], Any]:
    """`async with start_bot(settings) as bot:` runs one process's worth of pkh-bot."""

    @asynccontextmanager
    async def start(settings: Settings) -> AsyncIterator[Bot]:
        runtime = Runtime(settings, engine=db_engine)
        runtime.ctx.clock = clock
        assert configure(runtime) == [Channel.TELEGRAM]
        # The per-chat pace is tested on its own; here it would only make the tests slow.
        cast(TelegramSender, runtime.senders[Channel.TELEGRAM]).pacer = ChatPacer(interval=0)
        app = create_app(runtime, run_background=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as client,
        ):
            yield Bot(runtime, fake_api, client)

    return start


@pytest.fixture
async def polling_bot(
    start_bot: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> AsyncIterator[Bot]:
    async with start_bot(make_settings()) as bot:
        yield bot


@pytest.fixture
async def webhook_bot(
    start_bot: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> AsyncIterator[Bot]:
    settings = make_settings(
        TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET
    )
    async with start_bot(settings) as bot:
        yield bot
