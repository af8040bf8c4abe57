"""A minimal HTTP/1.1 client for the webhook load generator: one keep-alive connection, requests
written from bytes prepared before the clock starts, answers read by their Content-Length.

httpx cost the generator about 4 ms of CPU a request, most of a core at the floor's rate on a
2-core machine: the floor then measured the generator more than the server. This does only
what a webhook post needs, at a fraction of that."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def prepared_post(base_url: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """The whole request as bytes: request line, headers (Host and Content-Length added), body."""
    host = urlsplit(base_url).netloc
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    """One keep-alive connection to `base_url`, for one request at a time."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> Answer:
        """Send one prepared request. A connection the server closed while it was idle (its
        keep-alive timeout) is opened again and the request sent on the new one: the server
        answered nothing on the old one, so it never read the request."""
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            assert self._reader is not None
            self._writer.write(request)
            try:
                status_line = await self._reader.readline()
            except ConnectionResetError:
                status_line = b""
            if status_line:
                return await self._answer(status_line)
            await self.close()
            if attempt == 2:
                raise ConnectionError(f"{self.host}:{self.port} closed the connection twice")
        raise AssertionError("unreachable")

    async def _answer(self, status_line: bytes) -> Answer:
        assert self._reader is not None
        status = int(status_line.split(b" ", 2)[1])
        length, close = 0, False
        while (line := await self._reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self._reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return Answer(status, body)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
