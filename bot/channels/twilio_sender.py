"""Sending WhatsApp and SMS messages with the twilio client's async API.

Twilio errors are sorted for the dispatcher: 5xx, 429, timeouts and connection trouble are
transient (retried with backoff); other 4xx are permanent (never retried as they are).

A retry must not send twice what Twilio already accepted (a request that timed out may well have
gone through). Twilio's Messages API does not document any idempotency key for creating a
message, so a header that only our fake honoured would prove nothing. Instead, every attempt
after the first lists the recent messages from our number to that person and skips each part
whose body Twilio already holds, created since the outbox row was (less a little clock skew).
The worst a false match can do is skip an identical text sent moments before. (Templates are
not looked up: Twilio renders their body, so there is nothing to compare.)

WhatsApp only delivers free-form text within 24 hours of the person's last message to us (else
Twilio fails it with 63016). Outside that window a message goes to the person's Telegram when
they have it, else as the Content template configured for its kind, else it fails with a reason.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.channels.twilio_render import render, split_body, template_variable
from conversations.messages import Channel
from scheduler.senders import (
    Outgoing,
    PermanentSendError,
    RecipientUnreachable,
    SendElsewhere,
    Sender,
    SendResult,
    TransientSendError,
)
from scheduler.threads import OUTBOX_THREADS
from storage.db import transaction
from storage.models import ConversationState, OutboxMessage, Person

TWILIO_API = "https://api.twilio.com"
WHATSAPP_WINDOW = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=2)
LOOKUP_LIMIT = 20
UNSUBSCRIBED = 21610  # the person sent STOP
DEFAULT_TEMPLATE = "default"
REPLY = "reply"  # the outbox kind of an answer to an inbound message
FORM = "application/x-www-form-urlencoded"


class RoutedHttpClient(AsyncTwilioHttpClient):
    """Twilio's aiohttp client, changed so that requests to api.twilio.com go to `base_url`
    when given (a fake in tests) and every request has a timeout (the stock client passes
    none to aiohttp unless each call gives one, and then waits for ever)."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/") if base_url else None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        headers = dict(headers or {})
        if auth is not None:  # as a header: aiohttp deprecates its BasicAuth argument
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        body: Any = data
        if data:  # the form as aiohttp's FormData encodes it, without its multipart writer
            body = urlencode(data, doseq=True).encode("ascii")
            headers.setdefault("Content-Type", FORM)
        return await super().request(
            method, url, params, body, headers, None, timeout or self.timeout, allow_redirects
        )

    # twilio formats every request's and response's log lines before asking the logger whether
    # it wants them: a cost per message sent, for lines `pkh-bot run` drops (twilio logs at
    # WARNING unless PKH_LOG_LEVEL=DEBUG).
    def log_request(self, kwargs: dict[str, Any]) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_request(kwargs)

    def log_response(self, status_code: int, response: Any) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_response(status_code, response)


class TwilioApi:
    """One twilio `Client` shared by the WhatsApp and SMS senders, built on first use (its
    aiohttp session belongs to the running event loop) and closed on shutdown."""

    def __init__(
        self, account_sid: str, auth_token: str, base_url: str | None, timeout: float
    ) -> None:
        self._credentials = (account_sid, auth_token)
        self._base_url = base_url
        self._timeout = timeout
        self._http: RoutedHttpClient | None = None
        self._client: Client | None = None

    def client(self) -> Client:
        if self._client is None:
            self._http = RoutedHttpClient(self._base_url, self._timeout)
            self._client = Client(*self._credentials, http_client=self._http)
        return self._client

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._http = self._client = None


@dataclass(frozen=True)
class Recipient:
    """What the database knows that decides how to send one outbox row."""

    last_inbound_at: datetime | None
    has_telegram: bool
    queued_at: datetime | None

    def in_window(self, now: datetime, kind: str) -> bool:
        """A reply answers a message that has just come in, even one whose handling failed and
        left no trace in the database: its window opened no later than the reply was queued."""
        opened = self.last_inbound_at
        if kind == REPLY and self.queued_at is not None:
            opened = max(opened or self.queued_at, self.queued_at)
        return opened is not None and now - opened < WHATSAPP_WINDOW


_LAST_INBOUND = select(ConversationState.address, ConversationState.last_inbound_at).where(
    ConversationState.channel == Channel.WHATSAPP,
    ConversationState.address.in_(bindparam("addresses", expanding=True)),
)
_PEOPLE = select(Person.id, Person.telegram_chat_id, Person.telegram_unreachable).where(
    Person.id.in_(bindparam("ids", expanding=True))
)
_QUEUED = select(OutboxMessage.id, OutboxMessage.created_at).where(
    OutboxMessage.id.in_(bindparam("ids", expanding=True))
)


def load_recipients(
    sessions: sessionmaker[Session], messages: Sequence[Outgoing]
) -> list[Recipient]:
    """The recipients of `messages`, in three queries whatever their number (statements built
    once, plain rows: this runs for every WhatsApp and SMS row sent).

    Read in a transaction that commits: psycopg forgets every prepared statement of a
    connection that rolls back, and a read-only session ends in a rollback."""
    person_ids = list({m.person_id for m in messages if m.person_id is not None})
    with transaction(sessions) as session:
        connection = session.connection()
        addresses = list({m.address for m in messages})
        last = dict(connection.execute(_LAST_INBOUND, {"addresses": addresses}).all())
        people = {
            person_id: bool(chat_id and not unreachable)
            for person_id, chat_id, unreachable in (
                connection.execute(_PEOPLE, {"ids": person_ids}) if person_ids else ()
            )
        }
        ids = [m.outbox_id for m in messages]
        queued = dict(connection.execute(_QUEUED, {"ids": ids}).all())
    return [
        Recipient(
            last.get(m.address),
            people.get(m.person_id, False) if m.person_id is not None else False,
            queued.get(m.outbox_id),
        )
        for m in messages
    ]


class RecipientLookups:
    """Looks up together the recipients of the messages that start sending in the same turn of
    the event loop (up to the sender's `concurrency`): one worker-thread hop and three queries
    for them all, instead of one hop and a session per message. Each is still read just before
    its message is sent."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._asked: list[tuple[Outgoing, asyncio.Future[Recipient]]] = []
        self._loading: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def get(self, message: Outgoing) -> Recipient:
        loop = asyncio.get_running_loop()
        if not self._asked or self._loop is not loop:
            # (A loop that stopped before looking its batch up leaves it here: dropped.)
            self._asked, self._loop = [], loop
            loop.call_soon(self._start)
        future: asyncio.Future[Recipient] = loop.create_future()
        self._asked.append((message, future))
        return await future

    def _start(self) -> None:
        asked, self._asked = self._asked, []
        task = asyncio.get_running_loop().create_task(self._load(asked))
        self._loading.add(task)
        task.add_done_callback(self._loading.discard)

    async def _load(self, asked: list[tuple[Outgoing, asyncio.Future[Recipient]]]) -> None:
        try:
            found = await OUTBOX_THREADS.run(
                load_recipients, self.sessions, [message for message, _ in asked]
            )
        except Exception as error:  # each send raises it, as its own lookup would have
            for _, future in asked:
                if not future.done():
                    future.set_exception(error)
            return
        except BaseException:  # cancelled (shutdown): so are the sends waiting for it
            for _, future in asked:
                future.cancel()
            raise
        for (_, future), recipient in zip(asked, found, strict=True):
            if not future.done():
                future.set_result(recipient)


def classify(error: TwilioRestException) -> TransientSendError | PermanentSendError:
    code = str(error.code or error.status)
    reason = f"twilio {error.status}: {error.msg}"
    if error.status == 429 or error.status >= 500:
        return TransientSendError(reason, code=code)
    if error.code == UNSUBSCRIBED:
        return RecipientUnreachable(reason, code=code)
    return PermanentSendError(reason, code=code)


class TwilioSender:
    """The sender for one channel ("whatsapp" or "sms") from one of our Twilio numbers."""

    # Addresses sent to at once: Twilio takes a WhatsApp number's 80 messages a second and
    # queues the excess itself; one at a time, its ~200 ms round trip would allow five.
    concurrency = 16

    def __init__(
        self,
        channel: str,
        from_number: str,
        api: TwilioApi,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        senders: Mapping[str, Sender],
        templates: Mapping[str, str],
        status_callback: str | None,
    ) -> None:
        self.channel = channel
        self.prefix = "whatsapp:" if channel == Channel.WHATSAPP else ""
        self.from_ = self.prefix + from_number
        self.api = api
        self.sessions = sessions
        self.recipients = RecipientLookups(sessions)
        self.clock = clock
        self.senders = senders
        self.templates = templates
        self.status_callback = status_callback

    async def send(self, message: Outgoing) -> SendResult:
        recipient = await self.recipients.get(message)
        to = self.prefix + message.address
        body = render(message.reply, self.channel)
        if self.channel == Channel.WHATSAPP and not recipient.in_window(self.clock(), message.kind):
            return await self._outside_window(message, recipient, to, body)
        parts = split_body(body)
        accepted = await self._accepted(to, recipient) if message.attempt > 1 else {}
        sids = [accepted.get(part) or await self._create(to, body=part) for part in parts]
        return SendResult(provider_message_id=sids[0])

    async def _outside_window(
        self, message: Outgoing, recipient: Recipient, to: str, body: str
    ) -> SendResult:
        if recipient.has_telegram and Channel.TELEGRAM in self.senders:
            raise SendElsewhere("outside the WhatsApp 24-hour window", Channel.TELEGRAM)
        content_sid = self.templates.get(message.kind) or self.templates.get(DEFAULT_TEMPLATE)
        if content_sid is None:
            raise PermanentSendError(
                f"outside the WhatsApp 24-hour window, no template for kind "
                f"{message.kind!r} and no Telegram to send it to",
                code="window",
            )
        variables = json.dumps({"1": template_variable(body)}, ensure_ascii=False)
        sid = await self._create(to, content_sid=content_sid, content_variables=variables)
        return SendResult(provider_message_id=sid)

    async def _create(self, to: str, **fields: Any) -> str:
        if self.status_callback:
            fields["status_callback"] = self.status_callback
        if self.channel == Channel.SMS:
            fields["smart_encoded"] = True  # curly quotes and the like as GSM-7, not UCS-2
        try:
            created = await self.api.client().messages.create_async(
                to=to, from_=self.from_, **fields
            )
        except TwilioRestException as error:
            raise classify(error) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise TransientSendError(f"twilio not reachable: {error!r}") from error
        assert created.sid is not None
        return created.sid

    async def _accepted(self, to: str, recipient: Recipient) -> dict[str, str]:
        """Bodies Twilio already holds from an earlier attempt of this row, with their SIDs."""
        try:
            recent = await self.api.client().messages.list_async(
                to=to, from_=self.from_, limit=LOOKUP_LIMIT
            )
        except TwilioRestException as error:
            raise classify(error) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise TransientSendError(f"twilio not reachable: {error!r}") from error
        since = (recipient.queued_at or self.clock()) - CLOCK_SKEW
        return {
            m.body: m.sid
            for m in reversed(recent)
            if m.body is not None and m.sid and m.date_created and m.date_created >= since
        }
