"""A small asyncio HTTP/1.1 client with keep-alive: the load generator needs nothing else.

It speaks just enough HTTP for a JSON API behind gunicorn: Content-Length and chunked bodies,
keep-alive when the server allows it, and a reconnect when the server closes between requests.
"""

import asyncio
import contextlib
import json as jsonlib
from dataclasses import dataclass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return jsonlib.loads(self.body)


class Connection:
    """One client's connection to the server, reopened whenever the server closes it."""

    def __init__(self, host: str, port: int, *, timeout: float = 60.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connects = 0

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.connects += 1

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        json: object | None = None,
    ) -> Response:
        body = b"" if json is None else jsonlib.dumps(json).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: */*"]
        if json is not None:
            lines += ["Content-Type: application/json"]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        reused = self.writer is not None
        if not reused:
            await self._open()
        try:
            return await asyncio.wait_for(self._exchange(raw), self.timeout)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            # A kept-alive connection the server had already closed: nothing was read, so the
            # request never reached a worker. Send it once more on a fresh connection.
            if reused and isinstance(exc, asyncio.IncompleteReadError) and not exc.partial:
                await self._open()
                return await asyncio.wait_for(self._exchange(raw), self.timeout)
            raise
        except BaseException:
            await self.close()
            raise

    async def _exchange(self, raw: bytes) -> Response:
        self.writer.write(raw)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        version, status = status_line.decode("latin-1").split(" ", 2)[:2]
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked()
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close" or version == "HTTP/1.0":
            await self.close()
        return Response(int(status), headers, body)

    async def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await self.reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
