"""Telegram adapter (python-telegram-bot 22), started and stopped inside the web app's lifespan.

Long polling by default; webhook mode when TELEGRAM_WEBHOOK_URL is set (then updates arrive on
`POST /webhooks/telegram`, checked against the secret token). PTB's own run_polling/run_webhook
are not used: they own the event loop, and here uvicorn does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request, Response
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.channels.telegram_sender import ChatPacer, TelegramSender
from bot.channels.telegram_updates import to_inbound
from bot.logs import redact_secrets_in_logs
from handlers.core.route import handle_inbound

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
COMMANDS = ("menu", "batal", "bantuan", "start")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]  # all the core understands


def configure(runtime: Runtime, pacer: ChatPacer | None = None) -> TelegramChannel:
    """Register the Telegram sender, start/stop hooks and (in webhook mode) the webhook route."""
    channel = TelegramChannel(runtime, pacer or ChatPacer())
    runtime.add_sender(channel.sender)
    runtime.on_start.append(channel.start)
    runtime.on_stop.append(channel.stop)
    if channel.webhook_url is not None:
        runtime.routers.append(channel.webhook_router())
    return channel


def webhook_secret(token: str, configured: str | None) -> str:
    """The configured secret, or one derived from the token so that every worker agrees."""
    if configured:
        return configured
    return hmac.new(token.encode(), b"pkh-bot telegram webhook", hashlib.sha256).hexdigest()


class TelegramChannel:
    def __init__(self, runtime: Runtime, pacer: ChatPacer) -> None:
        settings = runtime.settings
        token = settings.TELEGRAM_BOT_TOKEN
        assert token is not None, "configure Telegram only when TELEGRAM_BOT_TOKEN is set"
        self.runtime = runtime
        self.webhook_url = settings.TELEGRAM_WEBHOOK_URL
        self.secret = webhook_secret(token, settings.TELEGRAM_WEBHOOK_SECRET)
        # Every Bot API URL holds the token, and PTB logs the webhook secret with setWebhook's
        # parameters at DEBUG: neither may reach a log.
        redact_secrets_in_logs([token, self.secret])
        builder = (
            ApplicationBuilder()
            .token(token)
            # Only the overall 30 messages/s; RetryAfter goes back to the dispatcher (no retries
            # here), and the per-chat pace is the sender's ChatPacer.
            .rate_limiter(AIORateLimiter(max_retries=0))
            # Time-driven work is the scheduler's, in the database: no PTB job queue.
            .job_queue(None)
        )
        if settings.TELEGRAM_API_BASE_URL:
            # PTB appends the token unless the URL has a {token} placeholder.
            builder = builder.base_url(settings.TELEGRAM_API_BASE_URL)
        if self.webhook_url is not None:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._init_lock = asyncio.Lock()
        self._initialized = False
        self.sender = TelegramSender(
            self.application.bot,
            runtime.ctx.catalog("link.share_button"),
            pacer,
            self._ensure_initialized,
        )

    # -- lifecycle -------------------------------------------------------------------------
    async def _ensure_initialized(self) -> None:
        """Initialise on first use too: `pkh-bot tick` sends without starting the channel."""
        async with self._init_lock:
            if not self._initialized:
                await self.application.initialize()
                self._initialized = True

    async def start(self) -> None:
        await self._ensure_initialized()
        bot = self.application.bot
        await self._set_commands()
        if self.webhook_url is not None:
            await bot.set_webhook(
                self.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
            )
            await self.application.start()
            log.info("telegram: webhook mode, updates on %s", WEBHOOK_PATH)
        else:
            await self.application.start()
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            log.info("telegram: long polling as @%s", bot.username)

    async def stop(self) -> None:
        """Stop taking updates, finish the ones queued, close the connections.

        The webhook is left in place in webhook mode: other workers keep serving it.
        """
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        if self._initialized:
            self._initialized = False
            await self.application.shutdown()

    async def _set_commands(self) -> None:
        t = self.runtime.ctx.catalog
        commands = [BotCommand(name, t(f"telegram.command_{name}")) for name in COMMANDS]
        try:
            await self.application.bot.set_my_commands(commands)
        except TelegramError:
            log.warning("telegram: could not set the command list", exc_info=True)

    # -- inbound ---------------------------------------------------------------------------
    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        inbound = to_inbound(update, self.runtime.ctx.clock())
        if update.callback_query is not None:
            await self._settle_button(update)
        if inbound is None:
            log.debug("telegram: ignored update %s", update.update_id)
            return
        await self.runtime.run_inbound(handle_inbound, self.runtime.ctx, inbound)

    async def _settle_button(self, update: Update) -> None:
        """Stop the client's spinner and take the keyboard away so it cannot be pressed twice."""
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except TelegramError:
            log.info("telegram: could not answer a button press", exc_info=True)
        if query.message is None:
            return
        try:
            await self.application.bot.edit_message_reply_markup(
                chat_id=query.message.chat.id, message_id=query.message.message_id
            )
        except TelegramError:
            # Already removed (a double tap), or the message is too old to edit: harmless.
            log.info("telegram: could not remove a keyboard", exc_info=True)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: update handling failed", exc_info=context.error)

    # -- webhook ---------------------------------------------------------------------------
    def webhook_router(self) -> APIRouter:
        router = APIRouter()

        @router.post(WEBHOOK_PATH)
        async def telegram_webhook(request: Request) -> Response:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                raise HTTPException(403, "bad secret token")
            update = await self._update_from(request)
            if update is None:
                raise HTTPException(400, "not a Telegram update")
            await self.application.update_queue.put(update)
            return Response(status_code=200)

        return router

    async def _update_from(self, request: Request) -> Update | None:
        """The body as an Update, or None for anything else (a list, a string, a number, an
        object without an integer update_id, a malformed one, or not JSON at all)."""
        try:
            data = await request.json()
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
            return None
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return None
        try:
            return Update.de_json(data, self.application.bot)
        except Exception:  # PTB raises whatever the malformed part makes it raise
            log.warning("telegram: a webhook body with an update_id did not parse as an Update")
            return None
