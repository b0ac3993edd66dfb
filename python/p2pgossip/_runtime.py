"""The native I/O threads that host real nodes, bound to an asyncio loop.

A :class:`Runtime` owns the native I/O threads (``_core.runtime.Runtime``) and one
:class:`~p2pgossip._events.EventPump` on the running loop; any number of nodes share it.
Commands enter the native queue and return at once; their outcomes, deliveries, validation
requests, connection and mesh changes and log records come back in batches through the pump
and are dispatched here, on the loop's thread, to the node they belong to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _core, _log
from ._events import EventPump

if TYPE_CHECKING:
    from .node import Node


class NodeError(RuntimeError):
    """A command the runtime refused or failed (the message says why)."""


class NoPeersError(NodeError):
    """``publish(..., require_peers=True)`` with no peer to send to on the topic."""


class Runtime:
    """Native I/O threads hosting nodes, bound to the asyncio loop it is started on.

    ``threads`` I/O threads (each node lives on one); ``max_events`` bounds the event queue
    (traffic events past it are dropped and counted in ``dropped_events``).
    ``outbound_queue_bytes`` bounds the memory of the RPCs queued across all its nodes (each
    also within its ``NodeLimits.node_outbound_queue_bytes``; a message queued for several
    peers counts once per node). ``close()`` closes its nodes and joins every thread.
    """

    def __init__(
        self, threads: int = 1, max_events: int = 1 << 20, outbound_queue_bytes: int = 256 << 20
    ) -> None:
        self._core = _core.runtime.Runtime(
            threads=threads,
            max_events=max_events,
            log_level=_log.native_level(),
            outbound_queue_bytes=outbound_queue_bytes,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pump: EventPump | None = None
        self._nodes: dict[int, Node] = {}
        self._requests: dict[int, asyncio.Future[Any]] = {}
        self._closed = False
        # Called when the native delivery log (``core.log_deliveries()``) has new rows.
        self.on_deliveries_logged: Callable[[], None] | None = None

    @property
    def core(self) -> _core.runtime.Runtime:
        return self._core

    @property
    def dropped_events(self) -> int:
        return self._core.dropped_events

    def _start(self) -> None:
        if self._closed:
            raise NodeError("runtime is closed")
        if self._pump is not None:
            if self._loop is not asyncio.get_running_loop():
                raise NodeError("a Runtime serves the event loop it was started on")
            return
        self._loop = asyncio.get_running_loop()
        self._pump = EventPump(self._loop, self._core.fd, self._core.drain, self._dispatch)
        self._core.start()

    def _request(self, request: int) -> asyncio.Future[Any]:
        assert self._loop is not None
        fut: asyncio.Future[Any] = self._loop.create_future()
        self._requests[request] = fut
        return fut

    def _dispatch(self, batch: Any) -> None:
        nodes = self._nodes
        for ev in batch:
            kind = ev[0]
            if kind == "delivered":
                node = nodes.get(ev[1])
                if node is not None:
                    node._delivered(ev[2], ev[3], ev[4], ev[5])
            elif kind == "done":
                fut = self._requests.pop(ev[1], None)
                if fut is not None and not fut.done():
                    if ev[2] is None:
                        fut.set_result(None)
                    else:
                        fut.set_exception(NodeError(ev[2]))
            elif kind == "response":
                fut = self._requests.pop(ev[1], None)
                if fut is not None and not fut.done():
                    fut.set_result((ev[2], ev[3]))  # (data, None) or (None, error kind)
            elif kind == "lookup":
                fut = self._requests.pop(ev[1], None)
                if fut is not None and not fut.done():
                    fut.set_result(ev[2:])  # (peers, hops, value, providers, stored, error)
            elif kind == "request":
                node = nodes.get(ev[1])
                if node is not None:
                    node._handlers.received(ev[1], ev[2], ev[3], ev[4], ev[5])
                else:
                    self._core.respond(ev[1], ev[2], None)
            elif kind == "record_select":
                node = nodes.get(ev[1])
                if node is not None:
                    node.dht._select(ev[2], ev[3], ev[4])
                else:
                    self._core.dht_selected(ev[1], ev[2], len(ev[4]))
            elif kind == "record_check":
                node = nodes.get(ev[1])
                if node is not None:
                    node.dht._check(ev[2], ev[3], ev[4])
                else:
                    self._core.dht_checked(ev[1], ev[2], False)
            elif kind == "validate":
                node = nodes.get(ev[1])
                if node is not None:
                    node._validate(ev[2], ev[3], ev[4], ev[5])
                else:
                    self._core.validation_result(ev[1], ev[2], "ignore")
            elif kind == "peer_connected":
                node = nodes.get(ev[1])
                if node is not None:
                    node._peers[ev[2]] = (ev[3], ev[4])
            elif kind == "peer_disconnected":
                node = nodes.get(ev[1])
                if node is not None:
                    node._peers.pop(ev[2], None)
            elif kind == "mesh":
                node = nodes.get(ev[1])
                if node is not None:
                    node._mesh_changed(ev[2], ev[3], ev[4])
            elif kind == "listening":
                node = nodes.get(ev[1])
                if node is not None:
                    node._addrs = list(ev[2])
            elif kind == "ready":
                node = nodes.get(ev[1])
                if node is not None:
                    node._mailbox_ready(ev[2])
            elif kind == "logged":
                if self.on_deliveries_logged is not None:
                    self.on_deliveries_logged()
            elif kind == "log":
                node = nodes.get(ev[2])
                _log.emit(ev[1], node.peer_id if node is not None else ev[2], ev[3], ev[4].items())

    async def close(self) -> None:
        """Close every node, stop and join the I/O threads. Idempotent."""
        if self._closed:
            return
        for node in list(self._nodes.values()):
            await node.close()
        self._shutdown()

    def _shutdown(self) -> None:
        self._closed = True
        if self._pump is not None:
            self._pump.close()
            self._pump = None
        self._core.close()
        for fut in self._requests.values():
            if not fut.done():
                fut.set_exception(NodeError("runtime closed"))
        self._requests.clear()

    async def __aenter__(self) -> Runtime:
        self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _log_failure(fut: asyncio.Future[None]) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        _log.logger.error("%s", fut.exception())
