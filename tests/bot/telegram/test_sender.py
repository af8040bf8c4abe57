"""The Telegram sender on its own: long texts, keyboards, per-chat pacing, error mapping."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels import configure
from bot.channels.telegram_sender import ChatPacer, map_error, split_text
from bot.runtime import Runtime
from bot.settings import Settings
from conversations.messages import Channel, Option, Reply
from handlers.core import outbox
from scheduler.dispatcher import drain
from scheduler.senders import (
    PermanentSendError,
    RecipientUnreachable,
    TransientSendError,
)
from storage.db import transaction
from storage.models import OutboxMessage, OutboxStatus
from tests.bot.telegram.conftest import SARI, Bot, labels
from tests.fakes.telegram_api import FakeBotAPI
from tests.support import Clock


def test_short_text_is_one_part() -> None:
    assert split_text("Halo Sari.\nMau apa hari ini?") == ["Halo Sari.\nMau apa hari ini?"]


def test_long_text_splits_on_line_boundaries() -> None:
    lines = [f"- baris {i:04d} " + "x" * 80 for i in range(120)]
    parts = split_text("\n".join(lines), limit=1000)
    assert all(len(part) <= 1000 for part in parts)
    assert "\n".join(parts) == "\n".join(lines)  # nothing lost, every cut at a newline
    assert all(part.split("\n")[0].startswith("- baris") for part in parts)


def test_a_single_overlong_line_is_cut_at_a_space() -> None:
    line = " ".join(["kata"] * 600)  # 2999 characters, no newline
    parts = split_text(line, limit=1000)
    assert all(len(part) <= 1000 for part in parts)
    assert " ".join(parts) == line


def test_length_is_counted_as_telegram_counts_it() -> None:
    # An emoji is two UTF-16 units: 600 of them do not fit in 1000 units.
    parts = split_text("🙂" * 600, limit=1000)
    assert [len(p) for p in parts] == [500, 100]


async def test_pacer_lets_a_short_burst_through_then_one_a_second() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = ChatPacer(interval=1.0, burst=3, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        await pacer.wait(1)
    assert slept == [1.0, 1.0]
    await pacer.wait(2)  # another chat is not held up by the first one
    assert slept == [1.0, 1.0]
    now[0] += 10  # after a quiet spell the burst is available again
    for _ in range(3):
        await pacer.wait(1)
    assert slept == [1.0, 1.0]


@pytest.mark.parametrize(
    ("error", "expected", "code"),
    [
        (RetryAfter(30), TransientSendError, "429"),
        (TimedOut(), TransientSendError, "network"),
        (NetworkError("connection reset"), TransientSendError, "network"),
        (Forbidden("Forbidden: bot was blocked by the user"), RecipientUnreachable, "forbidden"),
        (BadRequest("Bad Request: chat not found"), RecipientUnreachable, "chat_not_found"),
        (BadRequest("Bad Request: message is too long"), PermanentSendError, "bad_request"),
    ],
)
def test_errors_map_to_the_dispatchers_terms(
    error: Exception, expected: type[Exception], code: str
) -> None:
    mapped = map_error(error)  # type: ignore[arg-type]
    assert type(mapped) is expected
    assert getattr(mapped, "code", None) == code


def test_retry_after_carries_the_seconds() -> None:
    mapped = map_error(RetryAfter(30))
    assert isinstance(mapped, TransientSendError) and mapped.retry_after == 30.0


def queue(bot_runtime: Runtime, reply: Reply, key: str, clock: Clock) -> None:
    with transaction(bot_runtime.sessions) as session:
        outbox.enqueue(session, Channel.TELEGRAM, str(SARI.id), reply, key, clock())


async def test_a_long_message_is_sent_in_parts_with_the_keyboard_on_the_last(
    polling_bot: Bot, clock: Clock
) -> None:
    body = "\n".join(f"{i}. KPM di Pogalan, kunjungan rumah tertunda" for i in range(300))
    reply = Reply(body, (Option("a", "Lanjut"), Option("b", "Selesai")), token="t0k3n")
    queue(polling_bot.runtime, reply, "long-1", clock)
    await polling_bot.deliver()
    parts = polling_bot.unread(SARI)
    assert len(parts) == 4
    assert "\n".join(p["text"] for p in parts) == body
    assert [labels(p) for p in parts] == [[], [], [], ["Lanjut", "Selesai"]]
    buttons = parts[-1]["reply_markup"]["inline_keyboard"]
    assert [b[0]["callback_data"] for b in buttons] == ["t0k3n:a", "t0k3n:b"]
    with polling_bot.runtime.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.provider_message_id == str(parts[-1]["message_id"])


async def test_the_sender_works_without_the_channel_started(
    database_url: str, db_engine: Engine, fake_api: FakeBotAPI, clock: Clock, demo_roster: None
) -> None:
    """`pkh-bot tick` sends the outbox without running the web app's lifespan."""
    settings = Settings(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=fake_api.token,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
    )
    runtime = Runtime(settings, engine=db_engine)
    configure(runtime)
    queue(runtime, Reply("Pengingat jadwal supervisi besok."), "tick-1", clock)
    report = await drain(runtime.sessions, runtime.senders, clock())
    assert report.sent == 1
    assert fake_api.bot_messages(SARI.id)[0]["text"] == "Pengingat jadwal supervisi besok."
    assert fake_api.calls_to("getUpdates") == []  # sending does not start polling
    for stop in runtime.on_stop:
        await stop()
    with runtime.sessions() as session:
        assert session.scalars(select(OutboxMessage)).one().status == OutboxStatus.SENT
