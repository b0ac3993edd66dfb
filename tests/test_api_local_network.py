"""LocalNetwork: real nodes on loopback wired by a graph, with the simulator's tables."""

from __future__ import annotations

import asyncio

import networkx as nx
import p2pgossip as pg
import pytest
from p2pgossip.local_network import parse_topology


def test_topology_names() -> None:
    assert parse_topology("full", 5, 0).number_of_edges() == 10
    assert parse_topology("ring", 5, 0).number_of_edges() == 5
    assert parse_topology("none", 5, 0).number_of_edges() == 0
    g = parse_topology("random-regular:4", 10, 1)
    assert all(d == 4 for _, d in g.degree())
    assert parse_topology(nx.path_graph(["a", "b", "c"]), 3, 0).number_of_edges() == 2
    with pytest.raises(ValueError, match="unknown topology"):
        parse_topology("star", 5, 0)
    with pytest.raises(ValueError, match="nodes"):
        parse_topology(nx.path_graph(4), 5, 0)


async def test_every_message_reaches_every_subscriber_with_simulator_columns() -> None:
    async with pg.LocalNetwork(8, topology="random-regular:3", seed=2) as net:
        assert len(net.nodes) == 8
        assert set(net.graph().edges()) == {tuple(sorted(e)) for e in net.topology.edges()}
        await net.subscribe("t")
        ids = [await net.publish(i, "t", bytes([i]) * 32) for i in range(8)]
        await net.wait_delivered(timeout=30)
        d = net.deliveries()
        m = net.metrics()
        sim = pg.Simulation(nx.path_graph(2), topics=["t"])
        sim.publish(0, "t", b"x")
        sim.run(until_s=1)
        assert list(d.columns) == list(sim.deliveries().columns)
        assert set(sim.metrics().columns) <= set(m.columns) | {"mesh_size:t"}
        assert len(d) == 64 and set(d["msg_id"]) == set(ids)
        assert (d["t_deliver"] >= d["t_publish"]).all()
        assert (d[d["from_peer"] == -1]["node"].sort_values().tolist()) == list(range(8))
        assert m["messages_published"].sum() == 8


async def test_wait_delivered_names_what_is_missing() -> None:
    async with pg.LocalNetwork(4, topology="ring") as net:
        await net.subscribe("t", nodes=[0, 1, 2, 3])
        net.partition([[0, 1], [2, 3]])
        await net.publish(0, "t", b"cut")
        with pytest.raises(TimeoutError, match="missing at 2 node"):
            await net.wait_delivered(timeout=2)
        net.heal()


async def test_wait_delivered_names_the_drops_that_explain_a_loss() -> None:
    slow = pg.GossipConfig(rate_limit_messages_per_s=1, rate_limit_burst_s=1)
    async with pg.LocalNetwork(2, topology="full", config=slow) as net:
        await net.subscribe("t")
        for i in range(20):
            await net.publish(0, "t", b"burst %d" % i)
        with pytest.raises(TimeoutError, match=r"dropped_rate_limited=\d+ \(GossipConfig"):
            await net.wait_delivered(timeout=2)


async def test_forwards_the_networks_budget_refused_are_offered_again_and_delivered() -> None:
    # 10 messages of 8 KiB at once are 80 KiB of bodies for node 0's two peers: the 64 KiB
    # budget of the whole network (sized through LocalNetwork) refuses some forwards. Both
    # peers are in node 0's mesh, and IHAVE gossip goes outside it: only node 0 offering the
    # refused ids to them at its next heartbeat brings those messages.
    async with pg.LocalNetwork(3, topology="full", outbound_queue_bytes=64 << 10) as net:
        await net.subscribe("t")
        for node in net.nodes:
            await node.wait_for_mesh("t", 2, timeout=10)
        await asyncio.gather(*(net.publish(0, "t", bytes([i]) * (8 << 10)) for i in range(10)))
        await net.wait_delivered(timeout=20)
        a = net.nodes[0].stats()
        assert a["drops"]["node_outbound_budget"] > 0
        assert a["router"]["refused_offered"] > 0


async def test_kill_and_restart_a_node() -> None:
    async with pg.LocalNetwork(4, topology="full") as net:
        await net.subscribe("t")
        await net.kill(3)
        await net.publish(0, "t", b"while down")
        await net.wait_delivered(timeout=30)  # only live subscribers count
        await net.restart(3)
        assert net.nodes[3].peer_id == net._identities[3].peer_id
        assert len(net.nodes[3].peers()) == 3
        assert net.metrics()["crashes"].tolist() == [0, 0, 0, 1]


async def test_link_shaping_accepts_latency_and_loss() -> None:
    async with pg.LocalNetwork(2, topology="full") as net:
        net.set_link(0, 1, latency=0.01, loss=0.0)
        await net.subscribe("t")
        await net.publish(0, "t", b"slow")
        await net.wait_delivered(timeout=30)
        with pytest.raises(ValueError):
            net.set_link(0, 1, loss=2.0)


async def test_collector_over_a_network() -> None:
    parser = pytest.importorskip("prometheus_client")
    from p2pgossip.metrics import Collector

    async with pg.LocalNetwork(3, topology="full") as net:
        reg = parser.CollectorRegistry()
        reg.register(Collector(net))
        text = parser.generate_latest(reg).decode()
    assert text.count('p2pgossip_peers{node="') == 3
    await asyncio.sleep(0)


async def test_a_network_from_one_bootstrap_node_meets_through_the_dht() -> None:
    with pytest.raises(ValueError, match="bootstrap must be a node index below 4"):
        pg.LocalNetwork(4, bootstrap=4)
    assert pg.LocalNetwork(8, "ring").target_outbound == 0  # the topology is the network
    # With discovery the nodes dial what it finds by default; with nothing dialled but what
    # the DHT's queries connect, nodes holding the bootstrap node alone were pruned by it and
    # missed messages.
    net = pg.LocalNetwork(8, "none", discovery=["dht"], bootstrap=3, seed=2)
    assert net.target_outbound == pg.PeerConfig().target_outbound
    async with net:

        async def at_target() -> None:
            while min(len(x.peers()) for x in net.nodes) < 3:
                await asyncio.sleep(0.1)

        await asyncio.wait_for(at_target(), 120)
        assert all(x.stats()["dht"]["routing_table"] >= 3 for x in net.nodes)
        # The bootstrap node comes back where the others look for it.
        addr = net.nodes[3].addrs[0]
        await net.kill(3)
        await net.restart(3)
        assert net.nodes[3].addrs[0] == addr
        found = await net.nodes[0].dht.find_node(net.nodes[3].peer_id)
        assert found.peers[0][0] == net.nodes[3].peer_id
