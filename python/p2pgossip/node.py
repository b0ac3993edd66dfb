"""Real nodes on real sockets, driven from asyncio.

A :class:`Runtime` owns the native I/O threads (``_core.Runtime``) and one
:class:`~p2pgossip._events.EventPump` on the running loop; any number of :class:`Node`
objects share it (a ``Node`` without ``runtime=`` makes and owns its own). Commands enter
the native queue and return at once; their outcomes, deliveries, validation requests,
connection changes and log records come back in batches through the pump and are
dispatched here, on the loop's thread.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Literal

from . import _core, _log
from ._core import GossipConfig, Identity, Message, NodeLimits, PeerConfig, PeerId, Publisher
from ._events import EventPump

__all__ = [
    "NoPeersError",
    "Node",
    "NodeError",
    "Received",
    "Runtime",
    "Subscription",
    "ValidationResult",
    "Validator",
]

Overflow = Literal["drop_oldest", "drop_newest"]


class NodeError(RuntimeError):
    """A command the runtime refused or failed (the message says why)."""


class NoPeersError(NodeError):
    """``publish(..., require_peers=True)`` with no peer to send to on the topic."""


class ValidationResult(enum.Enum):
    ACCEPT = "accept"
    REJECT = "reject"  # invalid: dropped, and the sender's score is penalised
    IGNORE = "ignore"  # not forwarded, no penalty


Validator = Callable[["Received"], "ValidationResult | Awaitable[ValidationResult]"]


class Received:
    """A message delivered to a subscription (or handed to a validator).

    ``id`` is the message id in hex (as ``publish`` returns it); ``from_peer`` the author,
    ``received_from`` the neighbour it arrived from (None for the node's own publish),
    ``received_at`` the ``time.monotonic()`` of its arrival at the I/O thread.
    """

    __slots__ = ("_message", "_id", "_received_from", "received_at")

    def __init__(self, message: Message, mid: bytes, received_from: bytes, received_at_ns: int):
        self._message = message
        self._id = mid
        self._received_from = received_from
        self.received_at = received_at_ns / 1e9

    @property
    def message(self) -> Message:
        return self._message

    @property
    def data(self) -> bytes:
        return self._message.data or b""

    @property
    def topic(self) -> str:
        return self._message.topic

    @property
    def id(self) -> str:
        return self._id.hex()

    @property
    def from_peer(self) -> PeerId | None:
        f = self._message.from_
        return PeerId.from_bytes(f) if f else None

    @property
    def seqno(self) -> int | None:
        s = self._message.seqno
        return int.from_bytes(s, "big") if s else None

    @property
    def received_from(self) -> PeerId | None:
        return PeerId.from_bytes(self._received_from) if self._received_from else None

    def __repr__(self) -> str:
        return f"Received(topic={self.topic!r}, id={self.id}, {len(self.data)} B)"


class Subscription:
    """Messages of one topic at one node, in arrival order.

    The queue holds at most ``maxsize`` messages; when it is full a new message either
    evicts the oldest (``overflow='drop_oldest'``, the default: a slow reader sees the
    latest traffic) or is itself dropped (``'drop_newest'``). ``dropped`` counts both. The
    network is never slowed down for a slow reader. Iteration ends when the subscription
    or its node is closed.
    """

    def __init__(self, node: Node, topic: str, maxsize: int, overflow: Overflow) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        if overflow not in ("drop_oldest", "drop_newest"):
            raise ValueError("overflow must be 'drop_oldest' or 'drop_newest'")
        self.node = node
        self.topic = topic
        self.maxsize = maxsize
        self.overflow: Overflow = overflow
        self.dropped = 0
        self.delivered = 0
        self._queue: collections.deque[Received] = collections.deque()
        self._drop_reason = f"subscription:{topic}"
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False

    def _put(self, msg: Received) -> None:
        if len(self._queue) >= self.maxsize:
            self.dropped += 1
            self.node._count_app_drop(self._drop_reason)
            if self.overflow == "drop_newest":
                return
            self._queue.popleft()
        self._queue.append(msg)
        self.delivered += 1
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def qsize(self) -> int:
        return len(self._queue)

    def get_nowait(self) -> Received:
        """The next queued message; raises ``asyncio.QueueEmpty`` when there is none."""
        if not self._queue:
            raise asyncio.QueueEmpty
        return self._queue.popleft()

    def get_batch(self, max_items: int | None = None) -> list[Received]:
        """Every queued message (at most ``max_items``) without waiting."""
        q = self._queue
        n = len(q) if max_items is None else min(max_items, len(q))
        return [q.popleft() for _ in range(n)]

    async def get(self) -> Received:
        """Wait for the next message; raises ``StopAsyncIteration`` once closed and empty."""
        while not self._queue:
            if self._closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._queue.popleft()

    def __aiter__(self) -> AsyncIterator[Received]:
        return self

    async def __anext__(self) -> Received:
        if self._queue:
            return self._queue.popleft()
        return await self.get()

    @property
    def closed(self) -> bool:
        return self._closed

    def _end(self) -> None:
        self._closed = True
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    async def close(self) -> None:
        """Stop receiving; queued messages can still be read. Unsubscribes the node from
        the topic when this was its last subscription there."""
        if self._closed:
            return
        self._end()
        await self.node._unsubscribe(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class Runtime:
    """Native I/O threads hosting nodes, bound to the asyncio loop it is started on.

    ``threads`` I/O threads (each node lives on one); ``max_events`` bounds the event queue
    (traffic events past it are dropped and counted in ``dropped_events``). ``close()``
    closes its nodes and joins every thread.
    """

    def __init__(self, threads: int = 1, max_events: int = 1 << 20) -> None:
        self._core = _core.Runtime(
            threads=threads, max_events=max_events, log_level=_log.native_level()
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pump: EventPump | None = None
        self._nodes: dict[int, Node] = {}
        self._requests: dict[int, asyncio.Future[None]] = {}
        self._closed = False

    @property
    def core(self) -> _core.Runtime:
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

    def _request(self, request: int) -> asyncio.Future[None]:
        assert self._loop is not None
        fut: asyncio.Future[None] = self._loop.create_future()
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


class Node:
    """One libp2p node: GossipSub over TCP with Noise and yamux.

    ``listen`` is a multiaddr (or a list), e.g. ``/ip4/127.0.0.1/tcp/0`` (port 0: any free
    port; ``addrs`` then shows the real one). ``identity`` defaults to a fresh key;
    ``config`` is a :class:`GossipConfig`. ``metrics_port`` has the runtime serve the
    Prometheus text exposition on ``http://127.0.0.1:<port>/metrics`` from its I/O thread
    (0: any free port, see ``metrics_url``), so scrapes work whether or not the loop runs.
    ``limits`` (:class:`NodeLimits`) bound connections and queues; ``peers``
    (:class:`PeerConfig`) sets bootstrap peers, liveness pings, reconnect backoff, the
    known-peers file and the private-network key and certificate.
    Use ``async with Node(...) as node`` or ``await node.start()`` and ``await node.close()``.
    """

    def __init__(
        self,
        listen: str | list[str] | None = "/ip4/127.0.0.1/tcp/0",
        *,
        identity: Identity | None = None,
        config: GossipConfig | None = None,
        metrics_port: int | None = None,
        runtime: Runtime | None = None,
        message_id: Literal["xxh3", "from-seqno"] = "xxh3",
        seed: int = 0,
        limits: NodeLimits | None = None,
        peers: PeerConfig | None = None,
        validation_concurrency: int = 64,
    ) -> None:
        self.identity = identity if identity is not None else Identity.generate()
        self.config = config if config is not None else GossipConfig()
        self._publisher = Publisher(
            self.config.signature_policy, message_id, self.config.max_message_size
        )
        self._max_message_size = self.config.max_message_size
        self._data_limits: dict[str, int] = {}
        self._listen = [listen] if isinstance(listen, str) else list(listen or [])
        self._own_runtime = runtime is None
        self._runtime = runtime if runtime is not None else Runtime()
        self._message_id = message_id
        self._seed = seed
        self._limits = limits
        self._peer_config = peers
        self._metrics_port = metrics_port
        self._metrics_endpoint: tuple[int, int] | None = None  # (endpoint id, port)
        self._id: int | None = None
        self._addrs: list[str] = []
        self._peers: dict[bytes, tuple[str, str]] = {}
        # Mesh peers per topic, kept from the router's graft/prune events; waiters are woken
        # on every change.
        self._mesh: dict[str, set[bytes]] = {}
        self._mesh_change: asyncio.Event | None = None
        self._subs: dict[str, list[Subscription]] = {}
        self._validators: dict[str, Validator] = {}
        self._validation_limit = validation_concurrency
        self._validating = 0
        self._validation_backlog: collections.deque[tuple[int, Received]] = collections.deque()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.validator_errors = 0
        # LocalNetwork records every delivery through this, whoever reads the subscriptions.
        self._observer: Callable[[Node, Received], None] | None = None
        self._closed = False
        self._flush_scheduled = False  # publish_nowait's flush is on the loop
        self._peer_id = self.identity.peer_id
        # The runtime's publish_nowait, bound once: publish_nowait is a loop's hot path.
        self._native_publish_nowait = self._runtime._core.publish_nowait

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> Node:
        if self._id is not None:
            return self
        if self._closed:
            raise NodeError("node is closed")
        rt = self._runtime
        rt._start()
        node_id, request = rt._core.add_node(
            self.identity,
            self._listen,
            self.config,
            self._message_id,
            self._seed,
            self._limits,
            self._peer_config,
        )
        self._id = node_id
        rt._nodes[node_id] = self
        await rt._request(request)
        rt._core.count_app_drop(node_id, "validator_error", 0)
        if self._metrics_port is not None:
            self._metrics_endpoint = rt._core.serve_metrics([node_id], port=self._metrics_port)
        return self

    async def close(self) -> None:
        """Close connections, listeners and subscriptions (their iterators end); joins the
        runtime's threads when this node made its own runtime. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for subs in self._subs.values():
            for s in subs:
                s._end()
        self._subs.clear()
        for t in list(self._tasks):
            t.cancel()
        rt = self._runtime
        if self._metrics_endpoint is not None and not rt._closed:
            rt._core.stop_metrics(self._metrics_endpoint[0])
        if self._id is not None and not rt._closed:
            self._flush_publishes()  # what publish_nowait queued is routed before the close
            fut = rt._request(rt._core.close_node(self._id))
            try:
                await fut
            finally:
                rt._nodes.pop(self._id, None)
        if self._own_runtime:
            await rt.close()

    async def __aenter__(self) -> Node:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _node(self) -> int:
        if self._id is None:
            raise NodeError("node not started (use 'async with Node(...)' or 'await start()')")
        if self._closed:
            raise NodeError("node is closed")
        return self._id

    # -- identity and peers --------------------------------------------------------------

    @property
    def peer_id(self) -> PeerId:
        return self._peer_id

    @property
    def addrs(self) -> list[str]:
        """Listening multiaddrs with real ports, each ending in ``/p2p/<peer id>``."""
        return list(self._addrs)

    def peers(self) -> list[PeerId]:
        """Peers with an upgraded connection, in connection order."""
        return [PeerId.from_bytes(p) for p in self._peers]

    def mesh(self, topic: str) -> list[PeerId]:
        """Peers in this node's mesh of ``topic`` now."""
        return [PeerId.from_bytes(p) for p in sorted(self._mesh.get(topic, ()))]

    async def wait_for_mesh(self, topic: str, peers: int = 1, timeout: float = 30.0) -> None:
        """Wait until the mesh of ``topic`` has at least ``peers`` peers (TimeoutError after
        ``timeout`` s). Woken by the router's mesh changes, not by polling."""

        async def grown() -> None:
            while len(self._mesh.get(topic, ())) < peers:
                if self._mesh_change is None:
                    self._mesh_change = asyncio.Event()
                await self._mesh_change.wait()
                self._mesh_change.clear()

        try:
            await asyncio.wait_for(grown(), timeout)
        except asyncio.TimeoutError:
            have = len(self._mesh.get(topic, ()))
            raise TimeoutError(
                f"mesh of {topic!r} has {have} peers after {timeout} s, not {peers}"
            ) from None

    def _mesh_changed(self, topic: str, peer: bytes, joined: bool) -> None:
        members = self._mesh.setdefault(topic, set())
        if joined:
            members.add(peer)
        else:
            members.discard(peer)
        if self._mesh_change is not None:
            self._mesh_change.set()

    async def connect(self, addr: str) -> None:
        """Dial ``addr`` and wait for the upgraded connection. A ``/p2p/<id>`` suffix must
        match the remote's identity, else the connection is refused (NodeError)."""
        rt = self._runtime
        await rt._request(rt._core.connect(self._node(), addr))

    async def disconnect(self, peer: PeerId) -> None:
        rt = self._runtime
        await rt._request(rt._core.disconnect(self._node(), peer))

    # -- publishing ----------------------------------------------------------------------

    async def publish(self, topic: str, data: bytes, *, require_peers: bool = False) -> str:
        """Sign and publish ``data`` on ``topic``; returns the message id (hex).

        When it returns, this node's router has taken the message: it is in the seen cache
        and mcache, delivered to this node's own subscriptions, and queued for the peers the
        router chose (mesh, fanout or flood). It does not mean a peer has received it. Raises
        ValueError for data above the config's ``max_message_size``, NodeError when the
        router refuses the message, NoPeersError with ``require_peers`` when no connected
        peer is in this node's mesh for the topic (subscribed) or connected at all (not).

        Each call waits for a round trip to the I/O thread; to publish fast, use
        :meth:`publish_many` (one round trip per batch) or :meth:`publish_nowait`.
        """
        if require_peers and not self._has_topic_peers(topic):
            raise NoPeersError(f"publish: no peer to send to on topic {topic!r}")
        self._check_sizes(topic, (data,))
        request, ids = self._publish(topic, (data,))
        await self._runtime._request(request)
        return ids[0]

    async def publish_many(self, topic: str, data: Iterable[bytes]) -> list[str]:
        """Sign every item of ``data`` (the GIL released) and publish them in order; returns
        their ids once the router has taken all of them (the guarantee of :meth:`publish`).

        The items are handed to the I/O thread in chunks as they are signed, so the router
        takes one chunk while the next is signed. Sizes are checked before anything is
        signed (ValueError). NodeError names the first refusal (and how many failed); the
        others were published."""
        items = data if isinstance(data, (list, tuple)) else list(data)
        self._check_sizes(topic, items)
        request, ids = self._publish(topic, items, defer=False)
        await self._runtime._request(request)
        return ids

    def publish_nowait(self, topic: str, data: bytes) -> str:
        """Sign ``data`` on this thread (the GIL released) and queue it for the router;
        returns the id at once. Call it on the node's event loop.

        Queued messages reach the router in call order, together: when the loop next runs
        its callbacks, or as soon as 256 are waiting, whichever comes first (the I/O thread
        is woken once per such batch, not once per message; :meth:`publish` and
        :meth:`publish_many` queue the same way). Size and node state are
        checked here (ValueError, NodeError). A later refusal by the router (none expected
        for a message signed here) is not raised: it counts in
        ``p2pgossip_dropped_total{reason="publish_failed"}`` and is logged. Messages
        waiting for the router are bounded; past the bound this raises NodeError rather
        than queueing more."""
        # The hot path of a publishing loop: every check inline, one native call. Data over
        # max_message_size never fits; data just under it may not either once signed, which
        # the native call refuses (re-checked below, so the error is the same ValueError).
        if len(data) > self._max_message_size:
            self._check_sizes(topic, (data,))
        node = self._id
        if node is None or self._closed:
            node = self._node()  # raises, saying why
        try:
            mid: str = self._native_publish_nowait(node, topic, data)
        except ValueError as exc:
            self._check_sizes(topic, (data,))
            raise NodeError(str(exc)) from None
        if not self._flush_scheduled:
            self._schedule_flush()
        return mid

    def _schedule_flush(self) -> None:
        # What this loop iteration queued goes to the I/O thread when the loop runs the
        # flush (or once 256 messages wait): one wakeup.
        self._flush_scheduled = True
        asyncio.get_running_loop().call_soon(self._flush_publishes)

    def _flush_publishes(self) -> None:
        self._flush_scheduled = False
        if self._id is not None and not self._runtime._closed:
            self._runtime._core.flush_publishes(self._id)

    def _check_sizes(self, topic: str, items: Iterable[bytes]) -> None:
        """ValueError for the first item whose message would exceed max_message_size."""
        limit = self._data_limits.get(topic)
        if limit is None:
            fits = self._publisher.max_data_size(topic)
            limit = -1 if fits is None else fits
            if len(self._data_limits) >= 1024:  # topics come from callers: keep it bounded
                self._data_limits.clear()
            self._data_limits[topic] = limit
        for d in items:
            if len(d) > limit:
                self._publisher.check_size(topic, len(d))

    def _publish(
        self, topic: str, items: list[bytes] | tuple[bytes, ...], *, defer: bool = True
    ) -> tuple[int, list[str]]:
        """Signs and queues `items` with one request for all; the last chunk waits for the
        loop's flush when deferred (awaited publishes of one loop iteration share a wakeup
        of the I/O thread), or wakes it at once."""
        node = self._node()
        try:
            published = self._runtime._core.publish_batch(node, topic, items, True, defer)
        except ValueError as exc:
            raise NodeError(str(exc)) from None
        if defer and not self._flush_scheduled:
            self._schedule_flush()
        return published

    def _has_topic_peers(self, topic: str) -> bool:
        if not self._peers:
            return False
        if topic not in self._subs:
            return True
        m = self._runtime._core.metrics(self._node())
        return bool(m and m["mesh_sizes"].get(topic, 0) > 0)

    # -- subscriptions -------------------------------------------------------------------

    def subscribe(
        self, topic: str, *, maxsize: int = 65536, overflow: Overflow = "drop_oldest"
    ) -> Subscription:
        """Subscribe to ``topic``: ``async with node.subscribe(t) as sub: async for m in
        sub``. Several subscriptions to one topic each get every message."""
        node = self._node()
        sub = Subscription(self, topic, maxsize, overflow)
        subs = self._subs.setdefault(topic, [])
        self._runtime._core.count_app_drop(node, sub._drop_reason, 0)
        if not subs:
            rt = self._runtime
            # Outcome errors (none expected) surface through the logger, not the caller.
            fut = rt._request(rt._core.subscribe(node, topic))
            fut.add_done_callback(_log_failure)
        subs.append(sub)
        return sub

    async def _unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.topic)
        if not subs or sub not in subs:
            return
        subs.remove(sub)
        if not subs and not self._closed:
            del self._subs[sub.topic]
            rt = self._runtime
            await rt._request(rt._core.unsubscribe(self._node(), sub.topic))

    def _delivered(self, message: Message, mid: bytes, received_from: bytes, at: int) -> None:
        subs = self._subs.get(message.topic)
        if not subs:
            return
        msg = Received(message, mid, received_from, at)
        if self._observer is not None:
            self._observer(self, msg)
        for s in subs:
            s._put(msg)

    # -- validation ----------------------------------------------------------------------

    def set_validator(self, topic: str, fn: Validator | None) -> None:
        """Validate every message received on ``topic`` before it is delivered or forwarded.

        ``fn(msg)`` returns a ValidationResult (or an awaitable of one). At most
        ``validation_concurrency`` async validations run at once; the rest wait in order.
        A validator that raises (or returns something else) counts in
        ``validator_errors``, is logged, and the message is IGNOREd: dropped without
        penalising the peer that sent it, since the fault is ours. ``None`` removes it.
        """
        node = self._node()
        if fn is None:
            self._validators.pop(topic, None)
        else:
            self._validators[topic] = fn
        self._runtime._core.set_validator(node, topic, fn is not None)

    def _validate(self, token: int, message: Message, mid: bytes, received_from: bytes) -> None:
        msg = Received(message, mid, received_from, time.monotonic_ns())
        if self._validating >= self._validation_limit:
            self._validation_backlog.append((token, msg))
            return
        self._run_validator(token, msg)

    def _run_validator(self, token: int, msg: Received) -> None:
        fn = self._validators.get(msg.topic)
        if fn is None:
            self._answer(token, ValidationResult.ACCEPT)
            return
        try:
            result = fn(msg)
        except Exception as exc:
            self._validator_failed(msg, exc)
            self._answer(token, ValidationResult.IGNORE)
            return
        if inspect.isawaitable(result):
            self._validating += 1
            task = asyncio.ensure_future(self._await_validator(token, msg, result))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        self._answer_checked(token, msg, result)

    async def _await_validator(self, token: int, msg: Received, pending: Awaitable[Any]) -> None:
        try:
            result = await pending
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._validator_failed(msg, exc)
            result = ValidationResult.IGNORE
        finally:
            self._validating -= 1
        self._answer_checked(token, msg, result)
        while self._validation_backlog and self._validating < self._validation_limit:
            self._run_validator(*self._validation_backlog.popleft())

    def _answer_checked(self, token: int, msg: Received, result: Any) -> None:
        if not isinstance(result, ValidationResult):
            self._validator_failed(msg, TypeError(f"validator returned {result!r}"))
            result = ValidationResult.IGNORE
        self._answer(token, result)

    def _answer(self, token: int, result: ValidationResult) -> None:
        if not self._closed and self._id is not None:
            self._runtime._core.validation_result(self._id, token, result.value)

    def _validator_failed(self, msg: Received, exc: BaseException) -> None:
        self.validator_errors += 1
        self._count_app_drop("validator_error")
        _log.logger.error(
            "validator failed on topic %s: %r",
            msg.topic,
            exc,
            exc_info=exc,
            extra={"node": str(self.peer_id), "topic": msg.topic, "reason": "validator_error"},
        )

    # -- scores and metrics --------------------------------------------------------------

    def set_app_score(self, peer: PeerId, value: float) -> None:
        """The application-specific score component (P5) of ``peer``."""
        self._runtime._core.set_app_score(self._node(), peer, float(value))

    def stats(self) -> dict[str, Any]:
        """The node's raw counters (router, protocols, drops, bytes, peers, mesh sizes)."""
        m = self._runtime._core.metrics(self._node())
        if m is None:
            raise NodeError("node is gone")
        return m

    def metrics_snapshot(self) -> list[dict[str, Any]]:
        """The node's metrics as families (see :mod:`p2pgossip.metrics`), named in C++
        (``runtime/metric_families.hpp``) exactly as the ``metrics_port`` endpoint serves
        them."""
        families = self._runtime._core.metric_families(self._node())
        if families is None:
            raise NodeError("node is gone")
        return families

    def metrics_text(self) -> str:
        """The Prometheus text exposition of :meth:`metrics_snapshot`."""
        return _core.metrics_text(self.metrics_snapshot())

    @property
    def metrics_url(self) -> str | None:
        """Where the runtime serves this node's metrics (``metrics_port``), else None."""
        if self._metrics_endpoint is None:
            return None
        return f"http://127.0.0.1:{self._metrics_endpoint[1]}/metrics"

    def _count_app_drop(self, reason: str) -> None:
        if self._id is not None and not self._closed:
            self._runtime._core.count_app_drop(self._id, reason)

    def __repr__(self) -> str:
        return f"Node({self.peer_id}, addrs={self._addrs})"


def _log_failure(fut: asyncio.Future[None]) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        _log.logger.error("%s", fut.exception())
