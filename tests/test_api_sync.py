"""The blocking facade: a loop thread per node, joined on close."""

from __future__ import annotations

import threading
import urllib.request

from p2pgossip import sync


def test_sync_nodes_exchange_a_message_and_leave_no_thread() -> None:
    before = set(threading.enumerate())
    with sync.Node() as a, sync.Node() as b:
        a.connect(b.addrs[0])
        assert b.peer_id in a.peers()
        sa = a.subscribe("t")
        sb = b.subscribe("t")
        tick = threading.Event()
        for _ in range(2000):  # the heartbeat forms the mesh within a second or two
            if b.stats()["mesh_sizes"].get("t"):
                break
            tick.wait(0.01)
        mid = b.publish("t", b"hi")
        assert sb.get(timeout=20).id == mid  # own delivery
        got = sa.get(timeout=20)
        assert (got.data, got.id, got.from_peer) == (b"hi", mid, b.peer_id)
        assert "p2pgossip_peers" in a.metrics_text()
        published = b.publish_many("t", [b"x", b"y"])
        assert [sb.get(timeout=20).id for _ in published] == published
    assert set(threading.enumerate()) == before


def test_sync_node_metrics_endpoint() -> None:
    with sync.Node(metrics_port=0) as node:
        url = node.metrics_url
        assert url is not None
        with urllib.request.urlopen(url, timeout=20) as r:
            assert b"# TYPE p2pgossip_peers gauge" in r.read()
