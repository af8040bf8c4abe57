"""WhatsApp and SMS through Twilio: signed webhooks in (`twilio_webhooks`), the outbox out
(`twilio_sender`), choices as numbered lines (`twilio_render`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from twilio.request_validator import RequestValidator

from bot.channels.twilio_sender import TwilioApi, TwilioSender
from bot.channels.twilio_webhooks import STATUS_PATH, make_router
from conversations.messages import Channel
from handlers.people.phones import try_e164

if TYPE_CHECKING:
    from bot.runtime import Runtime


def configure(runtime: Runtime) -> None:
    settings = runtime.settings
    assert settings.TWILIO_ACCOUNT_SID is not None and settings.TWILIO_AUTH_TOKEN is not None
    runtime.routers.append(make_router(runtime, RequestValidator(settings.TWILIO_AUTH_TOKEN)))
    api = TwilioApi(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_TIMEOUT_SECONDS,
    )
    runtime.on_stop.append(api.close)
    base = settings.PUBLIC_BASE_URL
    status_callback = base.rstrip("/") + STATUS_PATH if base else None
    numbers = {
        Channel.WHATSAPP: settings.TWILIO_WHATSAPP_NUMBER,
        Channel.SMS: settings.TWILIO_SMS_NUMBER,
    }
    for channel, number in numbers.items():
        if number is None:
            continue
        sender = TwilioSender(
            channel,
            try_e164(number) or number,
            api,
            runtime.sessions,
            lambda: runtime.ctx.clock(),
            runtime.senders,
            settings.TWILIO_CONTENT_TEMPLATES,
            status_callback,
        )
        runtime.add_sender(sender)


def configure_disabled(runtime: Runtime) -> None:
    """Without credentials the webhook routes still exist, and refuse every request (403)."""
    runtime.routers.append(make_router(runtime, None))
