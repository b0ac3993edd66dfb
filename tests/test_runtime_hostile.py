"""Hostile peers at the socket (issue 10, part 4), on loopback: zombie connections that finish
Noise and yamux but speak no pubsub, stalled handshakes (slowloris), connections reset before
the accept completes. Each attack is counted under its own name, and an honest node still
connects while it goes on. Every wait is on a condition with a deadline."""

from __future__ import annotations

import socket
import struct
from typing import Any

import pytest
from p2pgossip import _core
from runtime_harness import Harness, RawPeer, closed_by_remote, host_port, subscribed_raw_peer

TOPIC = "t"


def pm(h: Harness, node: int) -> dict:
    return h.rt.metrics(node)["peer_manager"]


def peers_of(h: Harness, node: int) -> list[bytes]:
    return [p[0] for p in h.rt.metrics(node)["peers"]]


def test_zombies_are_closed_counted_and_free_their_slots(h: Harness) -> None:
    peers = _core.runtime.PeerConfig(max_inbound=3, stream_negotiation_timeout=0.3)
    a, addr_a = h.add_node(peers=peers)
    # Noise and yamux, answer nothing after that: our pubsub stream is never negotiated.
    zombies = [RawPeer(addr_a, seed=bytes([i + 1]) * 32) for i in range(3)]
    for z in zombies:
        z.mux()
    h.wait(lambda: h.drops(a)["stream_negotiation_timeout"] == 3, "the zombies closed")
    for z in zombies:
        assert closed_by_remote(z.sock)
        z.close()
    assert peers_of(h, a) == []
    reasons = pm(h, a)["disconnects_by_reason"]
    assert reasons["no pubsub stream negotiated within stream_negotiation_timeout"] == 3
    # An honest node then connects, and is not closed by the rule: its pubsub stream is up.
    b, _ = h.add_node()
    for n in (a, b):
        h.ok(h.rt.subscribe(n, TOPIC))
    h.connect(b, addr_a)
    h.wait(lambda: h.topic_peers(a, TOPIC) == 1, "the honest peer in the router")
    req, mid, _ = h.rt.publish_data(b, TOPIC, b"after the zombies")
    h.ok(req)
    h.wait(lambda: mid in h.delivered_ids(a), "a delivery from the honest peer")
    assert h.drops(a)["stream_negotiation_timeout"] == 3
    assert len(peers_of(h, a)) == 1


def test_zombies_are_kept_when_the_rule_is_off(h: Harness) -> None:
    a, addr_a = h.add_node(peers=_core.runtime.PeerConfig(stream_negotiation_timeout=0))
    z = RawPeer(addr_a)
    z.mux()
    h.wait(lambda: len(peers_of(h, a)) == 1, "the zombie connected")
    z.sock.settimeout(0.5)  # not closed within what the rule would have allowed
    with pytest.raises(TimeoutError):
        while z.sock.recv(65536):
            pass
    assert h.drops(a)["stream_negotiation_timeout"] == 0
    z.close()


def stalled(addr: str, n: int) -> list[socket.socket]:
    """`n` TCP connections that never send a byte."""
    return [socket.create_connection(host_port(addr)) for _ in range(n)]


@pytest.mark.parametrize(
    ("config", "evicted_at_least"),
    [
        # The peer manager's pending-handshake budget (max_inbound counts established peers).
        ({"peers": _core.runtime.PeerConfig(max_inbound=8, max_pending_inbound=16)}, 100 - 16),
        # The runtime's socket bound: a new inbound connection takes the oldest handshake's.
        ({"limits": _core.runtime.NodeLimits(max_connections=20)}, 100 - 20),
    ],
    ids=["pending-budget", "socket-bound"],
)
def test_stalled_handshakes_do_not_lock_out_honest_dials(
    h: Harness, config: dict, evicted_at_least: int
) -> None:
    a, addr_a = h.add_node(**config)
    b, _ = h.add_node()
    socks = stalled(addr_a, 100)
    try:
        h.wait(
            lambda: pm(h, a)["pending_inbound_evicted"] >= evicted_at_least,
            "the oldest stalled handshakes evicted",
        )
        assert h.drops(a)["pending_handshake_evicted"] >= evicted_at_least
        # The attack holds its newest handshakes open: an honest dial still gets through.
        h.connect(b, addr_a)
        assert len(peers_of(h, a)) == 1
        assert h.drops(a)["connection_limit"] == 0
        # The evicted ones were closed, the oldest first.
        assert closed_by_remote(socks[0])
    finally:
        for s in socks:
            s.close()


def test_reset_before_accept_is_not_a_connection_limit(h: Harness) -> None:
    a, addr_a = h.add_node()
    n = 300
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.connect(host_port(addr_a))
        s.close()  # RST, often before the node's accept has asked for the remote address

    def accounted() -> bool:
        # Each either reached the peer manager (then failed its handshake) or was reset
        # before: a socket error, never a limit.
        return pm(h, a)["inbound_accepted"] + h.drops(a)["socket_error"] >= n

    h.wait(accounted, "every reset connection accounted")
    assert h.drops(a)["connection_limit"] == 0
    assert pm(h, a)["inbound_refused_limit"] == 0
    b, _ = h.add_node()
    h.connect(b, addr_a)


def test_a_peer_that_stops_reading_leaves_the_mesh_then_is_disconnected(h: Harness) -> None:
    limits = _core.runtime.NodeLimits(
        peer_outbound_queue_bytes=256 << 10, socket_send_buffer=1 << 16
    )
    peers = _core.runtime.PeerConfig(stalled_peer_prune_after=0.2, stalled_peer_close_after=1.5)
    g = _core.router.GossipConfig(heartbeat_interval=0.05, heartbeat_initial_delay=0.05)
    a, addr_a = h.add_node(limits=limits, peers=peers, gossip=g)
    h.ok(h.rt.subscribe(a, TOPIC))
    raw = subscribed_raw_peer(h, a, addr_a, TOPIC)
    raw_id = h.rt.metrics(a)["peers"][0][0]
    h.wait(lambda: h.rt.metrics(a)["meshes"].get(TOPIC) == [raw_id], "the raw peer grafted")
    # It reads nothing: its window, the socket and then its queue fill; it stays full.
    i = 0

    def publish_until_pruned() -> bool:
        nonlocal i
        if h.drops(a)["stalled_peer_pruned"]:
            return True
        for _ in range(20):
            h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * (4 << 10))
            i += 1
        return False

    h.wait(publish_until_pruned, "the stalled peer pruned")
    assert h.drops(a)["outbound_queue_full"] > 0
    assert h.rt.metrics(a)["meshes"].get(TOPIC, []) == []

    # The counter is read from the node thread; the mesh event reaches us through the queue.
    def left() -> list[tuple[Any, ...]]:
        return [(e[2], e[3]) for e in h.events if e[0] == "mesh" and e[1] == a and not e[4]]

    h.wait(lambda: left() != [], "the mesh-left event")
    assert left() == [(TOPIC, raw_id)]
    # Still connected for now (a pause may end); disconnected once it lasts.
    h.wait(lambda: h.drops(a)["stalled_peer"] == 1, "the stalled peer disconnected")
    h.wait(lambda: h.rt.metrics(a)["peers"] == [], "the connection gone")
    assert h.drops(a)["stalled_peer_pruned"] == 1
    assert h.rt.metrics(a)["outbound_queue_bytes"] == 0
    raw.close()


def test_a_peer_that_reads_again_is_not_disconnected(h: Harness) -> None:
    # Only a queue that stays full counts: one that drains resets the clock.
    b, _ = h.add_node()
    peers = _core.runtime.PeerConfig(stalled_peer_prune_after=0.2, stalled_peer_close_after=0.4)
    a, addr_a = h.add_node(peers=peers)
    for n in (a, b):
        h.ok(h.rt.subscribe(n, TOPIC))
    h.connect(b, addr_a)
    h.wait(lambda: h.topic_peers(a, TOPIC) == 1, "subscriptions")
    for i in range(500):
        h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * 256)
    h.wait(lambda: len(h.deliveries(b)) == 500, "every message")
    assert h.drops(a)["stalled_peer"] == 0 and h.drops(a)["stalled_peer_pruned"] == 0
