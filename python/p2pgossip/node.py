"""Real nodes on real sockets, driven from asyncio.

A :class:`Node` lives on a :class:`~p2pgossip._runtime.Runtime` (its I/O threads); a ``Node``
without ``runtime=`` makes and owns its own. What its application reads is in
:mod:`p2pgossip.subscription`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from . import _core, presets
from ._core.crypto import Identity, PeerId
from ._core.host import Message, Publisher, Role
from ._core.router import GossipConfig
from ._core.runtime import NodeLimits, PeerConfig
from ._requests import Handler, Handlers, RequestError, check_protocol, request_error
from ._results import Ban
from ._runtime import NodeError, NoPeersError, Runtime, _log_failure
from ._validation import Validation
from .dht import Dht
from .subscription import Overflow, Received, Subscription, ValidationResult, Validator

if TYPE_CHECKING:
    from .adversary import RoleSpec

__all__ = [
    "NoPeersError",
    "Node",
    "NodeError",
    "Received",
    "RequestError",
    "Runtime",
    "Subscription",
    "ValidationResult",
    "Validator",
]


class Node:
    """One libp2p node: GossipSub over TCP with Noise and yamux.

    ``listen`` is a multiaddr (or a list), e.g. ``/ip4/127.0.0.1/tcp/0`` (port 0: any free
    port; ``addrs`` then shows the real one). ``identity`` defaults to a fresh key;
    ``config`` is a :class:`GossipConfig`, by default ``presets.safe()`` (invalid messages
    and protocol misbehaviour penalised, graylisted peers disconnected; pass
    ``GossipConfig()`` for the spec's neutral scoring). ``metrics_port`` has the runtime serve the
    Prometheus text exposition on ``http://127.0.0.1:<port>/metrics`` from its I/O thread
    (0: any free port, see ``metrics_url``), so scrapes work whether or not the loop runs.
    ``limits`` (:class:`NodeLimits`) bound connections and queues; ``peers``
    (:class:`PeerConfig`) sets bootstrap peers, liveness pings, reconnect backoff, the
    known-peers file and the private-network key and certificate.
    ``reject_marked_invalid`` makes it reject payloads an adversary role marks invalid
    (``adversary.Spammer(invalid_payloads=True)``), as the simulator's application does: for
    experiments with honest nodes beside an adversary (``LocalNetwork`` turns it on).
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
        discovery: Iterable[Literal["mdns", "dht"]] = (),
        adversary: RoleSpec | None = None,
        reject_marked_invalid: bool = False,
    ) -> None:
        self.adversary = adversary  # a p2pgossip.adversary role, played from start()
        self._reject_marked_invalid = reject_marked_invalid
        self.identity = identity if identity is not None else Identity.generate()
        # Real nodes score by default (presets.safe): docs/scoring.md says why.
        self.config = config if config is not None else presets.safe()
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
        discovery = list(discovery)
        if unknown := [d for d in discovery if d not in ("mdns", "dht")]:
            raise ValueError(f"unknown discovery {unknown[0]!r}: 'mdns' and 'dht' are there")
        if discovery:
            # mDNS: peers on the LAN become dial candidates (PeerConfig.mdns_* tune it). DHT:
            # the node serves /ipfs/kad/1.0.0 and walks it for peers while under target.
            self._peer_config = (peers if peers is not None else PeerConfig()).copy()
            self._peer_config.mdns = "mdns" in discovery
            self._peer_config.dht = "dht" in discovery
        self._metrics_port = metrics_port
        self._metrics_endpoint: tuple[int, int] | None = None  # (endpoint id, port)
        self._id: int | None = None
        self._addrs: list[str] = []
        self._peers: dict[bytes, tuple[str, str]] = {}
        # Mesh peers per topic, kept from the router's graft/prune events; waiters are woken
        # on every change.
        self._mesh: dict[str, set[bytes]] = {}
        self._mesh_change: asyncio.Event | None = None
        self._mesh_listeners: list[Callable[[str, bytes, bool], None]] = []
        self._subs: dict[str, list[Subscription]] = {}
        self._mailboxes: dict[int, Subscription] = {}  # native-kept subscriptions by token
        self._validation = Validation(self, validation_concurrency)
        # on_delivery listeners: see every delivery, whoever reads the subscriptions.
        self._listeners: list[Callable[[Received], None]] = []
        self._closed = False
        self._flush_scheduled = False  # publish_nowait's flush is on the loop
        self._peer_id = self.identity.peer_id
        self._handlers = Handlers(self._runtime, (limits or NodeLimits()).request_timeout)
        self.dht = Dht(self)  # Kademlia operations, with discovery=["dht"]
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
            self._reject_marked_invalid,
        )
        self._id = node_id
        rt._nodes[node_id] = self
        if self.dht._validators:
            self.dht._tell(rt._core, node_id)
        for protocol in self._handlers.protocols():
            rt._core.serve(node_id, protocol, True)
        # Deliveries reach Python only for topics read message by message (subscribe,
        # on_delivery): a burst nobody reads costs no interpreter work per copy.
        rt._core.set_delivery_events(node_id, None, bool(self._listeners))
        await rt._request(request)
        rt._core.count_app_drop(node_id, "validator_error", 0)
        if self.adversary is not None:
            self.set_role(self.adversary)
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
        self._validation.cancel()
        self._handlers.cancel()
        self.dht._cancel()
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

    def set_role(self, role: RoleSpec | None) -> None:
        """Play ``role`` (a ``p2pgossip.adversary`` role; None: honest) from now on: the same
        host behaviours a ``Simulation`` runs, on real sockets."""
        self.adversary = role
        core = role.core() if role is not None else Role()
        self._runtime._core.set_role(self._node(), core)

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
        for listen in self._mesh_listeners:
            listen(topic, peer, joined)

    def on_mesh_change(self, callback: Callable[[str, bytes, bool], None]) -> Callable[[], None]:
        """Call ``callback(topic, peer_id_bytes, joined)`` for every change of this node's
        meshes, as the router makes it. Runs on the event loop. Returns a remover."""
        self._mesh_listeners.append(callback)
        return lambda: self._mesh_listeners.remove(callback)

    async def connect(self, addr: str) -> None:
        """Dial ``addr`` and wait for the upgraded connection. A ``/p2p/<id>`` suffix must
        match the remote's identity, else the connection is refused (NodeError)."""
        rt = self._runtime
        await rt._request(rt._core.connect(self._node(), addr))

    async def disconnect(self, peer: PeerId) -> None:
        rt = self._runtime
        await rt._request(rt._core.disconnect(self._node(), peer))

    # -- request/response ----------------------------------------------------------------

    def set_handler(self, protocol: str, handler: Handler | None) -> None:
        """Answer requests of ``protocol`` (e.g. ``/myapp/blocks/1.0.0``) with
        ``await handler(peer, request) -> bytes`` from now on (None: stop; the protocol is
        then refused as unsupported). A handler that raises, returns something other than
        bytes or outlives ``NodeLimits.request_timeout`` resets the exchange. At most
        ``NodeLimits.max_inbound_requests`` requests wait for handlers; more are refused."""
        self._handlers.set(self._id if not self._closed else None, protocol, handler)

    async def request(
        self,
        peer: PeerId,
        protocol: str,
        data: bytes,
        *,
        timeout: float = 10.0,
        max_response_size: int = 1 << 20,
    ) -> bytes:
        """Send ``data`` to a connected ``peer`` under ``protocol`` and return its response.

        Raises a :class:`RequestError` subclass: ``UnsupportedProtocolError`` (the peer
        serves no handler for it), ``RequestTimeoutError`` (no whole response within
        ``timeout`` s; also a ``TimeoutError``), ``ResponseTooLargeError`` (above
        ``max_response_size`` bytes, refused before it is read), ``StreamResetError`` (its
        handler failed or it was busy), ``NotConnectedError``; ``RequestError`` with kind
        ``connection_closed`` when the connection closed first."""
        check_protocol(protocol)
        if max_response_size < 0:
            raise ValueError("max_response_size must be >= 0")
        rt = self._runtime
        request = rt._core.request(
            self._node(), peer, protocol, bytes(data), timeout, max_response_size
        )
        response, error = await rt._request(request)
        if error is not None:
            raise request_error(error, peer, protocol)
        return response

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
        return self._subscribe(topic, maxsize, overflow)

    def _subscribe(
        self, topic: str, maxsize: int, overflow: Overflow, *, native: bool = False
    ) -> Subscription:
        """``native``: the messages wait in a native mailbox until read (LocalNetwork's
        subscriptions, which an experiment may never read), not as Python objects."""
        node = self._node()
        core = self._runtime._core
        mailbox = None
        if native:
            Subscription.check(maxsize, overflow)
            mailbox = core.open_mailbox(node, topic, maxsize, overflow == "drop_newest")
        sub = Subscription(self, topic, maxsize, overflow, mailbox)
        if mailbox is not None:
            self._mailboxes[mailbox.token] = sub
        elif not self._reads(topic):
            core.set_delivery_events(node, topic, True)
        subs = self._subs.setdefault(topic, [])
        core.count_app_drop(node, sub._drop_reason, 0)
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
        if not self._closed:
            self._stop_reading(sub)
        if not subs and not self._closed:
            del self._subs[sub.topic]
            rt = self._runtime
            await rt._request(rt._core.unsubscribe(self._node(), sub.topic))

    def _reads(self, topic: str) -> bool:
        """Whether a subscription of ``topic`` takes deliveries as Python events."""
        return any(s._mailbox is None for s in self._subs.get(topic, ()))

    def _stop_reading(self, sub: Subscription) -> None:
        core, node = self._runtime._core, self._node()
        if sub._mailbox is not None:
            self._mailboxes.pop(sub._mailbox.token, None)
            core.close_mailbox(node, sub._mailbox)
        elif not self._reads(sub.topic):
            core.set_delivery_events(node, sub.topic, False)

    def _mailbox_ready(self, token: int) -> None:
        sub = self._mailboxes.get(token)
        if sub is not None:
            sub._wake()

    def _delivered(self, message: Message, mid: bytes, received_from: bytes, at: int) -> None:
        subs = self._subs.get(message.topic)
        if not subs:
            return
        msg = Received(message, mid, received_from, at)
        for listen in self._listeners:
            listen(msg)
        for s in subs:
            if s._mailbox is None:
                s._put(msg)

    # -- validation ----------------------------------------------------------------------

    def set_validator(self, topic: str, fn: Validator | None) -> None:
        """Validate every message received on ``topic`` before it is delivered or forwarded.

        ``fn(msg)`` returns a ValidationResult (or an awaitable of one). At most
        ``validation_concurrency`` async validations run at once; the rest wait in order, up
        to ``NodeLimits.max_pending_validations``: near it the node stops reading from its
        peers until the validators catch up, so a slow validator slows the senders instead
        of losing messages.
        A validator that raises (or returns something else) counts in
        ``validator_errors``, is logged, and the message is IGNOREd: dropped without
        penalising the peer that sent it, since the fault is ours. ``None`` removes it.
        """
        node = self._node()
        self._validation.set(topic, fn)
        self._runtime._core.set_validator(node, topic, fn is not None)

    def _validate(self, token: int, message: Message, mid: bytes, received_from: bytes) -> None:
        self._validation.received(token, Received(message, mid, received_from, time.monotonic_ns()))

    @property
    def validator_errors(self) -> int:
        """Validators that raised or returned something other than a ValidationResult."""
        return self._validation.errors

    # -- scores and metrics --------------------------------------------------------------

    def set_app_score(self, peer: PeerId, value: float) -> None:
        """The application-specific score component (P5) of ``peer``."""
        self._runtime._core.set_app_score(self._node(), peer, float(value))

    def on_delivery(self, callback: Callable[[Received], None]) -> Callable[[], None]:
        """Call ``callback(msg)`` for every message delivered to this node on a subscribed
        topic, before the subscriptions get it and whether or not they are read (an
        experiment's record). Runs on the event loop; it must not block. Returns a function
        that removes it."""
        self._listeners.append(callback)
        self._listen_to_all()

        def remove() -> None:
            self._listeners.remove(callback)
            self._listen_to_all()

        return remove

    def _listen_to_all(self) -> None:
        """Deliveries of every topic as Python events while a listener wants them."""
        if self._id is not None and not self._closed:
            self._runtime._core.set_delivery_events(self._id, None, bool(self._listeners))

    # -- faults (experiments) ------------------------------------------------------------

    def block(self, peers: Iterable[PeerId]) -> None:
        """Refuse connections with ``peers`` in either direction until :meth:`unblock`; those
        up are closed. Each refusal counts as drop ``blocked``. Partitions are built on this."""
        self._runtime._core.block(self._node(), list(peers))

    def unblock(self, peers: Iterable[PeerId]) -> None:
        self._runtime._core.unblock(self._node(), list(peers))

    def ban(self, target: PeerId | str, duration: float | None = None, reason: str = "") -> None:
        """Ban a peer (a :class:`PeerId` or its base58 text) or an IP address (text) for
        ``duration`` seconds (None: until :meth:`unban`): its connections are closed and new
        ones refused at accept and at dial, each counted under ``peer_manager.bans`` in
        :meth:`metrics`. Bans are kept beside ``PeerConfig.known_peers_file``, when set, and
        outlive a restart. ValueError for a target that is neither."""
        if duration is not None and not duration > 0:
            raise ValueError(f"duration must be positive seconds or None, not {duration!r}")
        self._runtime._core.ban(self._node(), target, duration, reason)

    def unban(self, target: PeerId | str) -> None:
        self._runtime._core.unban(self._node(), target)

    def bans(self) -> list[Ban]:
        """The bans in force, the automatic ones (``PeerConfig.ban_graylisted_for``,
        ``ban_invalid_messages``) included."""
        return [Ban(*b) for b in self._runtime._core.bans(self._node()) or []]

    def set_link(self, peer: PeerId, *, latency: float = 0.0, loss: float = 0.0) -> None:
        """Shape what this node sends ``peer`` (kept across reconnections): ``latency``
        seconds added to each RPC, and a ``loss`` probability of dropping it (counted as
        ``link_loss``). Zeros remove the shaping."""
        self._runtime._core.set_link(self._node(), peer, latency, loss)

    def score_breakdown(self, peer: PeerId) -> dict[str, Any] | None:
        """This node's GossipSub v1.1 score of a connected ``peer``, term by term: per topic
        the weighted P1, P2, P3, P3b, P4 and their topic-weighted total, then
        ``topics_total`` (capped), P5, P6, P7 and ``total`` (the score). None when the peer
        is not connected. All zeros unless ``GossipConfig.score`` sets weights."""
        return self._runtime._core.score_breakdown(self._node(), peer.to_bytes())

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
        return _core.metrics.text(self.metrics_snapshot())

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
