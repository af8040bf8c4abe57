"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the Telegram adapter.

It speaks the Bot API's HTTP shape (`POST /bot<token>/<method>`, form or JSON parameters,
`{"ok": ..., "result": ...}` answers, error codes and `parameters.retry_after`), records every
call, lets a test queue updates for long polling, and scripts failures (blocked users, 429s).
Only the methods the adapter uses are implemented; any other method answers 404 (and is
recorded), so a test notices when the adapter starts calling something new.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Json = dict[str, Any]
STRUCTURED = {"reply_markup", "commands", "allowed_updates", "scope", "link_preview_options"}
INTEGERS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections"}


@dataclass(frozen=True)
class TgUser:
    """A Telegram user in a private chat with the bot (the chat id is the user id)."""

    id: int
    first_name: str
    phone: str = ""

    def as_user(self) -> Json:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name}

    def as_chat(self) -> Json:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class Call:
    method: str
    params: Json


@dataclass
class Failure:
    method: str
    error_code: int
    description: str
    chat_id: int | None
    retry_after: int | None
    times: int


@dataclass
class FakeBotAPI:
    token: str = "123456:TEST-token"
    bot_id: int = 123456
    username: str = "pkh_test_bot"
    calls: list[Call] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    commands: list[Json] = field(default_factory=list)
    webhook: Json = field(default_factory=dict)
    port: int = 0

    def __post_init__(self) -> None:
        self._updates: list[Json] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(9001)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], Json] = {}
        self._bot_messages: dict[int, list[tuple[int, int]]] = {}
        self._failures: list[Failure] = []
        self._new_update = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[Json], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._true,
            "setMyCommands": self._set_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
        }

    # -- server ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """As TELEGRAM_API_BASE_URL: PTB appends the token itself."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing = True
        async with self._new_update:
            self._new_update.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params))
        failure = self._take_failure(method, params)
        if failure is not None:
            return failure
        handler = self._methods.get(method)
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except _ApiError as exc:
            return _error(exc.code, exc.description)
        return web.json_response({"ok": True, "result": result})

    # -- scripting -------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        chat_id: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with an error."""
        self._failures.append(Failure(method, error_code, description, chat_id, retry_after, times))

    def _take_failure(self, method: str, params: Json) -> web.Response | None:
        if method == "sendMessage" and params.get("chat_id") in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        for failure in self._failures:
            if failure.method != method or failure.times <= 0:
                continue
            if failure.chat_id is not None and failure.chat_id != params.get("chat_id"):
                continue
            failure.times -= 1
            extra = {"retry_after": failure.retry_after} if failure.retry_after else None
            return _error(failure.error_code, failure.description, extra)
        return None

    # -- updates a test sends as a user ----------------------------------------------------
    async def queue_update(self, update: Json) -> Json:
        """Make an update available to getUpdates (and wake a waiting long poll)."""
        update = self.numbered(update)
        async with self._new_update:
            self._updates.append(update)
            self._new_update.notify_all()
        return update

    def numbered(self, update: Json) -> Json:
        """The update with the next update_id (as Telegram numbers them, for both modes)."""
        return {"update_id": next(self._update_ids), **update}

    def text_update(self, user: TgUser, text: str) -> Json:
        message = self._user_message(user, text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"message": message}

    def contact_update(self, user: TgUser, phone: str, owner_id: int | None = None) -> Json:
        """`owner_id` is whose contact it is (default: the sender's own)."""
        contact = {
            "phone_number": phone,
            "first_name": user.first_name,
            "user_id": user.id if owner_id is None else owner_id,
        }
        return {"message": self._user_message(user, contact=contact)}

    def press_update(self, user: TgUser, message: Json, label: str) -> Json:
        """Press the button `label` on a bot message, as it looks now (it must still be there)."""
        current = self._messages[(message["chat"]["id"], message["message_id"])]
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        button = next((b for row in rows for b in row if b["text"] == label), None)
        if button is None:
            raise AssertionError(f"no button {label!r} on message {current['message_id']}")
        return self.callback_update(user, current, button["callback_data"])

    def callback_update(self, user: TgUser, message: Json, data: str) -> Json:
        query = {
            "id": str(next(self._query_ids)),
            "from": user.as_user(),
            "message": copy.deepcopy(message),
            "chat_instance": f"ci{user.id}",
            "data": data,
        }
        return {"callback_query": query}

    def _user_message(self, user: TgUser, **content: Any) -> Json:
        message = {
            "message_id": self._next_message_id(user.id),
            "from": user.as_user(),
            "chat": user.as_chat(),
            "date": int(time.time()),
            **content,
        }
        self._messages[(user.id, message["message_id"])] = message
        return message

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    # -- reading what the bot did ----------------------------------------------------------
    def calls_to(self, method: str, **match: Any) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and all(c.params.get(k) == v for k, v in match.items())
        ]

    def bot_messages(self, chat_id: int) -> list[Json]:
        """Messages the bot sent to this chat, oldest first, as they look now."""
        return [self._messages[key] for key in self._bot_messages.get(chat_id, [])]

    # -- methods ---------------------------------------------------------------------------
    async def _true(self, _params: Json) -> bool:
        return True

    async def _get_me(self, _params: Json) -> Json:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "PKH Bot",
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: Json) -> list[Json]:
        offset = params.get("offset") or 0
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = params.get("timeout") or 0
        async with self._new_update:
            if not self._updates and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
        return list(self._updates[: params.get("limit") or 100])

    async def _send_message(self, params: Json) -> Json:
        chat_id = params["chat_id"]
        text = params.get("text", "")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        message: Json = {
            "message_id": self._next_message_id(chat_id),
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "PKH Bot"},
            "chat": {"id": chat_id, "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes inline keyboards only
        self._messages[(chat_id, message["message_id"])] = message
        self._bot_messages.setdefault(chat_id, []).append((chat_id, message["message_id"]))
        return message

    def _stored(self, params: Json) -> Json:
        message = self._messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _edit_message_text(self, params: Json) -> Json:
        message = self._stored(params)
        message["text"] = params["text"]
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _edit_message_reply_markup(self, params: Json) -> Json:
        message = self._stored(params)
        markup = params.get("reply_markup")
        if message.get("reply_markup") == markup or (not markup and "reply_markup" not in message):
            raise _ApiError(400, "Bad Request: message is not modified")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _set_my_commands(self, params: Json) -> bool:
        self.commands = list(params["commands"])
        return True

    async def _set_webhook(self, params: Json) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    async def _delete_webhook(self, _params: Json) -> bool:
        self.webhook = {}
        return True


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _error(code: int, description: str, parameters: Json | None = None) -> web.Response:
    body: Json = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


async def _params(request: web.Request) -> Json:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    params: Json = {}
    for key, value in form.items():
        if not isinstance(value, str):
            continue  # file uploads: not used by the adapter
        if key in STRUCTURED:
            params[key] = json.loads(value)
        elif key in INTEGERS:
            params[key] = int(value)
        else:
            params[key] = value
    return params
