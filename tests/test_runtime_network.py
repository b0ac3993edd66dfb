"""Many real nodes in one runtime: a random 8-regular graph over loopback TCP delivers every
message to every subscriber; validation, partitions and link shaping on real sockets."""

from __future__ import annotations

import networkx as nx
import pytest
from p2pgossip import _core
from runtime_harness import Harness

TOPIC = "blocks"


def build(h: Harness, graph: nx.Graph, **node_kw) -> tuple[list[int], list[_core.crypto.Identity]]:
    ids = [_core.crypto.Identity.generate() for _ in graph.nodes]
    nodes, addrs = [], []
    for i, ident in enumerate(ids):
        n, addr = h.add_node(ident, seed=i, **node_kw)
        nodes.append(n)
        addrs.append(addr)
    for n in nodes:
        h.ok(h.rt.subscribe(n, TOPIC))
    requests = [h.rt.connect(nodes[u], addrs[v]) for u, v in graph.edges]
    for r in requests:
        h.ok(r)
    h.wait(
        lambda: all(h.topic_peers(nodes[v], TOPIC) == graph.degree[v] for v in graph.nodes),
        "every neighbour's subscription",
    )
    return nodes, ids


def wait_full_meshes(h: Harness, nodes: list[int]) -> None:
    """Small graphs (degree <= D_lo): after a heartbeat every topic peer is in the mesh, so a
    message forwarded after this reaches everyone without waiting for gossip."""

    def full(n: int) -> bool:
        m = h.rt.metrics(n)
        return m["mesh_sizes"][TOPIC] == m["topic_peers"][TOPIC]

    h.wait(lambda: all(full(n) for n in nodes), "full meshes")


@pytest.mark.parametrize("threads", [1, 2])
def test_random_regular_network_delivers_everything(threads: int) -> None:
    graph = nx.random_regular_graph(8, 50, seed=7)  # issue 4: a 50-node network
    rt = _core.runtime.Runtime(threads=threads)
    rt.start()
    h = Harness(rt)
    try:
        nodes, _ = build(h, graph)
        published = set()
        for k, src in enumerate(nodes[:10]):
            req, mid, _ = rt.publish_data(src, TOPIC, b"message %d" % k)
            h.ok(req)
            published.add(mid)
        h.wait(
            lambda: all(published <= h.delivered_ids(n) for n in nodes),
            "every message at every node",
        )
        for n in nodes:
            ids = [e[3] for e in h.deliveries(n)]
            assert len(ids) == len(set(ids)), "a message delivered twice"
            m = rt.metrics(n)
            assert m["router"]["dropped_invalid_signature"] == 0
        # One verification per message per process (per I/O thread at most, when two
        # threads verify the same message at once): the shared cache absorbs the rest.
        assert rt.verify_cache_misses <= threads * len(published)
        assert rt.dropped_events == 0
    finally:
        rt.close()


def test_async_validation_gates_delivery_and_forwarding() -> None:
    graph = nx.path_graph(3)  # 0 - 1 - 2: node 1 validates what reaches node 2
    rt = _core.runtime.Runtime()
    rt.start()
    h = Harness(rt)
    try:
        nodes, _ = build(h, graph)
        wait_full_meshes(h, nodes)
        rt.set_validator(nodes[1], TOPIC, True)
        ok_req, ok_id, _ = rt.publish_data(nodes[0], TOPIC, b"good")
        bad_req, bad_id, _ = rt.publish_data(nodes[0], TOPIC, b"bad")
        h.ok(ok_req)
        h.ok(bad_req)
        h.wait(lambda: len([e for e in h.events if e[0] == "validate"]) == 2, "validation requests")
        assert not h.deliveries(nodes[2]) and not h.deliveries(nodes[1])
        for e in [e for e in h.events if e[0] == "validate"]:
            _, node, token, message, mid, received_from = e
            assert node == nodes[1] and message.verify()
            rt.validation_result(node, token, "accept" if message.data == b"good" else "reject")
        h.wait(lambda: ok_id in h.delivered_ids(nodes[2]), "the accepted message forwarded")
        assert ok_id in h.delivered_ids(nodes[1])
        assert bad_id not in h.delivered_ids(nodes[1]) | h.delivered_ids(nodes[2])
        assert rt.metrics(nodes[1])["router"]["dropped_rejected"] == 1
    finally:
        rt.close()


def test_partition_by_blocking_and_heal() -> None:
    graph = nx.complete_graph(4)
    rt = _core.runtime.Runtime()
    rt.start()
    h = Harness(rt)
    try:
        nodes, ids = build(h, graph)
        left, right = nodes[:2], nodes[2:]
        for group, other in ((left, right), (right, left)):
            for n in group:
                rt.block(n, [ids[nodes.index(o)].peer_id for o in other])
        h.wait(lambda: all(h.topic_peers(n, TOPIC) == 1 for n in nodes), "the partition in place")
        wait_full_meshes(h, nodes)
        req, mid, _ = rt.publish_data(left[0], TOPIC, b"left only")
        h.ok(req)
        h.wait(lambda: mid in h.delivered_ids(left[1]), "delivery inside the partition")
        assert all(mid not in h.delivered_ids(n) for n in right)
        # A blocked peer cannot connect either.
        assert h.result(rt.connect(right[0], h.listening[left[0]][0])) is not None
        for n in nodes:
            rt.unblock(n, [i.peer_id for i in ids])
        h.ok(rt.connect(right[0], h.listening[left[0]][0]))
        h.wait(lambda: h.topic_peers(left[0], TOPIC) == 2, "the healed link's subscription")
        wait_full_meshes(h, nodes)
        req, mid2, _ = rt.publish_data(left[0], TOPIC, b"healed")
        h.ok(req)
        h.wait(lambda: all(mid2 in h.delivered_ids(n) for n in nodes), "delivery after healing")
    finally:
        rt.close()


def test_link_loss_drops_and_counts() -> None:
    graph = nx.path_graph(2)
    rt = _core.runtime.Runtime()
    rt.start()
    h = Harness(rt)
    try:
        nodes, ids = build(h, graph)
        rt.set_link(nodes[0], ids[1].peer_id, latency=0.01, loss=1.0)
        req, mid, _ = rt.publish_data(nodes[0], TOPIC, b"lost")
        h.ok(req)
        h.wait(lambda: h.drops(nodes[0])["link_loss"] >= 1, "the loss counted")
        rt.set_link(nodes[0], ids[1].peer_id, latency=0.01, loss=0.0)
        req, mid2, _ = rt.publish_data(nodes[0], TOPIC, b"delayed")
        h.ok(req)
        h.wait(lambda: mid2 in h.delivered_ids(nodes[1]), "the delayed message")
        assert mid not in h.delivered_ids(nodes[1])
    finally:
        rt.close()
