"""Bursts and spammers in the deterministic simulator (issue 10): with the default
configuration a burst reaches every node; a per-peer budget far below the burst drops
copies, never messages (what it drops is not marked seen, and gossip recovers it); a spammer
at 20x the budget does not cost honest delivery."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from p2pgossip import GossipConfig, Latency, Simulation

TOPIC = "t"


def burst(n, messages, *, one_publisher=False, config=None, spam=0, until_s=60.0):
    g = nx.random_regular_graph(8, n, seed=1)
    sim = Simulation(
        g,
        seed=1,
        latency=Latency.lognormal(median_ms=40, sigma=0.5),
        topics=[TOPIC],
        config=config,
    )
    rng = random.Random(1)
    ids = [
        sim.publish(
            0 if one_publisher else rng.randrange(n),
            TOPIC,
            k.to_bytes(4, "big") * 64,
            at_s=5.0,  # at one instant, once the mesh has formed
        )
        for k in range(messages)
    ]
    for k in range(spam):  # the last node, as fast as it can: all at once
        sim.publish(n - 1, TOPIC, b"spam" + k.to_bytes(4, "big") * 63, at_s=5.0)
    sim.run(until_s=until_s, progress=False)
    d = sim.deliveries()
    reached = d[d["msg_id"].isin(set(ids))].groupby("msg_id")["node"].nunique()
    return sim, ids, reached


@pytest.mark.parametrize(("n", "messages", "one"), [(100, 2000, False), (50, 2000, True)])
def test_a_burst_with_the_default_config_reaches_every_node(n, messages, one):
    sim, ids, reached = burst(n, messages, one_publisher=one)
    assert len(reached) == len(ids) and (reached == n).all()
    m = sim.metrics()
    assert m["dropped_rate_limited"].sum() == 0
    assert m["dropped_queue_full"].sum() == 0


def test_a_budget_far_below_the_burst_drops_copies_never_messages():
    """One publisher, 200 messages at once, a budget of 50: its neighbours drop most of its
    copies; each dropped message comes back from another neighbour or through IWANT."""
    cfg = GossipConfig(rate_limit_messages_per_s=50, rate_limit_burst_s=1)
    sim, ids, reached = burst(30, 200, one_publisher=True, config=cfg, until_s=120)
    assert len(reached) == len(ids) and (reached == 30).all()
    m = sim.metrics()
    assert m["dropped_rate_limited"].sum() > 1000
    assert m["iwant_recovered"].sum() > 0


def test_a_spammer_at_20x_the_budget_costs_no_honest_delivery():
    cfg = GossipConfig(rate_limit_messages_per_s=50, rate_limit_burst_s=1)
    sim, ids, reached = burst(40, 50, config=cfg, spam=1000, until_s=120)
    assert len(reached) == len(ids) and (reached == 40).all()
    m = sim.metrics()
    assert m["dropped_rate_limited"].sum() > 0
    # The spammer's neighbours cut it to their budget.
    spammer_neighbours = list(nx.random_regular_graph(8, 40, seed=1).neighbors(39))
    assert (m.loc[spammer_neighbours, "dropped_rate_limited"] > 0).all()
