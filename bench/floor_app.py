"""The floor for the webhook load benchmark: the same web stack as `pkh-bot run` (FastAPI,
uvicorn, twilio's RequestValidator, SQLAlchemy on the same engine settings) doing only the work
no inbound WhatsApp message can skip:

- read the form and check `X-Twilio-Signature` against PUBLIC_BASE_URL + path (403 if bad);
- in one transaction (SQLAlchemy Core, in a worker thread as the bot does), INSERT one row into
  the real `inbound_messages` table and one `pending` row into the real `outbox`; commit;
- answer an empty TwiML `<Response />` with 200.

No sender lookup, no dialog, no dispatcher. Started by `bench/webhook_load.py` on a freshly
migrated database, with the same environment variables as the bot:

    DATABASE_URL=… TWILIO_AUTH_TOKEN=… PUBLIC_BASE_URL=http://127.0.0.1:PORT \\
        .venv/bin/python bench/floor_app.py --port PORT

With TWILIO_API_BASE_URL, TWILIO_ACCOUNT_SID and TWILIO_WHATSAPP_NUMBER set as well, it is the
floor of a bot that answers ("floor+send"): after the commit each reply is sent the least a
reply can cost, one POST to the Messages API on one kept-alive connection pool, and the rows
sent meanwhile are marked `sent` in one UPDATE. Still no dialog, no claim, no recipient lookup.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import uvicorn
from fastapi import FastAPI, HTTPException, Request, Response
from sqlalchemy import Engine, insert, text, update
from twilio.request_validator import RequestValidator

from storage.db import create_db_engine
from storage.models import InboundMessage, OutboxMessage

PATH = "/webhooks/twilio"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
INBOUND = InboundMessage.__table__
OUTBOX = OutboxMessage.__table__


def store(engine: Engine, sid: str, sender: str, body: str) -> int:
    """The two rows, committed; returns the outbox row's id."""
    channel, _, number = sender.rpartition(":")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(INBOUND).values(
                channel=channel or "sms",
                provider_message_id=sid,
                address=number,
                kind="text",
                attachments={},
                received_at=now,
            )
        )
        return connection.execute(
            insert(OUTBOX)
            .values(
                channel=channel or "sms",
                address=number,
                kind="reply",
                payload={"text": reply_text(body), "options": []},
                idempotency_key=f"floor:{sid}",
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .returning(OUTBOX.c.id)
        ).scalar_one()


def reply_text(body: str) -> str:
    return f"diterima: {body[:40]}"


def mark_sent(engine: Engine, ids: list[int]) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(ids))
            .values(status="sent", sent_at=datetime.now(UTC))
        )


class Replies:
    """Sends each stored reply to Twilio's Messages API and marks the rows sent meanwhile
    together (see the module's docstring)."""

    def __init__(self, engine: Engine, api_base: str, account_sid: str, auth_token: str) -> None:
        self.engine = engine
        self.url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        token = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self.headers = {
            "Authorization": f"Basic {token}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self.from_ = f"whatsapp:{os.environ['TWILIO_WHATSAPP_NUMBER']}"
        self.http: aiohttp.ClientSession | None = None
        self.sent: list[int] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.marking: asyncio.Task[None] | None = None

    def queue(self, outbox_id: int, to: str, body: str) -> None:
        task = asyncio.get_running_loop().create_task(self._send(outbox_id, to, body))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _send(self, outbox_id: int, to: str, body: str) -> None:
        if self.http is None:
            self.http = aiohttp.ClientSession()
        form = urlencode({"To": to, "From": self.from_, "Body": reply_text(body)})
        async with self.http.post(self.url, data=form, headers=self.headers) as answer:
            answer.raise_for_status()
            await answer.read()
        self.sent.append(outbox_id)
        if self.marking is None:
            self.marking = asyncio.get_running_loop().create_task(self._mark())

    async def _mark(self) -> None:
        while self.sent:
            ids, self.sent = self.sent, []
            await asyncio.to_thread(mark_sent, self.engine, ids)
        self.marking = None

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()


def create_app(database_url: str, auth_token: str, public_base_url: str) -> FastAPI:
    engine = create_db_engine(database_url)
    validator = RequestValidator(auth_token)
    signed_url = public_base_url.rstrip("/") + PATH
    api_base, account_sid = (
        os.environ.get("TWILIO_API_BASE_URL"),
        os.environ.get("TWILIO_ACCOUNT_SID"),
    )
    replies = (
        Replies(engine, api_base, account_sid, auth_token) if api_base and account_sid else None
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if replies is not None:
            await replies.close()

    app = FastAPI(title="pkh-bot floor", lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.post(PATH)
    async def inbound(request: Request) -> Response:
        signature = request.headers.get("X-Twilio-Signature")
        form = await request.form()
        params = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        if not signature or not validator.validate(signed_url, params, signature):
            raise HTTPException(403, "bad signature")
        sid, sender = params.get("MessageSid"), params.get("From")
        if not sid or not sender:
            raise HTTPException(400, "From and MessageSid are required")
        body = params.get("Body", "")
        outbox_id = await asyncio.to_thread(store, engine, sid, sender, body)
        if replies is not None:
            replies.queue(outbox_id, sender, body)
        return Response(EMPTY_TWIML, media_type="text/xml")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(
        os.environ["DATABASE_URL"], os.environ["TWILIO_AUTH_TOKEN"], os.environ["PUBLIC_BASE_URL"]
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
