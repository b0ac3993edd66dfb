"""The ASGI app of the live view: the page, its static files, and the event stream.

The stream is server-sent events (``GET /events``): one direction is all the page needs,
and EventSource reconnects by itself. ``GET /snapshot`` returns the current snapshot.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .view import NetworkView

__all__ = ["STATIC", "create_app"]

STATIC = Path(__file__).with_name("static")
KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing an idle stream


def create_app(view: NetworkView) -> Starlette:
    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def snapshot(request: Request) -> Response:
        return JSONResponse(view.snapshot())

    async def events(request: Request) -> Response:
        return StreamingResponse(
            _stream(view),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return Starlette(
        routes=[
            Route("/", index),
            Route("/snapshot", snapshot),
            Route("/events", events),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )


async def _stream(view: NetworkView) -> AsyncIterator[str]:
    import asyncio

    q = view.subscribe()
    try:
        while True:
            try:
                msg: dict[str, Any] | None = await asyncio.wait_for(q.get(), KEEPALIVE_S)
            except asyncio.TimeoutError:
                yield ": keepalive\n\n"
                continue
            if msg is None:
                return
            yield f"event: {msg['type']}\ndata: {json.dumps(msg, separators=(',', ':'))}\n\n"
    finally:
        view.unsubscribe(q)
