"""What the Bot API's errors do: a blocked user falls back to another channel, a 429 is retried
after its retry_after, a bad request is given up. The dispatcher runs at explicit instants."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conversations.messages import Channel, Reply
from handlers.core import outbox
from storage.db import transaction
from storage.models import OutboxMessage, OutboxStatus, Person
from tests.bot.telegram.conftest import DEWI, SARI, Bot, texts
from tests.support import Clock


def outbox_rows(bot: Bot, **match: object) -> list[OutboxMessage]:
    with bot.runtime.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in match.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(session.scalars(query).all())


def notify_dewi(bot: Bot, text: str, key: str) -> None:
    """A notification to the supervisor, routed as the domain routes every notification."""
    with transaction(bot.runtime.sessions) as session:
        dewi = session.scalars(select(Person).where(Person.name == "Dewi Lestari")).one()
        now = bot.runtime.ctx.clock()
        outbox.notify(session, dewi, Reply(text), key, now, bot.runtime.ctx.channels)


async def test_a_blocked_user_is_marked_unreachable_and_never_routed_to_the_web(
    polling_bot: Bot,
) -> None:
    """Telegram is the only channel configured: once she blocked the bot nothing reaches her,
    and the message says so (it is not passed to the web simulator, which does not exist here)."""
    bot = polling_bot
    await bot.link(DEWI)
    bot.fake.blocked.add(DEWI.id)
    notify_dewi(bot, "Permintaan konsultasi MENDESAK dari Sari Rahayu (Pogalan)", "alert-1")

    report = await bot.deliver()

    assert report.failed == 1 and report.sent == 0
    [failed] = outbox_rows(bot, idempotency_key="alert-1")
    assert failed.status == OutboxStatus.FAILED and "forbidden" in (failed.last_error or "")
    assert "instead" not in (failed.last_error or "")  # no copy "sent" to nowhere
    assert outbox_rows(bot, idempotency_key="alert-1:via:none") == []
    with bot.runtime.sessions() as session:
        dewi = session.scalars(select(Person).where(Person.name == "Dewi Lestari")).one()
        assert dewi.telegram_unreachable
    # Later notifications fail at once, without trying Telegram again.
    sends = len(bot.fake.calls_to("sendMessage"))
    notify_dewi(bot, "Pengingat", "alert-2")
    [later] = outbox_rows(bot, idempotency_key="alert-2")
    assert (later.channel, later.status, later.last_error) == (
        outbox.NO_CHANNEL,
        OutboxStatus.FAILED,
        outbox.UNREACHED,
    )
    assert (await bot.deliver()).sent == 0
    assert len(bot.fake.calls_to("sendMessage")) == sends
    assert outbox_rows(bot, channel=Channel.WEB) == []


async def test_writing_again_after_unblocking_makes_telegram_reachable_again(
    polling_bot: Bot,
) -> None:
    bot = polling_bot
    await bot.link(DEWI)
    bot.fake.blocked.add(DEWI.id)
    notify_dewi(bot, "Pengingat pertama", "first")
    await bot.deliver()
    bot.fake.blocked.discard(DEWI.id)
    await bot.say(DEWI, "menu")  # a message from her proves the chat works again
    notify_dewi(bot, "Pengingat kedua", "second")
    await bot.deliver()
    assert "Pengingat kedua" in texts(bot.unread(DEWI))


async def test_a_429_is_retried_after_retry_after_not_before(
    polling_bot: Bot, clock: Clock
) -> None:
    bot = polling_bot
    await bot.link(DEWI)
    bot.unread(DEWI)
    bot.fake.fail(
        "sendMessage",
        429,
        "Too Many Requests: retry after 45",
        chat_id=DEWI.id,
        retry_after=45,
    )
    notify_dewi(bot, "Ada konsultasi baru", "alert-429")
    start = clock()

    first = await bot.deliver(start)
    assert (first.sent, first.retried) == (0, 1)
    [row] = outbox_rows(bot, idempotency_key="alert-429")
    assert row.status == OutboxStatus.PENDING
    assert row.next_attempt_at.replace(tzinfo=None) == (start + timedelta(seconds=45)).replace(
        tzinfo=None
    )

    early = await bot.deliver(start + timedelta(seconds=44))
    assert early.sent == 0 and bot.unread(DEWI) == []

    on_time = await bot.deliver(start + timedelta(seconds=45))
    assert on_time.sent == 1
    [message] = bot.unread(DEWI)
    assert message["text"] == "Ada konsultasi baru"
    assert len(bot.fake.calls_to("sendMessage", chat_id=DEWI.id, text="Ada konsultasi baru")) == 2
    [row] = outbox_rows(bot, idempotency_key="alert-429")
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert row.provider_message_id == str(message["message_id"])


async def test_a_network_failure_is_retried_with_backoff(polling_bot: Bot, clock: Clock) -> None:
    bot = polling_bot
    await bot.link(DEWI)
    bot.unread(DEWI)
    bot.fake.fail("sendMessage", 502, "Bad Gateway", chat_id=DEWI.id)
    notify_dewi(bot, "Ada konsultasi baru", "alert-502")
    assert (await bot.deliver(clock())).retried == 1
    assert (await bot.deliver(clock() + timedelta(seconds=10))).sent == 1
    assert texts(bot.unread(DEWI)) == "Ada konsultasi baru"


async def test_a_bad_request_is_given_up_without_falling_back(polling_bot: Bot) -> None:
    bot = polling_bot
    await bot.link(SARI)
    bot.fake.fail("sendMessage", 400, "Bad Request: can't parse entities", chat_id=SARI.id)
    [ask] = await bot.say(SARI, "bantuan")
    rows = outbox_rows(bot, address=str(SARI.id))
    assert rows[-2].status == OutboxStatus.FAILED
    assert "bad_request" in (rows[-2].last_error or "")
    assert rows[-1].status == OutboxStatus.SENT  # the next message of the same turn still goes
    assert outbox_rows(bot, channel=Channel.WEB) == []
    with bot.runtime.sessions() as session:
        sari = session.scalars(select(Person).where(Person.name == "Sari Rahayu")).one()
        assert not sari.telegram_unreachable
    assert ask["text"]
