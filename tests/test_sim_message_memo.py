"""The simulator looks up the ids and verification-cache keys of the messages it built by
the message object's address instead of hashing each received copy. Under wire_fidelity
every hop decodes a fresh object, so nothing is found that way and everything is computed:
both must give the same results, verification counts included."""

from __future__ import annotations

import pytest
from _sim_graphs import connected_graphs, delivered_pairs
from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip import GossipConfig, Latency, Simulation, topology

TOPIC = "t"


def outcome(sim: Simulation) -> tuple:
    core = sim._core
    return sim.trace_digest(), core.verifications, core.verify_cache_hits, delivered_pairs(sim)


def run(g, seed: int, messages: int, **kw) -> tuple:
    # One thread, as wire_fidelity runs: each thread has a verification cache of its own,
    # so its hits depend on the threads (the trace and the verifications do not).
    sim = Simulation(g, seed=seed, latency=Latency.uniform(5, 50), topics=[TOPIC], threads=1, **kw)
    n = len(g)
    for i in range(messages):
        sim.publish(i % n, TOPIC, i.to_bytes(4, "big") * 16, at_s=2.0 + 0.001 * i)
    sim.run(until_s=8)
    return outcome(sim)


@given(g=connected_graphs(max_nodes=30), seed=st.integers(0, 2**32))
@settings(max_examples=10)
def test_ids_and_verification_are_what_each_copy_would_compute(g, seed):
    assert run(g, seed, 5) == run(g, seed, 5, wire_fidelity=True)


def test_more_messages_than_the_memo_holds_are_still_handled_exactly():
    # 5,000 messages: more than the memo's 4,096 slots, so entries are replaced while their
    # messages are still travelling. No rate limits: this many in 5 s would exceed them.
    g = topology.random_regular(3, 6, 1)
    cfg = GossipConfig()
    cfg.rate_limit_messages_per_s = cfg.rate_limit_bytes_per_s = 0
    fast = run(g, 1, 5000, config=cfg)
    exact = run(g, 1, 5000, config=cfg, wire_fidelity=True)
    assert fast == exact
    assert len(fast[3]) == 5000 * 6


@given(seed=st.integers(0, 2**32))
@settings(max_examples=10)
def test_a_forged_copy_with_a_genuine_id_is_never_delivered(seed):
    # The forgery shares the genuine message's id (the id hashes topic and data only) and
    # reaches `to` first; the genuine copy, verified and cached, must not vouch for it.
    g = topology.random_regular(4, 12, seed % 100)
    results = []
    for wire_fidelity in (False, True):
        sim = Simulation(
            g,
            seed=seed,
            latency=Latency.constant(5),
            topics=[TOPIC],
            wire_fidelity=wire_fidelity,
            threads=1,  # as run(): the verification cache's hits are per thread
        )
        genuine = sim.publish(0, TOPIC, b"same" * 20, at_s=2.0)
        via = min(g[7])
        forged = sim.inject(7, via, TOPIC, b"same" * 20, author=0, at_s=1.9)
        assert forged == genuine
        sim.run(until_s=6)
        assert sim.metrics().loc[7, "dropped_invalid_signature"] == 1
        assert {v for _, v in delivered_pairs(sim)} == set(g)
        results.append(outcome(sim))
    assert results[0] == results[1]


@pytest.mark.parametrize("threads", [2, 3])
def test_each_thread_uses_its_own_copies_with_the_results_of_one_thread(threads):
    # On several threads a shard uses its own copy of each message, made when the message
    # first reaches it from another shard: alone, in an RPC (IWANT replies, which the loss
    # makes common), or injected between windows. 5,000 messages are more than a shard's
    # table of copies holds, so copies are forgotten, and made again, while they travel.
    g = topology.random_regular(16, 48, 1)
    cfg = GossipConfig()
    cfg.rate_limit_messages_per_s = cfg.rate_limit_bytes_per_s = 0
    to = 47
    via = min(g[to])  # in the first shard: another than to's

    def run_on(threads: int) -> tuple:
        sim = Simulation(
            g,
            seed=3,
            config=cfg,
            latency=Latency.uniform(5, 50),
            loss=0.2,
            topics=[TOPIC],
            threads=threads,
        )
        for i in range(5000):
            sim.publish(i % 48, TOPIC, i.to_bytes(4, "big") * 16, at_s=2.0 + 0.001 * i)
        sim.inject(to, via, TOPIC, b"spam" * 16, author=via, forge_signature=False, at_s=2.5)
        sim.run(until_s=12)
        return outcome(sim)[:2] + (
            delivered_pairs(sim),
            int(sim.metrics()["iwant_recovered"].sum()),
        )

    one = run_on(1)
    assert via < 48 // threads <= to
    assert one[3] > 0  # messages went in IWANT replies
    assert len(one[2]) == 5001 * 48
    assert run_on(threads) == one
