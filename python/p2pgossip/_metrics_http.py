"""A minimal HTTP endpoint for the Prometheus text exposition, on the asyncio loop.

Scrapes are rare (seconds apart) and small, so serving them from the loop costs nothing
measurable; the exposition itself is written in C++. Only ``GET /metrics`` is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from ._core import METRICS_CONTENT_TYPE

_MAX_REQUEST = 8192  # bytes of request head read before giving up


async def serve_metrics(
    text: Callable[[], str], port: int, host: str = "127.0.0.1"
) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            if len(head) > _MAX_REQUEST:
                raise ValueError("request too large")
            method, path, *_ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            if method != "GET" or path.split("?")[0] != "/metrics":
                status, body, ctype = "404 Not Found", b"only GET /metrics\n", "text/plain"
            else:
                status, body, ctype = "200 OK", text().encode(), METRICS_CONTENT_TYPE
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}"
                "\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            asyncio.TimeoutError,
            ValueError,
            ConnectionError,
        ):
            pass  # a broken or oversized request: close it, keep serving
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    return await asyncio.start_server(handle, host, port, limit=_MAX_REQUEST)
