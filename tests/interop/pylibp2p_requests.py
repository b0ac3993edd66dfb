"""py-libp2p's request_response module as a service of pylibp2p_node.py (--serve PROTOCOL);
runs in the py-libp2p venv. Bytes pass through its BytesCodec, so what is on the wire is
py-libp2p's framing alone: one stream per exchange, a varint length-prefixed request, a
varint length-prefixed response.

Served protocols answer a request with its bytes reversed, except a request of b"fail",
whose handler raises (py-libp2p then resets the stream); each request is reported as
  {"event": "request", "peer_id", "protocol", "data"}
Command:
  {"request": "<peer id>", "protocol": P, "data": "<hex>"}
      -> {"event": "response", "data": "<hex>", "error": null} or
         {"event": "response", "data": null, "error": "<exception class>", "message"}
      (the message names the exception's cause: py-libp2p's stream error)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import trio
from libp2p.abc import IHost
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.request_response import (
    BytesCodec,
    RequestContext,
    RequestResponse,
    RequestResponseConfig,
    RequestResponseError,
)

Emit = Callable[..., None]
# Room for the tests' largest payloads both ways.
CONFIG = RequestResponseConfig(timeout=30.0, max_request_size=4 << 20, max_response_size=4 << 20)


class RequestService:
    def __init__(self, host: IHost, emit: Emit, protocols: list[str]) -> None:
        self.emit = emit
        self.rr = RequestResponse(host)
        for protocol in protocols:
            self.rr.set_handler(TProtocol(protocol), self.answer, BytesCodec(), CONFIG)

    async def answer(self, request: bytes, ctx: RequestContext) -> bytes:
        self.emit(
            event="request",
            peer_id=ctx.peer_id.to_base58(),
            protocol=str(ctx.protocol_id),
            data=request.hex(),
        )
        if request == b"fail":
            raise ValueError("asked to fail")
        return request[::-1]

    def start(self, cmd: dict[str, Any], nursery: trio.Nursery) -> bool:
        if "request" not in cmd:
            return False
        nursery.start_soon(self.request, cmd)
        return True

    async def request(self, cmd: dict[str, Any]) -> None:
        peer = ID.from_base58(cmd["request"])
        try:
            response = await self.rr.send_request(
                peer, [TProtocol(cmd["protocol"])], bytes.fromhex(cmd["data"]), BytesCodec(), CONFIG
            )
        except RequestResponseError as e:
            message = f"{e}; cause: {e.__cause__!r}"
            self.emit(event="response", data=None, error=type(e).__name__, message=message)
            return
        self.emit(event="response", data=response.hex(), error=None)
