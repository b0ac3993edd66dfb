"""The peer manager driving real nodes over loopback TCP: bootstrap dials, liveness and
reconnection, connection limits, the known-peers file, private networks, simultaneous
dials, and the per-peer outbound queue under bursts. Every wait is on the eventfd with a
deadline; small intervals in the config keep the tests quick."""

from __future__ import annotations

import pytest
from p2pgossip import _core
from runtime_harness import Harness, RawPeer, subscribed_raw_peer

TOPIC = "t"


def fast_peers(**kw) -> _core.runtime.PeerConfig:
    """Liveness and redial on a 50 ms scale."""
    kw.setdefault("ping_interval", 0.05)
    kw.setdefault("ping_timeout", 0.1)
    kw.setdefault("max_missed_pings", 2)
    kw.setdefault("backoff_initial", 0.05)
    kw.setdefault("backoff_max", 0.2)
    return _core.runtime.PeerConfig(**kw)


def peers_of(h: Harness, node: int) -> list[bytes]:
    return [p[0] for p in h.rt.metrics(node)["peers"]]


def pm(h: Harness, node: int) -> dict:
    return h.rt.metrics(node)["peer_manager"]


def no_rate_limit() -> _core.router.GossipConfig:
    """The router's per-peer inbound token bucket (100 msgs/s by default) is a policy of its
    own; the burst tests measure the transport, so they turn it off."""
    g = _core.router.GossipConfig()
    g.rate_limit_messages_per_s = 0
    g.rate_limit_bytes_per_s = 0
    return g


def test_bootstrap_peer_dialled_at_start(h: Harness) -> None:
    b_id = _core.crypto.Identity.generate()
    b, addr_b = h.add_node(b_id)
    a, _ = h.add_node(peers=_core.runtime.PeerConfig(bootstrap=[addr_b]))
    h.wait(lambda: peers_of(h, a) == [b_id.peer_id.to_bytes()], "the bootstrap connection")
    assert pm(h, a)["dials"] == 1


def test_bootstrap_address_needs_a_peer_id() -> None:
    with pytest.raises(ValueError, match="p2p"):
        _core.runtime.PeerConfig(bootstrap=["/ip4/127.0.0.1/tcp/1"])


def test_killed_peer_detected_and_redialled_when_it_returns(h: Harness) -> None:
    b_id = _core.crypto.Identity.generate()
    b, addr_b = h.add_node(b_id)
    a, _ = h.add_node(peers=fast_peers(bootstrap=[addr_b]))
    h.wait(lambda: len(peers_of(h, a)) == 1, "connected")
    h.wait(lambda: pm(h, a)["pongs"] >= 2, "pings answered")
    h.ok(h.rt.close_node(b))
    h.wait(lambda: peers_of(h, a) == [], "the loss seen")
    # Back on the same address: the backoff redial finds it.
    listen = addr_b.rsplit("/p2p/", 1)[0]
    b2, _ = h.add_node(b_id, listen=[listen])
    h.wait(lambda: peers_of(h, a) == [b_id.peer_id.to_bytes()], "reconnected")
    assert pm(h, a)["handshakes_completed"] == 2


def test_silent_peer_declared_dead_by_missed_pings(h: Harness) -> None:
    a, addr_a = h.add_node(peers=fast_peers())
    raw = RawPeer(addr_a)
    raw.mux()  # then never reads again: pings go unanswered
    h.wait(lambda: h.drops(a)["dead_peer"] == 1, "the dead peer dropped")
    m = pm(h, a)
    assert m["pings_missed"] >= 2 and m["dead_peers"] == 1
    assert peers_of(h, a) == []
    raw.close()


def test_inbound_limit_refuses_the_extra_dialer(h: Harness) -> None:
    a, addr_a = h.add_node(peers=_core.runtime.PeerConfig(max_inbound=1))
    b, _ = h.add_node()
    c, _ = h.add_node()
    h.connect(b, addr_a)
    err = h.result(h.rt.connect(c, addr_a))
    assert err is not None
    assert h.drops(a)["connection_limit"] == 1
    assert pm(h, a)["inbound_refused_limit"] == 1
    assert len(peers_of(h, a)) == 1


def test_outbound_limit_refuses_the_extra_dial(h: Harness) -> None:
    a, _ = h.add_node(peers=_core.runtime.PeerConfig(max_outbound=1))
    _, addr_b = h.add_node()
    _, addr_c = h.add_node()
    h.connect(a, addr_b)
    err = h.result(h.rt.connect(a, addr_c))
    assert err is not None and "outbound connection limit" in err
    assert pm(h, a)["dials_refused_limit"] == 1


def test_per_ip_limit_without_the_loopback_exemption(h: Harness) -> None:
    peers = _core.runtime.PeerConfig(max_per_ip=1, per_ip_limit_exempts_loopback=False)
    a, addr_a = h.add_node(peers=peers)
    b, _ = h.add_node()
    c, _ = h.add_node()
    h.connect(b, addr_a)
    assert h.result(h.rt.connect(c, addr_a)) is not None
    assert pm(h, a)["refused_per_ip"] == 1
    # With the default exemption, loopback peers are not limited.
    d, addr_d = h.add_node(peers=_core.runtime.PeerConfig(max_per_ip=1))
    h.connect(b, addr_d)
    h.connect(c, addr_d)
    assert pm(h, d)["refused_per_ip"] == 0


def test_known_peers_file_written_at_close_and_used_at_next_start(h: Harness, tmp_path) -> None:
    path = str(tmp_path / "known-peers")
    b_id = _core.crypto.Identity.generate()
    b, addr_b = h.add_node(b_id)
    a_id = _core.crypto.Identity.generate()
    a, _ = h.add_node(a_id, peers=_core.runtime.PeerConfig(known_peers_file=path))
    h.connect(a, addr_b)
    h.ok(h.rt.close_node(a))
    text = (tmp_path / "known-peers").read_text()
    assert text.startswith("p2pgossip-known-peers 1\n")
    assert str(b_id.peer_id) in text
    a2, _ = h.add_node(a_id, peers=_core.runtime.PeerConfig(known_peers_file=path))
    h.wait(lambda: peers_of(h, a2) == [b_id.peer_id.to_bytes()], "redialled from the file")
    assert pm(h, a2)["known_peers_loaded"] == 1


def test_private_network_admits_certified_peers_only(h: Harness) -> None:
    network = _core.crypto.Identity.generate()

    def member() -> tuple[_core.crypto.Identity, _core.runtime.PeerConfig]:
        ident = _core.crypto.Identity.generate()
        cert = _core.net.issue_certificate(network, ident.public_key)
        return ident, _core.runtime.PeerConfig(
            network_key=network.public_key, network_certificate=cert
        )

    a_id, a_peers = member()
    a, addr_a = h.add_node(a_id, peers=a_peers)
    b_id, b_peers = member()
    b, _ = h.add_node(b_id, peers=b_peers)
    h.connect(b, addr_a)
    assert peers_of(h, a) == [b_id.peer_id.to_bytes()]
    outsider, _ = h.add_node()
    assert h.result(h.rt.connect(outsider, addr_a)) is not None
    h.wait(lambda: h.drops(a)["network_refused"] == 1, "the refusal counted")
    assert peers_of(h, a) == [b_id.peer_id.to_bytes()]


def test_simultaneous_dial_leaves_one_connection(h: Harness) -> None:
    a_id, b_id = _core.crypto.Identity.generate(), _core.crypto.Identity.generate()
    a, addr_a = h.add_node(a_id)
    b, addr_b = h.add_node(b_id)
    r1, r2 = h.rt.connect(a, addr_b), h.rt.connect(b, addr_a)
    assert h.result(r1) is None and h.result(r2) is None

    def directions() -> list[str]:
        return [p[2] for n in (a, b) for p in h.rt.metrics(n)["peers"]]

    # Each side may briefly hold the connection it dialled while the other's handshake is
    # still finishing; the settled state is one connection, the same at both ends, so its
    # directions are opposite.
    h.wait(lambda: sorted(directions()) == ["inbound", "outbound"], "one shared connection")


def test_burst_of_publishes_arrives_whole(h: Harness) -> None:
    g = no_rate_limit()
    a, _ = h.add_node(gossip=g)
    b, addr_b = h.add_node(gossip=g)
    for n in (a, b):
        h.ok(h.rt.subscribe(n, TOPIC))
    h.connect(a, addr_b)
    h.wait(lambda: h.topic_peers(a, TOPIC) == 1 and h.topic_peers(b, TOPIC) == 1, "subs")
    n = 1000
    for i in range(n):
        h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * 64)
    h.wait(lambda: len(h.deliveries(b)) == n, "every message")
    assert h.drops(a)["outbound_queue_full"] == 0


def test_peer_that_does_not_read_fills_a_bounded_queue(h: Harness) -> None:
    limits = _core.runtime.NodeLimits(peer_outbound_queue_bytes=1 << 20, socket_send_buffer=1 << 16)
    a, addr_a = h.add_node(limits=limits)
    h.ok(h.rt.subscribe(a, TOPIC))
    raw = subscribed_raw_peer(h, a, addr_a, TOPIC)
    # The raw peer reads nothing more: its yamux window, the socket and then the queue fill.
    for i in range(100):
        h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * (16 << 10))
    h.wait(lambda: h.drops(a)["outbound_queue_full"] > 0, "drops counted")
    raw.close()


def test_merged_rpcs_never_hold_more_memory_than_the_node_budget(h: Harness) -> None:
    # Small messages merge into RPCs of up to 64 KiB whose buffers grow by doubling: the
    # budget charges those buffers' capacity, so what the queue holds stays within it.
    budget = 200 << 10
    limits = _core.runtime.NodeLimits(
        peer_outbound_queue_bytes=4 << 20,
        node_outbound_queue_bytes=budget,
        socket_send_buffer=1 << 16,
    )
    a, addr_a = h.add_node(limits=limits, gossip=no_rate_limit())
    h.ok(h.rt.subscribe(a, TOPIC))
    raw = subscribed_raw_peer(h, a, addr_a, TOPIC)
    i = 0
    while not h.drops(a)["node_outbound_budget"]:
        for _ in range(500):
            h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * 64)
            i += 1
        h.pump(0)
        assert h.rt.metrics(a)["outbound_queue_memory"] <= budget
    assert budget // 2 < h.rt.metrics(a)["outbound_queue_memory"] <= budget
    raw.close()
    h.wait(lambda: h.rt.metrics(a)["outbound_queue_memory"] == 0, "the queue returned")


def test_the_nodes_of_a_runtime_queue_within_its_budget_together() -> None:
    # Each node may queue node_outbound_queue_bytes; the runtime's outbound_queue_bytes
    # bounds them together, so many nodes in one process do not each hold their own.
    shared = 300 << 10
    rt = _core.runtime.Runtime(outbound_queue_bytes=shared)
    rt.start()
    try:
        h = Harness(rt)
        limits = _core.runtime.NodeLimits(
            peer_outbound_queue_bytes=4 << 20,
            node_outbound_queue_bytes=4 << 20,
            socket_send_buffer=1 << 16,
        )
        nodes, raws = [], []
        for _ in range(2):
            a, addr_a = h.add_node(limits=limits, gossip=no_rate_limit())
            h.ok(h.rt.subscribe(a, TOPIC))
            raws.append(subscribed_raw_peer(h, a, addr_a, TOPIC))
            nodes.append(a)

        def queued() -> int:
            return sum(h.rt.metrics(a)["outbound_queue_memory"] for a in nodes)

        i = 0
        while not all(h.drops(a)["node_outbound_budget"] for a in nodes):
            for a in nodes:
                for _ in range(200):
                    h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * 256)
                    i += 1
            h.pump(0)
            assert queued() <= shared
        assert shared // 2 < queued() <= shared
        for raw in raws:
            raw.close()
        h.wait(lambda: queued() == 0, "the queues returned")
    finally:
        rt.close()


def test_rpcs_held_back_by_link_latency_are_bounded(h: Harness) -> None:
    # A shaped link holds what is sent within its latency; the peer's queue bytes bound
    # that too, with refusals counted like a full queue's.
    peer_bytes = 256 << 10
    g = no_rate_limit()
    limits = _core.runtime.NodeLimits(peer_outbound_queue_bytes=peer_bytes)
    a, _ = h.add_node(limits=limits, gossip=g)
    b, addr_b = h.add_node(gossip=g)
    for n in (a, b):
        h.ok(h.rt.subscribe(n, TOPIC))
    h.connect(a, addr_b)
    h.wait(lambda: h.topic_peers(a, TOPIC) == 1, "b's subscription")
    h.rt.set_link(a, peers_of(h, a)[0], latency=60.0)
    for i in range(2000):
        h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * 64)
    h.wait(lambda: h.drops(a)["outbound_queue_full"] > 0, "held RPCs refused past the bound")
    assert peer_bytes // 2 < h.rt.metrics(a)["outbound_queue_bytes"] <= peer_bytes
    assert h.deliveries(b) == []


def test_a_message_held_for_several_peers_is_charged_once(h: Harness) -> None:
    # Four shaped links hold a's copies of 20 messages of 2 KiB for a minute: the node holds
    # 20 bodies and 80 references to them, within its 64 KiB. Charged per copy (160 KiB),
    # most were refused.
    budget = 64 << 10
    limits = _core.runtime.NodeLimits(
        peer_outbound_queue_bytes=4 << 20, node_outbound_queue_bytes=budget
    )
    g = no_rate_limit()
    a, _ = h.add_node(limits=limits, gossip=g)
    h.ok(h.rt.subscribe(a, TOPIC))
    others = []
    for _ in range(4):
        b, addr_b = h.add_node(gossip=g)
        h.ok(h.rt.subscribe(b, TOPIC))
        h.connect(a, addr_b)
        others.append(b)
    h.wait(lambda: h.topic_peers(a, TOPIC) == 4, "the peers' subscriptions")
    for peer in peers_of(h, a):
        h.rt.set_link(a, peer, latency=60.0)
    for i in range(20):
        h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * 512)
    h.wait(lambda: h.rt.metrics(a)["router"]["messages_published"] == 20, "the publishes")
    assert h.drops(a)["node_outbound_budget"] == 0
    m = h.rt.metrics(a)
    assert 20 * 2048 < m["outbound_queue_memory"] <= budget
    assert m["outbound_queue_bytes"] > 4 * 20 * 2048  # what the four peers are owed
    # Connections closed while they hold RPCs give back exactly what those took.
    for b in others:
        h.ok(h.rt.close_node(b))
    h.wait(lambda: h.topic_peers(a, TOPIC) == 0, "the peers gone")
    m = h.rt.metrics(a)
    assert (m["outbound_queue_memory"], m["outbound_queue_bytes"]) == (0, 0)


def test_an_iwant_answer_past_the_receivers_limits_leaves_in_parts(h: Harness) -> None:
    # Without a mesh (D = 0) and without flood publishing, messages travel by IHAVE and
    # IWANT only: b asks for all 120 at once, and a answers in one router turn, more than
    # these nodes decode in one RPC (max_publish 50). Sent whole, b would refuse the lot
    # and reset the stream; split, every message arrives.
    decode = _core.wire.DecodeLimits()
    decode.max_publish = 50
    limits = _core.runtime.NodeLimits(decode=decode)
    g = no_rate_limit()
    g.signature_policy = _core.host.SignaturePolicy.StrictNoSign
    g.D = g.D_lo = g.D_hi = g.D_score = g.D_out = 0
    g.flood_publish = False
    g.heartbeat_interval = 0.05
    a, _ = h.add_node(limits=limits, gossip=g)
    b, addr_b = h.add_node(limits=limits, gossip=g)
    for n in (a, b):
        h.ok(h.rt.subscribe(n, TOPIC))
    h.connect(a, addr_b)
    h.wait(lambda: h.topic_peers(a, TOPIC) == 1, "b's subscription")
    h.ok(h.rt.publish_batch(a, TOPIC, [b"m%d" % i for i in range(120)], True)[0])
    h.wait(lambda: len(h.deliveries(b)) == 120, "every message at b")
    assert h.drops(b)["rpc_decode"] == 0
    assert h.rt.metrics(a)["router"]["iwant_received"] >= 1


def test_node_outbound_budget_is_shared_and_returned(h: Harness) -> None:
    # One peer may queue 4 MiB, the node only 256 KiB across all its peers.
    limits = _core.runtime.NodeLimits(
        peer_outbound_queue_bytes=4 << 20,
        node_outbound_queue_bytes=256 << 10,
        socket_send_buffer=1 << 16,
    )
    # No gossip from a: its heartbeat would offer the newly grafted b the 64 KiB messages
    # still in its mcache, and b's IWANT for them would race the 50 below for the budget.
    gossip = no_rate_limit()
    gossip.mcache_gossip = 0
    a, addr_a = h.add_node(limits=limits, gossip=gossip)
    h.ok(h.rt.subscribe(a, TOPIC))
    raw = subscribed_raw_peer(h, a, addr_a, TOPIC)
    for i in range(100):
        h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * (16 << 10))
    h.wait(lambda: h.drops(a)["node_outbound_budget"] > 0, "the node budget refuses")
    assert h.drops(a)["outbound_queue_full"] == 0
    raw.close()
    h.wait(lambda: h.topic_peers(a, TOPIC) == 0, "the raw peer gone")
    # The closed connection gave its queued bytes back: a new peer gets every message.
    refused = h.drops(a)["node_outbound_budget"]
    b, addr_b = h.add_node(gossip=no_rate_limit())
    h.ok(h.rt.subscribe(b, TOPIC))
    h.connect(b, addr_a)
    h.wait(lambda: h.topic_peers(a, TOPIC) == 1, "b's subscription")
    for i in range(50):
        h.rt.publish_data(a, TOPIC, i.to_bytes(4, "big") * 1024)
    h.wait(lambda: len(h.deliveries(b)) == 50, "every message")
    assert h.drops(a)["node_outbound_budget"] == refused


def test_graylisted_peer_is_disconnected_and_counted(h: Harness) -> None:
    g = _core.router.GossipConfig()
    g.heartbeat_interval = 0.05
    g.score.app_specific_weight = 1.0
    g.thresholds.gossip_threshold = -1.0
    g.thresholds.publish_threshold = -2.0
    g.thresholds.graylist_threshold = -10.0
    g.disconnect_graylisted = True
    b_id = _core.crypto.Identity.generate()
    a, _ = h.add_node(gossip=g)
    b, addr_b = h.add_node(b_id)
    h.connect(a, addr_b)
    h.rt.set_app_score(a, b_id.peer_id, -100.0)
    h.wait(lambda: h.drops(a)["graylisted"] == 1, "the graylisted peer dropped")
    assert h.rt.metrics(a)["router"]["disconnects_requested"] == 1
    h.wait(lambda: peers_of(h, b) == [], "the connection closed at both ends")
