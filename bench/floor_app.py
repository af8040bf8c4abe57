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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn
from fastapi import FastAPI, HTTPException, Request, Response
from sqlalchemy import Engine, insert, text
from twilio.request_validator import RequestValidator

from storage.db import create_db_engine
from storage.models import InboundMessage, OutboxMessage

PATH = "/webhooks/twilio"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
INBOUND = InboundMessage.__table__
OUTBOX = OutboxMessage.__table__


def store(engine: Engine, sid: str, sender: str, body: str) -> None:
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
        connection.execute(
            insert(OUTBOX).values(
                channel=channel or "sms",
                address=number,
                kind="reply",
                payload={"text": f"diterima: {body[:40]}", "options": []},
                idempotency_key=f"floor:{sid}",
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


def create_app(database_url: str, auth_token: str, public_base_url: str) -> FastAPI:
    engine = create_db_engine(database_url)
    validator = RequestValidator(auth_token)
    signed_url = public_base_url.rstrip("/") + PATH
    app = FastAPI(title="pkh-bot floor")

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
        await asyncio.to_thread(store, engine, sid, sender, params.get("Body", ""))
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
