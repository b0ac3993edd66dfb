"""A deterministic network simulator: thousands of GossipSub routers in virtual time.

The event loop, links and routers are C++ (``p2pgossip._core.sim.SimulationCore``); this module
maps node labels, converts seconds, and builds the result tables from whole numpy columns.
pandas, networkx and tqdm are imported only by the methods that need them.

Links carry the decoded RPC by reference and charge its exact encoded size (the pubsub
protobuf plus the varint length prefix), so byte counts are real without encoding every
hop; ``wire_fidelity=True`` encodes and decodes every RPC on every hop instead (slower, and
it catches codec asymmetries).
"""

from __future__ import annotations

import ipaddress
import math
import os
import time
import warnings
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core
from ._churn import churn_schedule
from ._core.host import Role
from ._core.sim import CpuCost, Latency
from ._extras import needs
from ._huge_pages import advice as _huge_page_advice
from ._log import logger as _logger
from ._results import HONEST, Ban, deliveries_frame, mesh_changes_frame, metrics_frame
from ._sim_requests import RequestCommands, SimRequests
from ._subscribers import SubscriptionLog

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from .adversary import RoleSpec

__all__ = ["CpuCost", "Latency", "Simulation"]

# A link's send queue bound when none is given: 4 MiB waiting to be serialised.
DEFAULT_QUEUE_LIMIT_BYTES = 4 << 20
# By default a thread gets at least this many nodes: every window is a pause for every
# thread, which a smaller shard's work per window does not repay.
NODES_PER_THREAD = 1000


def _ns(seconds: float) -> int:
    if not math.isfinite(seconds):
        raise ValueError(f"time must be finite, got {seconds}")
    return round(seconds * 1e9)


class Simulation(RequestCommands):
    """A simulated network of routers, one per node of a graph.

    ``graph_or_edges`` is a networkx graph (nodes are relabelled 0..n-1 in sorted order;
    every method takes the original labels, result tables report the indices, and
    ``labels[i]`` maps an index back) or an iterable of ``(u, v)`` integer pairs on nodes
    ``0..n-1`` (``nodes=`` gives n when some nodes have no edge).

    Every link gets ``latency`` (a ``Latency``; default constant 0), ``bandwidth`` in
    bytes/s (None: unlimited), ``loss`` (probability an RPC is lost) and a send queue of
    ``queue_limit_bytes``; ``set_link`` changes one link. ``cost`` (a ``CpuCost``) charges
    virtual CPU time for verification, signing and handling messages. ``topics`` are
    subscribed by every node at time 0.

    ``target_outbound`` above 0 turns on peer exchange, as ``LocalNetwork``'s does: each node
    has the runtime's peer manager, the graph's edges are connections it dialled or accepted
    within its limits, and a node dials the peers PRUNEs suggest (signed records of virtual
    addresses) while its outbound connections are below ``target_outbound``, over links
    made on demand with the default link parameters. Dials and pings complete at once.

    ``full_stack=True`` runs every link as a byte stream between two of the runtime's
    connection machines (multistream-select, Noise XX, yamux, the pubsub stream's framing)
    fed by the runtime's per-peer outbox (control first, forwards merged, IDONTWANT
    cancels), for studies where bytes on the wire matter: slower, same protocol decisions.
    Its links deliver reliably and in order, as TCP (``loss`` must be 0); not with
    ``target_outbound`` yet.

    Which end of a link dialled (GossipSub's ``D_out`` counts a node's outbound peers) is a
    coin per link under ``seed``, unless the graph's edge has a ``dialer`` attribute naming
    one of its ends (``topology.sybil_attack`` gives its sybils' links one: sybils dial).

    ``threads`` (default: every core, ``os.cpu_count()``, but no more than one per
    ``NODES_PER_THREAD`` nodes) runs the simulation on that many threads, each with a shard
    of the nodes (``partition``: ``"contiguous"`` blocks or
    ``"round_robin"``), in windows of virtual time no longer than the smallest latency a
    link can draw (``Latency.minimum_ns``). A latency that may be 0, ``target_outbound``,
    ``full_stack`` and ``wire_fidelity`` run on one thread (``self.threads`` says how many
    it runs on). Results do not depend on either: the same arguments and calls with the same
    ``seed`` give the same ``trace_digest()`` and the same result tables, on any number of
    threads and any partitioning.
    """

    def __init__(
        self,
        graph_or_edges: Any,
        *,
        seed: int = 0,
        config: Any = None,
        latency: Latency | None = None,
        bandwidth: float | None = None,
        loss: float = 0.0,
        queue_limit_bytes: int = DEFAULT_QUEUE_LIMIT_BYTES,
        cost: CpuCost | None = None,
        verify_cache: bool = True,
        wire_fidelity: bool = False,
        record_mesh: bool = False,
        message_id: str = "xxh3",
        target_outbound: int = 0,
        full_stack: bool = False,
        topics: Iterable[str] = (),
        nodes: int | None = None,
        threads: int | None = None,
        partition: str = "contiguous",
    ) -> None:
        self.labels, edges, dialled = _index_graph(graph_or_edges, nodes)
        self._index = {label: i for i, label in enumerate(self.labels)}
        self._latency = latency if latency is not None else Latency.constant(0.0)
        self._bandwidth = float(bandwidth or 0.0)
        self._loss = float(loss)
        self._queue_limit = int(queue_limit_bytes)
        # The routers' configuration (a copy: changing it later changes nothing).
        self.config = (config if config is not None else _core.router.GossipConfig()).copy()
        self._core = _core.sim.SimulationCore(
            len(self.labels),
            edges,
            self.config,
            self._latency,
            self._bandwidth,
            self._loss,
            self._queue_limit,
            cost,
            verify_cache,
            wire_fidelity,
            record_mesh,
            message_id,
            target_outbound,
            full_stack,
            seed,
            threads=max(1, threads if threads is not None else _default_threads(len(self.labels))),
            partition=partition,
            dialled=dialled,
        )
        if threads is not None and threads > 1 and self._core.threads == 1:
            warnings.warn(
                "Simulation runs on one thread: a link latency may be 0, or target_outbound, "
                "full_stack or wire_fidelity is on",
                stacklevel=2,
            )
        if hint := _huge_page_advice(len(self.labels)):
            _logger.info(hint)
        self.seed = seed
        self._dht: _core.sim.DhtSimulation | None = None  # built by dht_lookups
        self._dht_key: tuple[int, int, float, float] | None = None
        self._roles: dict[int, str] = {}  # adversaries' role names; the rest are honest
        self._subscriptions = SubscriptionLog()  # for summary(): who expects which message
        self._full_stack = full_stack
        self._requests: SimRequests | None = None  # made by the first handler or request
        for topic in topics:
            self.subscribe(topic=topic)

    # -- time and nodes ------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Virtual time in seconds."""
        return self._core.now_ns / 1e9

    @property
    def size(self) -> int:
        return len(self.labels)

    @property
    def threads(self) -> int:
        """The threads (shards of nodes) the simulation runs on."""
        return self._core.threads

    def index(self, node: Hashable) -> int:
        """The 0..n-1 index of a node label."""
        try:
            return self._index[node]
        except KeyError:
            raise KeyError(f"no node {node!r} in the simulation") from None

    def _at(self, at_s: float | None) -> int:
        return self._core.now_ns if at_s is None else _ns(at_s)

    def _nodes(self, node: Hashable | Iterable[Hashable] | None) -> list[int]:
        if node is None:
            return list(range(self.size))
        if isinstance(node, Hashable) and node in self._index:
            return [self._index[node]]
        if isinstance(node, Iterable) and not isinstance(node, (str, bytes)):
            return [self.index(v) for v in node]
        return [self.index(node)]

    # -- inputs --------------------------------------------------------------------------

    def subscribe(self, node: Any = None, topic: str = "", at_s: float | None = None) -> None:
        """Subscribe ``node`` (a label, an iterable of labels, or None for all) to ``topic``."""
        at = self._at(at_s)
        nodes = self._nodes(node)
        for v in nodes:
            self._core.subscribe(v, topic, at)
        self._subscriptions.add(at, topic, nodes, True)

    def unsubscribe(self, node: Any = None, topic: str = "", at_s: float | None = None) -> None:
        at = self._at(at_s)
        nodes = self._nodes(node)
        for v in nodes:
            self._core.unsubscribe(v, topic, at)
        self._subscriptions.add(at, topic, nodes, False)

    def publish(self, node: Hashable, topic: str, data: bytes, at_s: float | None = None) -> str:
        """Publish ``data`` from ``node`` now or at virtual time ``at_s``; returns the message
        id (hex). The message is built and signed at once, so its id is known before it is
        published. Default ids hash topic and data: publishing identical data twice on one
        topic is refused (use distinct data, or ``message_id='from-seqno'``)."""
        return self._core.publish(self.index(node), topic, bytes(data), self._at(at_s)).hex()

    def inject(
        self,
        to: Hashable,
        via: Hashable,
        topic: str,
        data: bytes,
        *,
        author: Hashable | None = None,
        forge_signature: bool = True,
        at_s: float | None = None,
    ) -> str:
        """An RPC carrying one message, arriving at ``to`` as if from its neighbour ``via``.

        The message is signed by ``author`` (default ``via``); with ``forge_signature`` one
        bit of its signature is flipped, so a correct router never delivers or forwards it.
        Returns the message id (hex). Raises ValueError if ``via`` has no link to ``to``
        (a router ignores what does not come from one of its peers).
        """
        a = self.index(via if author is None else author)
        mid = self._core.inject(
            self.index(to), self.index(via), a, topic, bytes(data), forge_signature, self._at(at_s)
        )
        return mid.hex()

    def set_role(self, node: Any, role: RoleSpec | None, at_s: float | None = None) -> None:
        """From now (or virtual time ``at_s``) ``node`` (a label, an iterable of labels, or
        None for all) plays ``role``, a ``p2pgossip.adversary`` role (None: honest again).
        Its ``start`` counts from then. Result tables mark it in their ``role`` column, and
        ``summary()`` leaves it out."""
        nodes = self._nodes(node)
        # A Censor names its origins by node label, as every other argument here does.
        ids = {v: self._core.peer_id(i) for v, i in self._index.items()}
        core = role.core(ids) if role is not None else Role()
        at = self._at(at_s)
        for v in nodes:
            self._core.set_role(v, core, at)
            if role is None:
                self._roles.pop(v, None)
            else:
                self._roles[v] = role.name

    def ban(
        self,
        node: Hashable,
        target: Hashable,
        duration_s: float | None = None,
        reason: str = "",
        at_s: float | None = None,
    ) -> None:
        """At ``at_s`` (default: now), ``node`` bans ``target`` for ``duration_s`` (None:
        until :meth:`unban`), as ``Node.ban`` does on sockets. ``target`` is a node label (that
        peer) or an IP address in text (every neighbour :meth:`set_ip` put there). Their links
        to ``node`` go down and stay down while the ban lasts (restarts and heals do not bring
        them back); when it expires or is lifted, graph links come back up. The automatic
        bans (``PeerConfig.ban_graylisted_for``, ``ban_invalid_messages``) run in the
        simulator as on sockets; the link of a peer a router gave up on stays down. With
        ``target_outbound`` the peer manager may dial the peer again once the ban is over."""
        if duration_s is not None and not duration_s > 0:
            raise ValueError(f"duration_s must be positive seconds or None, not {duration_s!r}")
        at = self._at(at_s)
        until = None if duration_s is None else at + _ns(duration_s)
        self._core.ban(self.index(node), self._ban_target(target), until, reason, at)

    def unban(self, node: Hashable, target: Hashable, at_s: float | None = None) -> None:
        self._core.unban(self.index(node), self._ban_target(target), self._at(at_s))

    def _ban_target(self, target: Hashable) -> bytes | str:
        """A node's peer id, or an IP address's text."""
        if target in self._index:
            return self._core.peer_id(self._index[target])
        if isinstance(target, str):
            try:
                return str(ipaddress.ip_address(target))
            except ValueError:
                pass
        raise KeyError(f"no node {target!r} in the simulation, and not an IP address")

    def bans(self, node: Hashable) -> list[Ban]:
        """The bans in force at ``node`` now, as ``Node.bans`` lists them (targets are the
        banned nodes' peer ids), the automatic ones included."""
        return [Ban(*b) for b in self._core.bans(self.index(node))]

    def set_ip(self, node: Any, ip: str, at_s: float | None = None) -> None:
        """From now (or ``at_s``) the peers of ``node`` (a label, an iterable of labels, or
        None for all) see it at address ``ip`` (any string; equal strings are one address),
        as the runtime tells the router a connection's remote IP: the score's IP colocation
        factor (P6) counts peers per address. Sybils run from one machine share one."""
        at = self._at(at_s)
        for v in self._nodes(node):
            self._core.set_ip(v, str(ip), at)

    def roles(self) -> dict[int, str]:
        """The role (by name) of every node assigned one; the others are honest."""
        return dict(self._roles)

    def partition(self, groups: Iterable[Iterable[Hashable]], at_s: float | None = None) -> None:
        """Split the network: nodes in different groups lose their connections (nodes in no
        group form one more group) until ``heal()``."""
        self._core.partition([[self.index(v) for v in g] for g in groups], self._at(at_s))

    def heal(self, at_s: float | None = None) -> None:
        """End the partition: links between groups reconnect."""
        self._core.heal(self._at(at_s))

    def crash(self, node: Hashable, at_s: float | None = None) -> None:
        """Stop ``node``: router state lost, identity kept, its links drop."""
        self._core.crash(self.index(node), self._at(at_s))

    def restart(self, node: Hashable, at_s: float | None = None) -> None:
        """Start a crashed node again: a fresh router with the same identity reconnects its
        links and resubscribes its topics."""
        self._core.restart(self.index(node), self._at(at_s))

    def set_link(
        self,
        u: Hashable,
        v: Hashable,
        *,
        latency: Latency | None = None,
        loss: float | None = None,
        bandwidth: float | None = None,
        queue_limit_bytes: int | None = None,
        at_s: float | None = None,
    ) -> None:
        """Change both directions of the link between neighbours ``u`` and ``v``; a
        parameter left None takes the simulation's default (not the link's current one).
        A latency below the lookahead shortens the windows of a run on several threads; one
        that may draw 0 is refused there (ValueError: use ``threads=1``)."""
        self._core.set_link(
            self.index(u),
            self.index(v),
            latency if latency is not None else self._latency,
            float(bandwidth) if bandwidth is not None else self._bandwidth,
            float(loss) if loss is not None else self._loss,
            int(queue_limit_bytes) if queue_limit_bytes is not None else self._queue_limit,
            self._at(at_s),
        )

    def churn(
        self,
        *,
        rate_per_s: float,
        mean_downtime_s: float,
        start_s: float,
        end_s: float,
        nodes: Iterable[Hashable] | None = None,
        seed: int | None = None,
    ) -> list[tuple[float, str, Hashable]]:
        """Schedule random crashes and restarts, and return the schedule.

        Crashes form a Poisson process of ``rate_per_s`` over ``[start_s, end_s)``, each
        hitting a node drawn uniformly from those of ``nodes`` (default all) that this
        schedule has up at the time; each is restarted after an exponential downtime of
        mean ``mean_downtime_s`` (possibly after ``end_s``). Seeded by ``seed`` (default the
        simulation's seed).
        """
        if rate_per_s < 0 or mean_downtime_s < 0 or end_s < start_s:
            raise ValueError("churn: rates and downtimes >= 0 and end_s >= start_s")
        crashes = churn_schedule(
            self._nodes(None if nodes is None else list(nodes)),
            rate_per_s=rate_per_s,
            mean_downtime_s=mean_downtime_s,
            start_s=start_s,
            end_s=end_s,
            rng=np.random.default_rng(self.seed if seed is None else seed),
        )
        schedule: list[tuple[float, str, Hashable]] = []
        for t, back, v in crashes:
            self._core.crash(v, _ns(t))
            self._core.restart(v, _ns(back))
            schedule += [(t, "crash", self.labels[v]), (back, "restart", self.labels[v])]
        return sorted(schedule, key=lambda e: e[0])

    # -- running -------------------------------------------------------------------------

    def run(self, until_s: float, progress: bool | None = None) -> None:
        """Run to virtual time ``until_s``. The C++ loop runs in chunks with the GIL released;
        a tqdm bar shows progress when ``progress`` is True, or (None) once a run has taken
        more than a second of wall time."""
        try:
            self._run(_ns(until_s), progress)
        finally:
            if self._requests is not None:
                self._requests.raise_pending()

    def _run(self, until: int, progress: bool | None) -> None:
        start = self._core.now_ns
        if until <= start or progress is False:
            self._core.run_until(until)
            return
        steps = 100
        wall0 = time.perf_counter()
        bar = None
        asked = False
        try:
            for k in range(1, steps + 1):
                self._core.run_until(start + (until - start) * k // steps)
                if not asked and (progress or time.perf_counter() - wall0 > 1.0):
                    asked = True
                    bar = _progress_bar((until - start) / 1e9)
                if bar is not None:
                    bar.n = round((self._core.now_ns - start) / 1e9, 3)
                    bar.refresh()
        finally:
            if bar is not None:
                bar.close()

    # -- results -------------------------------------------------------------------------

    @property
    def events_processed(self) -> int:
        return self._core.events_processed

    def trace_digest(self) -> str:
        """XXH3-128 (hex) over every send and delivery so far: equal for equal runs."""
        return self._core.trace_digest().hex()

    def messages(self) -> pd.DataFrame:
        """One row per message seen: msg_id, topic, publisher (-1: injected or unknown),
        t_publish (s; NaN when not published through the simulator)."""
        with needs("analysis"):
            import pandas as pd

        m = self._core.messages_columns()
        at = m["published_at_ns"]
        publisher = np.asarray(m["publisher"])
        return pd.DataFrame(
            {
                "msg_id": [i.hex() for i in m["id"]],
                "topic": m["topic"],
                "publisher": publisher,
                "publisher_role": [
                    self._roles.get(int(p), HONEST) if p >= 0 else None for p in publisher
                ],
                "t_publish": np.where(at >= 0, at / 1e9, np.nan),
            }
        )

    def deliveries(self) -> pd.DataFrame:
        """One row per delivery to an application: msg_id, node, role (the node's:
        "honest" or its adversary role), t_publish, t_deliver (s), hops (the sender's hops
        + 1; 0 at the publisher; -1 unknown) and from_peer (-1 for the publisher's own
        delivery). Hops are tracked by the simulator, out of band."""
        d = self._core.deliveries_columns()
        m = self._core.messages_columns()
        published = m["published_at_ns"]
        return deliveries_frame(
            [i.hex() for i in m["id"]],
            d["message"],
            d["node"],
            np.where(published >= 0, published / 1e9, np.nan),
            d["time_ns"] / 1e9,
            d["hops"],
            d["from_peer"],
            self._roles,
        )

    def metrics(self) -> pd.DataFrame:
        """One row per node (index: node): RPCs and bytes in and out, the router's counters
        (messages, duplicates, IHAVE/IWANT/GRAFT/PRUNE/IDONTWANT sent and received, drops by
        reason), the simulator's drops by reason, CPU time charged, and ``mesh_size:<topic>``
        for every topic. Router counters cover a node's current incarnation only."""
        return metrics_frame(self._core.metrics_columns(), self._roles)

    def drops(self) -> pd.DataFrame:
        """One row per node (index: node): the host's drops, a column per reason (the names
        of ``Node.stats()["drops"]``; ``LocalNetwork.drops()`` has the same columns). Zeros
        while a node is crashed."""
        return metrics_frame(self._core.drops_columns(), self._roles)

    def summary(self, topic: str | None = None) -> dict[str, float]:
        """Honest figures: of the messages honest nodes published (on ``topic``, or any),
        the share of (message, honest node subscribed to its topic when it was published)
        pairs delivered (``delivery_rate``, of ``expected_deliveries``; a crashed subscriber
        counts), and delivery latency percentiles (s) over those deliveries. Adversaries'
        messages and nodes are left out; ``deliveries()`` has every row, with its ``role``."""
        m = self.messages()
        m = m[(m["publisher"] >= 0) & (m["publisher_role"] == HONEST)]
        if topic is not None:
            m = m[m["topic"] == topic]
        honest = np.ones(self.size, dtype=bool)
        honest[list(self._roles)] = False
        d = self.deliveries().drop_duplicates(["msg_id", "node"])
        expected, d = self._subscriptions.expected(m, d, honest)
        latency = (d["t_deliver"] - d["t_publish"]).to_numpy()
        pct = np.percentile(latency, [50, 90, 99]) if len(latency) else [np.nan] * 3
        return {
            "messages": float(len(m)),
            "honest_nodes": float(honest.sum()),
            "expected_deliveries": float(expected),
            "delivery_rate": len(d) / expected if expected else np.nan,
            "latency_p50": float(pct[0]),
            "latency_p90": float(pct[1]),
            "latency_p99": float(pct[2]),
        }

    def mesh_changes(self) -> pd.DataFrame:
        """One row per mesh change, in order: t (s), node, topic, peer and joined (True when
        ``peer`` entered ``node``'s mesh, False when it left). Kept only when the simulation
        was made with ``record_mesh=True`` (the log grows with virtual time)."""
        c = self._core.mesh_changes_columns()
        return mesh_changes_frame(
            c["time_ns"] / 1e9, c["node"], c["topics"], c["topic"], c["peer"], c["joined"]
        )

    def mesh(self, node: Hashable, topic: str) -> list[int]:
        """The node's mesh peers (indices) for ``topic``."""
        return list(self._core.mesh(self.index(node), topic))

    def score_breakdown(self, node: Hashable, peer: Hashable) -> dict[str, Any] | None:
        """``node``'s score of its neighbour ``peer`` now, term by term (as
        ``Node.score_breakdown``); None when they are not connected."""
        return self._core.score_breakdown(self.index(node), self.index(peer))

    def dht_lookups(
        self,
        n: int,
        *,
        k: int = 20,
        alpha: int = 3,
        unreachable: float = 0.0,
        query_timeout: float = 10.0,
    ) -> pd.DataFrame:
        """``n`` Kademlia lookups (``/ipfs/kad/1.0.0`` FIND_NODE walks, the runtime's
        sans-I/O DHT driver, one per node) among this simulation's nodes, with its latency
        model on every request and answer. A DHT dials whomever a lookup names, so the gossip
        graph's edges play no part. Nodes join 10 ms apart through an earlier node (each
        bootstraps with a self-lookup); ``unreachable`` is the fraction of nodes that never
        answer. Built on first use for a given configuration; the ``n`` lookups start at one
        instant of virtual time. One row per lookup: ``lookup``, ``origin``, ``target`` (node
        labels), ``hops``, ``latency`` (s), ``success`` (the target among the k closest
        found), ``queries``, ``timeouts``."""
        with needs("analysis"):
            import pandas as pd

        key = (k, alpha, unreachable, query_timeout)
        if self._dht is None or self._dht_key != key:
            self._dht = _core.sim.DhtSimulation(
                len(self.labels),
                self._latency,
                k=k,
                alpha=alpha,
                unreachable=unreachable,
                query_timeout=query_timeout,
                seed=self.seed,
            )
            self._dht_key = key
        df = pd.DataFrame(self._dht.lookups(n))
        df.insert(0, "lookup", range(len(df)))
        for col in ("origin", "target"):
            df[col] = [self.labels[i] for i in df[col]]
        return df

    def mesh_graph(self, topic: str) -> nx.Graph:
        """The mesh of ``topic`` as an undirected graph on every node; an edge is present
        when either side has the other in its mesh, ``mutual`` when both do."""
        with needs("analysis"):
            import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.size))
        directed = {(v, p) for v in range(self.size) for p in self._core.mesh(v, topic)}
        for v, p in directed:
            g.add_edge(v, p, mutual=(p, v) in directed)
        return g


def _default_threads(nodes: int) -> int:
    return min(os.cpu_count() or 1, max(1, nodes // NODES_PER_THREAD))


def _index_graph(
    graph_or_edges: Any, nodes: int | None
) -> tuple[list[Hashable], np.ndarray, np.ndarray]:
    """The labels, the edges as index pairs, and the (dialler, listener) pairs of the edges
    whose ``dialer`` attribute names one of their ends."""
    if hasattr(graph_or_edges, "nodes") and hasattr(graph_or_edges, "edges"):
        try:
            labels = sorted(graph_or_edges.nodes())
        except TypeError:
            labels = list(graph_or_edges.nodes())
        index = {label: i for i, label in enumerate(labels)}
        edges = np.array(
            [(index[u], index[v]) for u, v in graph_or_edges.edges()], dtype=np.int64
        ).reshape(-1, 2)
        dialled = []
        for u, v, dialer in graph_or_edges.edges(data="dialer"):
            if dialer is None:
                continue
            if dialer not in (u, v):
                raise ValueError(f"edge ({u!r}, {v!r}): dialer {dialer!r} is neither end")
            dialled.append((index[dialer], index[v if dialer == u else u]))
        return labels, edges, np.array(dialled, dtype=np.int64).reshape(-1, 2)
    edges = np.asarray(list(graph_or_edges), dtype=np.int64).reshape(-1, 2)
    if len(edges) and edges.min() < 0:
        raise ValueError("edges: node indices must be >= 0")
    n = int(edges.max()) + 1 if len(edges) else 0
    if nodes is not None:
        if nodes < n:
            raise ValueError(f"nodes={nodes} but an edge names node {n - 1}")
        n = nodes
    return list(range(n)), edges, np.zeros((0, 2), dtype=np.int64)


def _progress_bar(total_s: float):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=round(total_s, 3), unit="s", desc="simulating (virtual s)")
