"""The blocking facade: a loop thread per node, joined on close."""

from __future__ import annotations

import threading

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
    assert set(threading.enumerate()) == before
