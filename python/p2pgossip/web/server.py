"""Serving the live view with uvicorn inside the caller's asyncio loop (uvicorn and
starlette are imported by ``serve``, not by importing this module)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

from .view import NetworkView

__all__ = ["MISSING_MESSAGE", "WebServer", "serve"]

MISSING_MESSAGE = "the live view needs the web extra: pip install 'p2pgossip[web]'"


class WebServer:
    def __init__(
        self,
        server: Any,
        task: asyncio.Task[None],
        feeder: asyncio.Task[None],
        port: int,
        host: str,
    ) -> None:
        self._server = server
        self._task = task
        self._feeder = feeder
        self.port = port
        self.host = host

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    async def close(self) -> None:
        self._feeder.cancel()  # ends every open stream (the view sends None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._feeder
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def serve(view: NetworkView, port: int, host: str = "127.0.0.1") -> WebServer:
    """Serve ``view`` on ``host:port`` (0: any free port) until ``close()``.

    Raises ImportError (naming the extra) without starlette or uvicorn, OSError when the
    port cannot be bound: the socket is bound here, so the caller can say why."""
    try:
        import uvicorn

        from .app import create_app
    except ImportError as exc:
        raise ImportError(f"{MISSING_MESSAGE} ({exc})") from None

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    config = uvicorn.Config(
        create_app(view),
        log_level=logging.WARNING,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = _server_class()(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    feeder = asyncio.create_task(view.run())
    # Wait until uvicorn is accepting, so the URL printed next already works.
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if task.done():
        task.result()  # raises what stopped it
    return WebServer(server, task, feeder, sock.getsockname()[1], host)


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        # The command owns SIGINT/SIGTERM (it closes the node first), not uvicorn.
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

        def install_signal_handlers(self) -> None:
            pass

    return Server
