"""Sending outbox rows to Telegram: keyboards, long texts, per-chat pacing, error mapping."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from conversations.messages import Channel, Reply
from scheduler.senders import (
    Outgoing,
    PermanentSendError,
    RecipientUnreachable,
    SendResult,
    TransientSendError,
)

MAX_TEXT = 4096  # Telegram's limit for one message, in UTF-16 code units
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class ChatPacer:
    """About one message a second per chat, with a short burst allowed (Telegram's advice).

    A generic cell-rate limiter: each chat has a theoretical next free time; a send may run up
    to `burst - 1` intervals ahead of it, otherwise it waits. The slot is taken before waiting,
    so concurrent senders to one chat queue up instead of all sending at once.
    """

    def __init__(
        self,
        interval: float = 1.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_chats: int = 10_000,
    ) -> None:
        self.interval = interval
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._max_chats = max_chats
        self._next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = self._clock()
        if len(self._next) >= self._max_chats:
            self._next = {chat: at for chat, at in self._next.items() if at > now}
        due = max(self._next.get(chat_id, now), now)
        self._next[chat_id] = due + self.interval
        delay = due - now - (self.burst - 1) * self.interval
        if delay > 0:
            await self._sleep(delay)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split on line boundaries into parts of at most `limit` UTF-16 units.

    A single line longer than the limit is cut at its last space before the limit (or hard).
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while _units(line) > limit:
            head, line = _cut(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        candidate = f"{current}\n{line}" if current else line
        if current and _units(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(line: str, limit: int) -> tuple[str, str]:
    end = limit
    while _units(line[:end]) > limit:
        end -= 1
    space = line.rfind(" ", 0, end)
    if space > 0:
        return line[:space], line[space + 1 :]
    return line[:end], line[end:]


def render_markup(reply: Reply, share_label: str) -> Markup:
    """Choices as inline buttons (one per row, labels can be long); a contact request as a
    one-tap reply keyboard button; plain texts clear any reply keyboard still showing."""
    if reply.options:
        rows = [
            [InlineKeyboardButton(option.label, callback_data=reply.callback_data(option))]
            for option in reply.options
        ]
        return InlineKeyboardMarkup(rows)
    if reply.request_contact:
        button = KeyboardButton(share_label, request_contact=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    return ReplyKeyboardRemove()


def map_error(error: TelegramError) -> Exception:
    """Telegram's errors in the dispatcher's terms (which decides retry, give up, fall back)."""
    if isinstance(error, RetryAfter):
        return TransientSendError(str(error), retry_after=_seconds(error), code="429")
    if isinstance(error, Forbidden):
        return RecipientUnreachable(error.message, code="forbidden")
    if isinstance(error, BadRequest):  # a subclass of NetworkError, so it comes first
        if "chat not found" in error.message.lower():
            return RecipientUnreachable(error.message, code="chat_not_found")
        return PermanentSendError(error.message, code="bad_request")
    if isinstance(error, NetworkError):  # includes TimedOut
        return TransientSendError(error.message, code="network")
    return TransientSendError(error.message, code=type(error).__name__)


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 returns int unless PTB_TIMEDELTA is set, and warns about the coming change.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    channel = Channel.TELEGRAM

    def __init__(
        self,
        bot: Bot,
        share_label: str,
        pacer: ChatPacer,
        ensure_ready: Callable[[], Awaitable[None]],
    ) -> None:
        self.bot = bot
        self.share_label = share_label
        self.pacer = pacer
        self._ensure_ready = ensure_ready

    async def send(self, message: Outgoing) -> SendResult:
        try:
            chat_id = int(message.address)
        except ValueError:
            raise PermanentSendError(f"not a Telegram chat id: {message.address!r}") from None
        parts = split_text(message.reply.text)
        markup = render_markup(message.reply, self.share_label)
        # A private link (the dashboard sign-in) must not be fetched by Telegram for a preview.
        preview = LinkPreviewOptions(is_disabled=True) if message.reply.no_link_preview else None
        sent: Message | None = None
        try:
            await self._ensure_ready()
            for index, part in enumerate(parts):
                await self.pacer.wait(chat_id)
                last = index == len(parts) - 1
                sent = await self.bot.send_message(
                    chat_id,
                    part,
                    reply_markup=markup if last else None,
                    link_preview_options=preview,
                )
        except TelegramError as error:
            raise map_error(error) from error
        assert sent is not None
        return SendResult(provider_message_id=str(sent.message_id))
