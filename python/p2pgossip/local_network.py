"""Many real nodes in one process on loopback, wired by a graph: the real stack (TCP, Noise,
yamux, GossipSub) with the simulator's experiment vocabulary and result tables.

``deliveries()`` and ``metrics()`` have the columns of ``Simulation.deliveries()`` and
``Simulation.metrics()``; what a real network cannot observe is -1 (hops) or NaN (CPU time
charged, PX ignored), never a guess. Times are seconds since the network started.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import presets
from ._core.crypto import Identity, PeerId
from ._core.host import Role
from ._core.router import GossipConfig
from ._core.runtime import NodeLimits, PeerConfig
from ._delivery_book import DeliveryBook
from ._extras import needs
from ._results import deliveries_frame, mesh_changes_frame, metrics_frame
from .node import Node, NodeError, Runtime, Subscription

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from .adversary import RoleSpec

__all__ = ["LocalNetwork", "parse_topology"]

_PUBSUB_PREFIXES = ("/meshsub/", "/floodsub/")


def parse_topology(topology: Any, n: int, seed: int) -> nx.Graph:
    """A networkx graph on 0..n-1 from a graph or a name: ``"none"`` (no links),
    ``"full"``, ``"ring"``, ``"random-regular:<d>"``, ``"erdos-renyi:<p>"``,
    ``"barabasi-albert:<m>"``."""
    from . import topology as t

    if hasattr(topology, "nodes") and hasattr(topology, "edges"):
        with needs("analysis"):
            import networkx as nx

        g = nx.convert_node_labels_to_integers(topology, ordering="sorted")
        if g.number_of_nodes() != n:
            raise ValueError(f"topology has {g.number_of_nodes()} nodes, n={n}")
        return g
    name, _, arg = str(topology).partition(":")
    if name == "none":
        return t.empty(n)
    if name == "full":
        return t.full_mesh(n)
    if name == "ring":
        return t.ring(n)
    if name == "random-regular":
        return t.random_regular(int(arg or 8), n, seed)
    if name == "erdos-renyi":
        return t.erdos_renyi(n, float(arg or 0.1), seed)
    if name == "barabasi-albert":
        return t.barabasi_albert(n, int(arg or 3), seed)
    raise ValueError(
        f"unknown topology {topology!r}: a networkx graph, 'none', 'full', 'ring', "
        "'random-regular:<d>', 'erdos-renyi:<p>' or 'barabasi-albert:<m>'"
    )


class LocalNetwork:
    """``n`` real nodes on 127.0.0.1 sharing one runtime, connected along ``topology``.

    ``async with LocalNetwork(50, topology="random-regular:8", seed=1) as net:``. Node i
    dials node j for every edge (i, j) with i < j. Every node delivers into a subscription
    per topic joined with ``subscribe`` (readable at ``net.subscriptions[i][topic]``: the
    latest ``subscription_maxsize`` messages, so an experiment nobody reads message by
    message holds a bounded number of them) and every delivery is recorded for
    ``deliveries()`` and ``wait_delivered()``.

    ``target_outbound`` above 0 lets each node's peer manager dial beyond the topology: the
    peers PRUNEs suggest (peer exchange) and those identify names, while its outbound
    connections are below it (``Simulation`` takes the same argument). Its default is 0 (the
    topology is the network) without ``discovery``, and ``PeerConfig().target_outbound`` with.

    ``discovery`` (``Node``'s: ``["dht"]``, ``["mdns"]``) adds those sources of peers, and
    ``bootstrap`` (a node index) makes every other node know that node alone as its
    bootstrap peer; it starts first, sized to hold a connection from each of them, and
    keeps its port across ``restart``. The issue's DHT experiment is
    ``LocalNetwork(200, topology="none", discovery=["dht"], bootstrap=0)``: the nodes meet
    through the DHT alone. (With nothing dialled beyond what the DHT's queries connect, some
    nodes held the bootstrap node alone, which, past its mesh bound, pruned them: 40 nodes,
    200 messages, two nodes missed 287 deliveries.)

    ``threads`` and ``outbound_queue_bytes`` are the runtime's (``Runtime``): its I/O threads,
    and the memory all the nodes' outbound queues may hold together (docs/memory.md).
    """

    def __init__(
        self,
        n: int,
        topology: Any = "random-regular:8",
        *,
        config: GossipConfig | None = None,
        seed: int = 0,
        threads: int = 1,
        target_outbound: int | None = None,
        subscription_maxsize: int = 1024,
        discovery: Iterable[Literal["mdns", "dht"]] = (),
        bootstrap: int | None = None,
        outbound_queue_bytes: int | None = None,
    ) -> None:
        if n < 1:
            raise ValueError("n must be >= 1")
        if bootstrap is not None and not 0 <= bootstrap < n:
            raise ValueError(f"bootstrap must be a node index below {n}, not {bootstrap}")
        self.n = n
        self.seed = seed
        self.topology = parse_topology(topology, n, seed)
        self.config = config if config is not None else presets.safe()  # as Node()'s
        self._threads = threads
        self._outbound_queue_bytes = outbound_queue_bytes
        self.discovery = list(discovery)
        self.target_outbound = (
            target_outbound
            if target_outbound is not None
            else PeerConfig().target_outbound
            if self.discovery
            else 0
        )
        self.subscription_maxsize = subscription_maxsize
        self.bootstrap = bootstrap
        self._bootstrap_addr: str | None = None  # its multiaddr, once started
        self._runtime: Runtime | None = None
        self.nodes: list[Node] = []
        self._identities = [
            Identity.from_seed(seed.to_bytes(8, "big") + i.to_bytes(24, "big")) for i in range(n)
        ]
        self._index = {ident.peer_id.to_bytes(): i for i, ident in enumerate(self._identities)}
        self._alive = [False] * n
        self._crashes = [0] * n
        self._roles: dict[int, str] = {}  # adversaries' role names (set_role)
        self._topics: dict[str, set[int]] = {}
        self.subscriptions: list[dict[str, Subscription]] = [{} for _ in range(n)]
        # Message ids are kept as bytes (hex only in what is returned).
        self._published: dict[bytes, tuple[str, int, float]] = {}  # id -> topic, node, t
        self._publish_failed = [0] * n
        # Deliveries are booked natively by the runtime and taken in bulk (no Python object
        # per delivery); the book counts what wait_delivered still waits for.
        self._book = DeliveryBook(n, self._index)
        # Bumped whenever what wait_delivered expects changes (a publish, a subscription, a
        # node killed or restarted), so the book recounts its pending pairs only then.
        self._expectations = 0
        self._expected = -1  # the _expectations the book last counted
        self._progress: asyncio.Event | None = None
        self._blocked: dict[int, set[int]] = {}
        # (t, node, topic, peer, joined) for every mesh change, as Simulation.mesh_changes.
        self._mesh_log: list[tuple[float, int, str, int, bool]] = []
        self._redials: list[asyncio.Future[None]] = []
        self._t0 = 0.0
        self._t0_ns = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> LocalNetwork:
        sized = (
            {}
            if self._outbound_queue_bytes is None
            else {"outbound_queue_bytes": self._outbound_queue_bytes}
        )
        self._runtime = Runtime(threads=self._threads, **sized)
        self._runtime._start()
        self._progress = asyncio.Event()
        self._runtime.on_deliveries_logged = self._progress.set
        self._runtime.core.log_deliveries()
        self._t0_ns = time.monotonic_ns()
        self._t0 = self._t0_ns / 1e9
        first: Node | None = None
        if self.bootstrap is not None:  # the others are told its address
            first = await self._make_node(self.bootstrap).start()
            self._bootstrap_addr = first.addrs[0]
        self.nodes = [
            first if i == self.bootstrap and first else self._make_node(i) for i in range(self.n)
        ]
        await asyncio.gather(*(node.start() for node in self.nodes if node is not first))
        for i, node in enumerate(self.nodes):
            self._book.add_node(node._node(), i)
        self._alive = [True] * self.n
        await asyncio.gather(*(self._dial(u, v) for u, v in self._edges()))
        return self

    def _make_node(self, i: int) -> Node:
        # 0: the experiment's topology is the graph, no dials beyond its edges.
        peers = PeerConfig(target_outbound=self.target_outbound)
        limits = None
        listen = "/ip4/127.0.0.1/tcp/0"
        if i == self.bootstrap:
            # Every other node dials it: sized so that none waits for a trim (trim_grace).
            peers.max_inbound = 2 * self.n
            limits = NodeLimits(max_connections=2 * self.n)
            if self._bootstrap_addr is not None:  # a restart: where the others look for it
                listen = self._bootstrap_addr.split("/p2p/")[0]
        elif self._bootstrap_addr is not None:
            peers.bootstrap = [self._bootstrap_addr]
        node = Node(
            listen,
            identity=self._identities[i],
            config=self.config,
            runtime=self._runtime,
            seed=self.seed * 1_000_003 + i,
            limits=limits,
            peers=peers,
            discovery=self.discovery,
            # The experiment's application, as the simulator's: adversaries' invalid payloads
            # are rejected (adversary.Spammer(invalid_payloads=True)).
            reject_marked_invalid=True,
        )
        node.on_mesh_change(
            lambda topic, peer, joined: self._mesh_log.append(
                (time.monotonic() - self._t0, i, topic, self._index.get(peer, -1), joined)
            )
        )
        return node

    def _edges(self) -> list[tuple[int, int]]:
        return sorted((min(u, v), max(u, v)) for u, v in self.topology.edges())

    async def _dial(self, u: int, v: int) -> None:
        if self._alive[u] and self._alive[v]:
            await self.nodes[u].connect(self.nodes[v].addrs[0])

    async def close(self) -> None:
        """Close every node and join the runtime's threads."""
        for redial in self._redials:
            redial.cancel()
        await asyncio.gather(*self._redials, return_exceptions=True)
        self._redials = []
        if self._runtime is not None:
            await self._runtime.close()

    async def __aenter__(self) -> LocalNetwork:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- traffic -------------------------------------------------------------------------

    def _expect_changed(self) -> None:
        # A waiter recounts at once: it may be done, or waiting for fewer rows than it asked.
        self._expectations += 1
        if self._progress is not None:
            self._progress.set()

    def _refresh(self) -> None:
        """Books the deliveries the runtime logged since the last look, and recounts what
        is expected when that changed."""
        if self._runtime is not None:
            self._book.take(self._runtime.core.take_deliveries(), self._t0_ns)
        if self._expected != self._expectations:
            self._expected = self._expectations
            alive = np.array(self._alive, dtype=bool)
            masks: dict[str, np.ndarray] = {}
            for topic, members in self._topics.items():
                m = np.zeros(self.n, dtype=bool)
                m[list(members)] = True
                masks[topic] = m & alive
            none = np.zeros(self.n, dtype=bool)
            codes = np.fromiter(
                (self._book.code(mid) for mid in self._published), np.int64, len(self._published)
            )
            rows = [masks.get(topic, none) for topic, _, _ in self._published.values()]
            self._book.expect(codes, np.array(rows).reshape(len(rows), self.n))

    async def subscribe(
        self, topic: str, nodes: Iterable[int] | None = None, *, timeout: float = 30.0
    ) -> None:
        """Subscribe ``nodes`` (default all) to ``topic`` and wait until each of them with a
        subscribed live neighbour has a mesh for it (a heartbeat or two), so that what is
        published next travels the mesh rather than racing the subscriptions."""
        await self._settle()
        members = self._topics.setdefault(topic, set())
        for i in range(self.n) if nodes is None else nodes:
            if topic not in self.subscriptions[i]:
                self.subscriptions[i][topic] = self._subscribe(self.nodes[i], topic)
            members.add(i)
        self._expect_changed()
        waiting = [
            i
            for i in members
            if self._alive[i]
            and any(j in members and self._alive[j] for j in self.topology.neighbors(i))
        ]
        results = await asyncio.gather(
            *(self.nodes[i].wait_for_mesh(topic, 1, timeout) for i in waiting),
            return_exceptions=True,
        )
        late = [i for i, r in zip(waiting, results, strict=True) if isinstance(r, TimeoutError)]
        if late:
            raise TimeoutError(f"no mesh for {topic!r} after {timeout} s at nodes {late[:20]}")
        for r in results:
            if isinstance(r, BaseException):
                raise r

    def _subscribe(self, node: Node, topic: str) -> Subscription:
        # Kept natively until read: a burst nobody reads costs no Python object per copy.
        return node._subscribe(topic, self.subscription_maxsize, "drop_oldest", native=True)

    async def unsubscribe(self, topic: str, nodes: Iterable[int] | None = None) -> None:
        """``nodes`` (default all) leave ``topic``: their subscriptions close, and their
        routers PRUNE their mesh peers (with peer exchange)."""
        members = self._topics.get(topic, set())
        for i in range(self.n) if nodes is None else nodes:
            sub = self.subscriptions[i].pop(topic, None)
            if sub is not None:
                await sub.close()
            members.discard(i)
        self._expect_changed()

    async def publish(self, i: int, topic: str, data: bytes) -> str:
        """Publish from node ``i``; returns the message id (hex)."""
        await self._settle()
        t = time.monotonic() - self._t0
        try:
            mid = await self.nodes[i].publish(topic, data)
        except NodeError:
            self._publish_failed[i] += 1
            raise
        self._published[key := bytes.fromhex(mid)] = (topic, i, t)
        self._book.code(key)
        self._expect_changed()
        return mid

    def missing(self) -> list[tuple[str, int]]:
        """(message id, node) pairs still undelivered: every published message at every
        live subscriber of its topic."""
        return [(mid.hex(), i) for mid, i in self._missing()]

    def _missing(self) -> list[tuple[bytes, int]]:
        self._refresh()
        order = {mid: k for k, mid in enumerate(self._published)}
        ids = self._book.ids
        return sorted(((ids[c], i) for c, i in self._book.missing()), key=lambda p: order[p[0]])

    async def wait_delivered(self, timeout: float = 30.0) -> None:
        """Wait until every published message reached every live subscriber of its topic;
        TimeoutError listing what is missing otherwise."""
        assert self._progress is not None
        deadline = time.monotonic() + timeout
        # The book counts what is missing as rows arrive: a burst of M messages to N nodes
        # costs O(M*N) once (vectorised), then work per batch of deliveries, not per wake-up.
        while True:
            self._progress.clear()
            self._refresh()
            if not self._book.pending:
                return
            # Woken once as many rows wait as deliveries are missing, not per batch.
            if self._rt().core.notify_deliveries_at(self._book.pending):
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                missing = sorted((mid.hex(), i) for mid, i in self._missing())
                by_msg: dict[str, list[int]] = {}
                for mid, i in missing:
                    by_msg.setdefault(mid, []).append(i)
                lines = [
                    f"  {mid[:16]}… missing at {len(v)} node(s): {v[:20]}"
                    for mid, v in by_msg.items()
                ]
                raise TimeoutError(
                    f"{len(missing)} deliveries missing after {timeout} s "
                    f"({len(by_msg)} of {len(self._published)} messages):\n"
                    + "\n".join(lines[:20])
                    + self._drops_hint()
                )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._progress.wait(), left)

    def _drops_hint(self) -> str:
        """The network's drop counters that are not zero, as a line that may explain a loss
        (a per-peer rate limit set far below the traffic is the usual culprit: what it drops
        is recovered by gossip only while the senders' mcache holds it)."""
        m = self.metrics()
        drops = {c: int(m[c].sum()) for c in m.columns if c.startswith("dropped_")}
        drops = {c: n for c, n in drops.items() if n}
        if not drops:
            return ""
        text = ", ".join(f"{c}={n}" for c, n in sorted(drops.items()))
        hint = (
            " (GossipConfig.rate_limit_messages_per_s / rate_limit_bytes_per_s)"
            if "dropped_rate_limited" in drops
            else ""
        )
        return f"\ndrops on the way: {text}{hint}"

    # -- faults and shaping --------------------------------------------------------------

    def _peer(self, i: int) -> PeerId:
        return self._identities[i].peer_id

    def set_role(self, nodes: int | Iterable[int], role: RoleSpec | None) -> None:
        """Nodes ``nodes`` play ``role`` (a ``p2pgossip.adversary`` role; None: honest) from
        now on, as ``Simulation.set_role`` (a ``Censor`` may name origins by node index)."""
        ids = {j: self._peer(j).to_bytes() for j in range(self.n)}
        core = role.core(ids) if role is not None else Role()
        for i in [nodes] if isinstance(nodes, int) else list(nodes):
            self.nodes[i]._runtime._core.set_role(self.nodes[i]._node(), core)
            self.nodes[i].adversary = role
            if role is None:
                self._roles.pop(i, None)
            else:
                self._roles[i] = role.name

    def partition(self, groups: Iterable[Iterable[int]]) -> None:
        """Split the network: nodes in different groups refuse each other's connections
        (those up are closed) until ``heal()``. Nodes in no group form one more group."""
        self.heal()
        group_of = [-1] * self.n
        for g, members in enumerate(groups):
            for i in members:
                group_of[i] = g
        self._rt()
        for i in range(self.n):
            others = {j for j in range(self.n) if group_of[j] != group_of[i]}
            self._blocked[i] = others
            if self._alive[i] and others:
                self.nodes[i].block(self._peer(j) for j in others)

    def heal(self) -> None:
        """End a partition; the nodes redial the graph's edges cut by it."""
        self._rt()
        cut = self._blocked
        self._blocked = {}
        for i, others in cut.items():
            if self._alive[i] and others:
                self.nodes[i].unblock(self._peer(j) for j in others)
        self._redials += [
            asyncio.ensure_future(self._dial_quietly(u, v))
            for u, v in self._edges()
            if v in cut.get(u, ())
        ]

    async def _settle(self) -> None:
        """Wait for the redials ``heal()`` started, so that what follows a heal sees the
        healed network instead of racing its reconnection."""
        if self._redials:  # the common case costs no future (publish's hot path)
            redials, self._redials = self._redials, []
            await asyncio.gather(*redials)

    async def _dial_quietly(self, u: int, v: int) -> None:
        # A failed redial shows up as missing deliveries in wait_delivered.
        with contextlib.suppress(NodeError):
            await self._dial(u, v)

    async def kill(self, i: int) -> None:
        """Stop node ``i`` (its connections drop); ``restart(i)`` brings it back."""
        if not self._alive[i]:
            return
        self._alive[i] = False
        self._expect_changed()
        self._crashes[i] += 1
        self.subscriptions[i] = {}
        await self.nodes[i].close()

    async def restart(self, i: int) -> None:
        """Start node ``i`` again with the same identity, redial its neighbours and rejoin
        its topics."""
        if self._alive[i]:
            return
        node = self._make_node(i)
        await node.start()
        self._book.add_node(node._node(), i)
        self.nodes[i] = node
        self._alive[i] = True
        self._expect_changed()
        for topic, members in self._topics.items():
            if i in members:
                self.subscriptions[i][topic] = self._subscribe(node, topic)
        await asyncio.gather(
            *(self._dial(i, j) for j in self.topology.neighbors(i) if self._alive[j]),
            return_exceptions=True,
        )

    def set_link(self, u: int, v: int, *, latency: float = 0.0, loss: float = 0.0) -> None:
        """Add ``latency`` seconds and a ``loss`` probability to both directions of u-v."""
        self._rt()
        for a, b in ((u, v), (v, u)):
            if self._alive[a]:
                self.nodes[a].set_link(self._peer(b), latency=latency, loss=loss)

    @property
    def runtime(self) -> Runtime:
        """The runtime hosting the nodes (for more nodes of one's own beside them)."""
        return self._rt()

    def _rt(self) -> Runtime:
        if self._runtime is None:
            raise NodeError("network not started")
        return self._runtime

    # -- results -------------------------------------------------------------------------

    def score_breakdown(self, i: int, j: int) -> dict[str, Any] | None:
        """Node ``i``'s score of node ``j``, term by term (``Node.score_breakdown``)."""
        return self.nodes[i].score_breakdown(self._peer(j))

    def deliveries(self) -> pd.DataFrame:
        """One row per delivery: msg_id, node, role, t_publish, t_deliver (s since start), hops
        (-1: a real network does not carry hop counts) and from_peer (-1 at the
        publisher)."""
        self._refresh()
        ids = self._book.ids
        msg, node, t, sender = self._book.columns()
        return deliveries_frame(
            [m.hex() for m in ids],
            msg,
            node,
            np.array([self._published[m][2] if m in self._published else np.nan for m in ids]),
            t,
            np.full(len(msg), -1),
            sender,
            self._roles,
        )

    def mesh_changes(self) -> pd.DataFrame:
        """One row per mesh change, in order: t (s since start), node, topic, peer, joined;
        the columns of ``Simulation.mesh_changes()``."""
        log = self._mesh_log
        topics = sorted({r[2] for r in log})
        code = {t: k for k, t in enumerate(topics)}
        return mesh_changes_frame(
            np.array([r[0] for r in log]),
            np.array([r[1] for r in log]),
            topics,
            np.array([code[r[2]] for r in log]),
            np.array([r[3] for r in log]),
            np.array([r[4] for r in log]),
        )

    def metrics(self) -> pd.DataFrame:
        """One row per node (index: node) with the simulator's metrics columns."""
        stats = [self.nodes[i].stats() if self._alive[i] else None for i in range(self.n)]
        topics = sorted(self._topics)
        cols: dict[str, list[Any]] = {}

        def put(name: str, values: list[Any]) -> None:
            cols[name] = values

        def pubsub(s: dict[str, Any] | None, key: str) -> int:
            if s is None:
                return 0
            return sum(v[key] for p, v in s["protocols"].items() if p.startswith(_PUBSUB_PREFIXES))

        def drop(s: dict[str, Any] | None, *reasons: str) -> int:
            return 0 if s is None else sum(s["drops"].get(r, 0) for r in reasons)

        put("rpcs_out", [pubsub(s, "messages_out") for s in stats])
        put("bytes_out", [pubsub(s, "bytes_out") for s in stats])
        put("rpcs_in", [pubsub(s, "messages_in") for s in stats])
        put("bytes_in", [pubsub(s, "bytes_in") for s in stats])
        put("dropped_loss", [drop(s, "link_loss") for s in stats])
        put(
            "dropped_queue_full",
            [drop(s, "outbound_queue_full", "node_outbound_budget") for s in stats],
        )
        put("dropped_link_down", [drop(s, "blocked") for s in stats])
        put("dropped_wire_decode", [drop(s, "rpc_decode", "rpc_too_large") for s in stats])
        put("publish_failed", list(self._publish_failed))
        put("disconnects", [0 if s is None else s["connections_closed"] for s in stats])
        put("px_ignored", [np.nan] * self.n)
        put("idontwant_cancelled", [drop(s, "idontwant_cancelled") for s in stats])
        put("echo_cancelled", [drop(s, "echo_cancelled") for s in stats])
        put("idontwant_shed", [drop(s, "idontwant_shed") for s in stats])
        put(
            "peer_dials",
            [0 if s is None else s["peer_manager"]["candidate_dials"] for s in stats],
        )
        put("crashes", list(self._crashes))
        router_keys = next((list(s["router"]) for s in stats if s is not None), [])
        for k in router_keys:
            put(k, [0 if s is None else s["router"][k] for s in stats])
        put("cpu_busy_s", [np.nan] * self.n)
        put("alive", list(self._alive))
        for t in topics:
            put(f"mesh_size:{t}", [0 if s is None else s["mesh_sizes"].get(t, 0) for s in stats])
        return metrics_frame(cols, self._roles)

    def graph(self) -> nx.Graph:
        """Connections now up, as a graph on node indices. (Mesh sizes per node are in
        ``metrics()``; the runtime does not report mesh membership per peer yet.)"""
        with needs("analysis"):
            import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        for i, node in enumerate(self.nodes):
            if not self._alive[i]:
                continue
            for p in node.peers():
                j = self._index.get(p.to_bytes())
                if j is not None:
                    g.add_edge(i, j)
        return g

    def drops(self) -> pd.DataFrame:
        """One row per node (index: node): its host's drops, a column per reason, as
        ``Simulation.drops()`` has them (zeros for a node that is down)."""
        stats = [self.nodes[i].stats() if self._alive[i] else None for i in range(self.n)]
        reasons = next((list(s["drops"]) for s in stats if s is not None), [])
        cols = {r: [0 if s is None else s["drops"][r] for s in stats] for r in reasons}
        return metrics_frame(cols, self._roles)

    def metrics_snapshot(self) -> list[dict[str, Any]]:
        """Every live node's metric families (for ``p2pgossip.metrics.Collector``)."""
        out: list[dict[str, Any]] = []
        for i, node in enumerate(self.nodes):
            if self._alive[i]:
                out.extend(node.metrics_snapshot())
        return out
