"""A peer's score term by term (P1..P7): each term as the router weighs it, and their sum the
very score the router acts on; from a router, a simulated node and a real node alike."""

from __future__ import annotations

import asyncio

import networkx as nx
import p2pgossip as pg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import TopicScoreParams
from router_harness import TOPIC, Harness, config, msg


def every_term() -> Harness:
    cfg = config()
    s = cfg.score
    s.app_specific_weight = 2.0
    s.ip_colocation_factor_weight = -1.0
    s.ip_colocation_factor_threshold = 1.0
    s.behaviour_penalty_weight = -1.0
    s.behaviour_penalty_threshold = 0.0
    s.topics = {
        TOPIC: TopicScoreParams(
            topic_weight=0.5,
            time_in_mesh_weight=1.0,
            time_in_mesh_quantum=1.0,
            time_in_mesh_cap=100.0,
            first_message_deliveries_weight=3.0,
            first_message_deliveries_cap=100.0,
            first_message_deliveries_decay=1.0,
            invalid_message_deliveries_weight=-4.0,
            invalid_message_deliveries_decay=1.0,
        )
    }
    h = Harness(cfg, validate=lambda t, m, p: "reject" if m.data.startswith(b"bad") else "accept")
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2, 3])
    return h


def test_each_term_is_the_weighted_value_and_they_sum_to_the_score() -> None:
    h = every_term()
    h.receive(2, graft=[TOPIC])
    h.receive(2, prune=[(TOPIC, [], None)])
    h.receive(2, graft=[TOPIC])  # inside the backoff and the flood threshold: 2 penalties
    h.receive(1, graft=[TOPIC])
    h.receive(1, publish=[msg(b"good1"), msg(b"good2"), msg(b"bad1")])
    h.router.set_application_score(1, 1.5)
    for p in (1, 2):
        h.router.set_peer_ip(p, "10.0.0.1")
    at = h.now + 7.0
    b = h.router.score_breakdown(1, at)
    t = b["topics"][TOPIC]
    assert t["p1"] == pytest.approx(7.0)  # grafted at the start: 7 whole quanta
    assert t["p2"] == pytest.approx(3.0 * 2)
    assert t["p4"] == pytest.approx(-4.0 * 1**2)
    assert t["p3"] == t["p3b"] == 0
    assert t["total"] == pytest.approx(0.5 * (7.0 + 6.0 - 4.0))
    assert b["p5"] == pytest.approx(3.0)
    assert b["p6"] == pytest.approx(-((2 - 1) ** 2))
    assert b["p7"] == 0 and h.router.score_breakdown(2, at)["p7"] == pytest.approx(-(2.0**2))
    for peer in (1, 2):
        b = h.router.score_breakdown(peer, at)
        assert b["total"] == pytest.approx(b["topics_total"] + b["p5"] + b["p6"] + b["p7"])
        assert b["total"] == h.router.score(peer, at)
    assert h.router.score_breakdown(9, at) is None  # not connected


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["good", "bad", "graft", "prune", "app", "beat"]),
            st.integers(1, 3),
            st.floats(-5, 5, allow_nan=False),
        ),
        max_size=25,
    )
)
def test_the_breakdown_always_sums_to_the_score(script) -> None:
    h = every_term()
    for i, (what, peer, value) in enumerate(script):
        if what == "good":
            h.receive(peer, publish=[msg(b"good%d" % i)])
        elif what == "bad":
            h.receive(peer, publish=[msg(b"bad%d" % i)])
        elif what == "graft":
            h.receive(peer, graft=[TOPIC])
        elif what == "prune":
            h.receive(peer, prune=[(TOPIC, [], None)])
        elif what == "app":
            h.router.set_application_score(peer, value)
        else:
            h.heartbeat()
    for peer in (1, 2, 3):
        b = h.router.score_breakdown(peer, h.now)
        assert b["total"] == h.router.score(peer, h.now)
        parts = sum(t["total"] for t in b["topics"].values())
        assert b["topics_total"] == pytest.approx(parts)
        assert b["total"] == pytest.approx(b["topics_total"] + b["p5"] + b["p6"] + b["p7"])


def test_a_simulated_node_breaks_down_the_score_of_a_neighbour_that_sent_forgeries() -> None:
    config = pg.GossipConfig()
    config.score.topics = {
        "t": TopicScoreParams(
            invalid_message_deliveries_weight=-10.0,
            invalid_message_deliveries_decay=1.0,
            topic_weight=1.0,
        )
    }
    sim = pg.Simulation([(0, 1), (1, 2)], seed=1, config=config, topics=["t"])
    sim.run(until_s=2)
    sim.inject(0, 1, "t", b"forged", author=2)
    sim.run(until_s=3)
    b = sim.score_breakdown(0, 1)
    assert b["topics"]["t"]["p4"] == pytest.approx(-10.0 * 1**2)
    assert b["total"] < 0
    assert sim.score_breakdown(0, 2) is None  # not neighbours


async def test_a_real_node_breaks_down_the_score_of_a_peer() -> None:
    config = pg.GossipConfig()
    config.score.app_specific_weight = 1.0
    config.score.topics = {
        "t": TopicScoreParams(first_message_deliveries_weight=1.0, topic_weight=2.0)
    }
    # A line 0 - 1 - 2: node 0 hears node 1's messages first from node 1, always.
    async with pg.LocalNetwork(3, topology=nx.path_graph(3), config=config) as net:
        await net.subscribe("t")
        await net.publish(1, "t", b"one")
        await net.publish(1, "t", b"two")
        await net.wait_delivered()
        b = net.score_breakdown(0, 1)
        assert b is not None and b["topics"]["t"]["p2"] == pytest.approx(2.0)
        assert b["total"] == pytest.approx(2.0 * 2.0)
        assert net.score_breakdown(0, 2) is None  # not a neighbour


def peer_scores(node: pg.Node) -> dict[str, float]:
    (family,) = [f for f in node.metrics_snapshot() if f["name"] == "p2pgossip_peer_score"]
    return {s["labels"]["peer"]: s["value"] for s in family["samples"]}


async def test_prometheus_shows_the_lowest_scores_of_a_bounded_set_of_peers() -> None:
    config = pg.GossipConfig()
    config.score.app_specific_weight = 1.0
    n = 34  # a star: the centre has 33 peers, one more than the gauge shows
    async with pg.LocalNetwork(n, topology=nx.star_graph(n - 1), config=config) as net:
        await net.subscribe("t")  # every peer's pubsub stream is up: the router scores it
        centre = net.nodes[0]
        for i in range(1, n):
            centre.set_app_score(net.nodes[i].peer_id, -float(i))
        lowest = str(net.nodes[n - 1].peer_id)
        for _ in range(250):  # real sockets: the commands reach the I/O thread (bounded)
            shown = peer_scores(centre)
            if shown.get(lowest) == -float(n - 1):
                break
            await asyncio.sleep(0.02)
        assert len(shown) == 32
        assert str(net.nodes[1].peer_id) not in shown  # the highest score, -1, left out
        assert shown[str(net.nodes[n - 1].peer_id)] == -float(n - 1)
        b = net.score_breakdown(0, n - 1)
        assert b is not None and b["total"] == shown[str(net.nodes[n - 1].peer_id)]
