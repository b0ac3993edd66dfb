"""Simulation.summary's delivery rate is over the nodes subscribed to a message's topic when
it was published. It was over every honest node: 16 topics with 3 joined a node read 19%
where every subscriber had every message."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip import Latency, Simulation, topology
from p2pgossip._subscribers import SubscriptionLog


def test_topics_joined_by_some_nodes_are_rated_against_their_subscribers():
    n, topics = 60, ["a", "b", "c"]
    sim = Simulation(topology.random_regular(8, n, 1), seed=1, latency=Latency.constant(10))
    members = {t: [v for v in range(n) if v % 3 != k] for k, t in enumerate(topics)}
    for t, nodes in members.items():
        sim.subscribe(nodes, t)
    for i in range(30):
        t = topics[i % 3]
        sim.publish(members[t][i % len(members[t])], t, b"m%d" % i, at_s=5 + i * 0.1)
    sim.run(until_s=20)
    s = sim.summary()
    assert s["expected_deliveries"] == 30 * 40
    assert s["delivery_rate"] == 1.0
    assert sim.summary("a")["expected_deliveries"] == 10 * 40


def test_who_is_expected_follows_subscriptions_over_time():
    sim = Simulation(topology.random_regular(4, 20, 1), seed=1, latency=Latency.constant(10))
    sim.subscribe(range(19), "t")
    sim.subscribe(19, "t", at_s=10)
    sim.unsubscribe(0, "t", at_s=20)
    early = sim.publish(1, "t", b"early", at_s=5)  # 19 subscribers, 19 not yet
    middle = sim.publish(1, "t", b"middle", at_s=15)  # all 20
    late = sim.publish(1, "t", b"late", at_s=25)  # 0 left
    sim.run(until_s=35)
    d = sim.deliveries()
    assert set(d[d.msg_id == early].node) == set(range(19))
    assert len(d[d.msg_id == middle]) == 20
    assert set(d[d.msg_id == late].node) == set(range(1, 20))
    s = sim.summary()
    assert s["expected_deliveries"] == 19 + 20 + 19 and s["delivery_rate"] == 1.0


calls = st.lists(
    st.tuples(
        st.integers(0, 5),  # time
        st.sampled_from(["x", "y"]),
        st.lists(st.integers(0, 7), min_size=1, max_size=4),
        st.booleans(),
    ),
    max_size=12,
)
queries = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from(["x", "y"]), st.integers(0, 7)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200)
@given(calls=calls, queries=queries, dishonest=st.sets(st.integers(0, 7), max_size=2))
def test_expected_pairs_match_replaying_the_calls(calls, queries, dishonest):
    """Against the definition: replay the calls in time order (calls at one time in the order
    given) and look at the state at each message's publication."""
    log = SubscriptionLog()
    for at, topic, nodes, joined in calls:
        log.add(at, topic, nodes, joined)
    honest = np.array([v not in dishonest for v in range(8)])

    def subscribed(topic: str, node: int, t: int) -> bool:
        state = False
        for at, tp, nodes, joined in sorted(calls, key=lambda c: c[0]):
            if at <= t and tp == topic and node in nodes:
                state = joined
        return state

    messages = pd.DataFrame(
        {
            "msg_id": [f"m{i}" for i in range(len(queries))],
            "topic": [q[1] for q in queries],
            "t_publish": [q[0] / 1e9 for q in queries],
        }
    )
    deliveries = pd.DataFrame(
        {
            "msg_id": [f"m{i}" for i in range(len(queries))],
            "node": [q[2] for q in queries],
            "t_publish": [q[0] / 1e9 for q in queries],
        }
    )
    total, kept = log.expected(messages, deliveries, honest)
    want_total = sum(
        subscribed(topic, v, t) for t, topic, _ in queries for v in range(8) if honest[v]
    )
    want_kept = {
        f"m{i}" for i, (t, topic, v) in enumerate(queries) if honest[v] and subscribed(topic, v, t)
    }
    assert total == want_total
    assert set(kept["msg_id"]) == want_kept
