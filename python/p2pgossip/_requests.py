"""Request/response for a :class:`~p2pgossip.node.Node`: the handlers it serves, the errors
of its requests.

An exchange runs on a yamux stream of its own, negotiated under the application's protocol
id, with one unsigned-varint length-prefixed request and one response (the wire format of
libp2p request-response; the C++ connection machine, ``host/requests.cpp``, does it). A
handler is ``async def handler(peer: PeerId, request: bytes) -> bytes`` (a plain function
returning bytes works too); an exception or a handler that outlives the node's
``NodeLimits.request_timeout`` resets the stream, which the requester sees as
:class:`StreamResetError`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import _log
from ._core.crypto import PeerId
from ._runtime import NodeError

if TYPE_CHECKING:
    from ._runtime import Runtime

Handler = Callable[[PeerId, bytes], Awaitable[bytes] | bytes]

# The node's own protocols: a handler may not take them over.
RESERVED_PREFIXES = ("/meshsub/", "/floodsub/", "/ipfs/ping/", "/ipfs/id/")
MAX_PROTOCOL_LENGTH = 256


class RequestError(NodeError):
    """A request got no response; ``kind`` names why (the subclasses' kinds)."""

    kind = "request_failed"

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind


class UnsupportedProtocolError(RequestError):
    kind = "unsupported_protocol"


class RequestTimeoutError(RequestError, TimeoutError):
    kind = "timeout"


class ResponseTooLargeError(RequestError):
    kind = "response_too_large"


class StreamResetError(RequestError):
    """The remote reset the exchange: its handler failed or refused, it was busy, or it
    closed the stream without answering."""

    kind = "reset"


class NotConnectedError(RequestError):
    kind = "not_connected"


_ERRORS: dict[str, type[RequestError]] = {
    cls.kind: cls
    for cls in (
        UnsupportedProtocolError,
        RequestTimeoutError,
        ResponseTooLargeError,
        StreamResetError,
        NotConnectedError,
    )
}


def request_error(kind: str, peer: PeerId, protocol: str) -> RequestError:
    cls = _ERRORS.get(kind, RequestError)
    return cls(f"request {protocol!r} to {peer}: {kind.replace('_', ' ')}", kind)


def check_protocol(protocol: str) -> None:
    if not isinstance(protocol, str) or not protocol.startswith("/"):
        raise ValueError(f"protocol must be a string starting with '/', not {protocol!r}")
    if len(protocol.encode()) > MAX_PROTOCOL_LENGTH or "\n" in protocol:
        raise ValueError(f"protocol {protocol[:40]!r}...: at most {MAX_PROTOCOL_LENGTH} bytes")
    if protocol.startswith(RESERVED_PREFIXES):
        raise ValueError(f"protocol {protocol!r} is one the node speaks itself")


class Handlers:
    """One node's handlers and the tasks answering its requests."""

    def __init__(self, runtime: Runtime, timeout: float) -> None:
        self._runtime = runtime
        self._timeout = timeout
        self._handlers: dict[str, Handler] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.errors = 0  # handlers that raised or timed out

    def protocols(self) -> list[str]:
        return list(self._handlers)

    def set(self, node: int | None, protocol: str, handler: Handler | None) -> None:
        check_protocol(protocol)
        if handler is None:
            self._handlers.pop(protocol, None)
        else:
            self._handlers[protocol] = handler
        if node is not None:
            self._runtime._core.serve(node, protocol, handler is not None)

    def received(self, node: int, token: int, peer: bytes, protocol: str, data: bytes) -> None:
        handler = self._handlers.get(protocol)
        if handler is None:  # removed while the request was on its way
            self._runtime._core.respond(node, token, None)
            return
        task = asyncio.ensure_future(self._answer(node, token, handler, peer, protocol, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(
        self, node: int, token: int, handler: Handler, peer: bytes, protocol: str, data: bytes
    ) -> None:
        response: bytes | None = None
        try:
            result = handler(PeerId.from_bytes(peer), data)
            if inspect.isawaitable(result):
                result = await asyncio.wait_for(result, self._timeout)
            if not isinstance(result, (bytes, bytearray, memoryview)):
                raise TypeError(f"handler returned {type(result).__name__}, not bytes")
            response = bytes(result)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the requester sees a reset; the log says why
            self.errors += 1
            _log.logger.warning("request handler for %r failed: %r", protocol, exc)
        if not self._runtime._closed:
            self._runtime._core.respond(node, token, response)

    def cancel(self) -> None:
        for t in list(self._tasks):
            t.cancel()
