"""The simulator's full-stack mode: links are byte streams between the runtime's connection
machines (multistream-select, Noise, yamux) fed by its outbox. The protocol decisions are the
same host's, so a scenario delivers as in the fast mode; the bytes are the real ones."""

from __future__ import annotations

import gc

import p2pgossip as pg
import pytest

N, SEED, TOPIC = 24, 5, "t"
GRAPH = pg.topology.random_regular(4, N, seed=SEED)


def scenario(full_stack: bool) -> pg.Simulation:
    sim = pg.Simulation(
        GRAPH,
        seed=SEED,
        topics=[TOPIC],
        full_stack=full_stack,
        latency=pg.Latency.lognormal(median_ms=20, sigma=0.3),
    )
    sim.run(until_s=3)
    for i in range(30):  # a burst
        sim.publish(i % N, TOPIC, f"burst {i}".encode() * 30, at_s=3.0)
    sim.partition([range(0, N // 2), range(N // 2, N)], at_s=5)
    sim.publish(0, TOPIC, b"split" * 30, at_s=6)
    sim.heal(at_s=8)
    sim.crash(3, at_s=9)
    sim.restart(3, at_s=10)
    for i in range(10):  # after heal and restart
        sim.publish((i * 7) % N, TOPIC, f"after {i}".encode() * 30, at_s=14 + 0.1 * i)
    sim.run(until_s=20)
    return sim


def reach(sim: pg.Simulation) -> dict[str, frozenset[int]]:
    d = sim.deliveries()
    return {str(m): frozenset(g) for m, g in d.groupby("msg_id", observed=True).node}


def test_full_stack_delivers_what_the_fast_mode_delivers_over_real_bytes() -> None:
    fast, full = scenario(False), scenario(True)
    assert reach(full) == reach(fast)
    everyone = frozenset(range(N))
    burst_and_after = [m for m, nodes in reach(full).items() if nodes == everyone]
    # All 41, the split-time message too: after the heal, peers grafted across the old cut
    # are offered the mcache's window by the next heartbeat's gossip (before the fix to
    # gossip after a GRAFT they were skipped as mesh peers, and it reached only its side).
    assert len(burst_and_after) == 41
    m_fast, m_full = fast.metrics(), full.metrics()
    # Noise (16-byte tags), yamux headers, multistream and identify cost bytes.
    assert m_full.bytes_out.sum() > m_fast.bytes_out.sum()
    config = pg.GossipConfig()
    assert (m_full[f"mesh_size:{TOPIC}"] <= config.D_hi).all()
    assert (m_full[f"mesh_size:{TOPIC}"] >= 1).all()


def test_full_stack_is_deterministic() -> None:
    assert scenario(True).trace_digest() == scenario(True).trace_digest()


def test_full_stack_refuses_what_it_cannot_model() -> None:
    with pytest.raises(ValueError, match="loss must be 0"):
        pg.Simulation(GRAPH, full_stack=True, loss=0.01)
    with pytest.raises(ValueError, match="peer exchange"):
        pg.Simulation(GRAPH, full_stack=True, target_outbound=3)


def stalled_scenario(until_s: float) -> tuple[pg.Simulation, list[int]]:
    """Node 1's incoming links carry 2 kB/s while 200 kB/s of messages are published: its
    neighbours' outboxes toward it stay backlogged."""
    graph = pg.topology.random_regular(4, 12, seed=2)
    sim = pg.Simulation(graph, seed=2, topics=[TOPIC], full_stack=True)
    sim.run(until_s=3)
    neighbours = sorted(graph.neighbors(1))
    for v in neighbours:
        sim.set_link(v, 1, bandwidth=2000)
    for i in range(2000):
        sim.publish(0 if i % 2 else 2, TOPIC, i.to_bytes(4, "big") * 1000, at_s=3 + i * 0.01)
    sim.run(until_s=until_s)
    return sim, neighbours


def test_a_peer_that_cannot_keep_up_is_pruned_then_disconnected_as_on_sockets() -> None:
    # The runtime samples its connections' outboxes at the host's deadlines; the full stack
    # samples its link ends' the same way, so the host's stalled-peer rule runs in both.
    sim, neighbours = stalled_scenario(until_s=30)
    drops = sim.drops()
    assert drops.loc[neighbours, "stalled_peer_pruned"].sum() >= 1
    assert drops["stalled_peer"].sum() == 0  # not yet: disconnected after 60 s
    assert drops.drop(index=neighbours)["stalled_peer_pruned"].sum() == 0
    sim.run(until_s=100)
    drops = sim.drops()
    assert drops.loc[neighbours, "stalled_peer"].sum() >= 1
    assert sim.mesh(1, TOPIC) == []  # nobody relays to it through a queue it cannot drain
    others = [v for v in range(12) if v != 1]
    d = sim.deliveries()
    assert d[d.node.isin(others)].msg_id.nunique() == 2000  # the rest of the network is whole


def test_a_full_stack_simulation_with_queued_bytes_is_destroyed_cleanly() -> None:
    # The outboxes hand their bytes back to the node budgets when destroyed: the budgets must
    # outlive them (freed first, this corrupted the heap).
    sim, _ = stalled_scenario(until_s=20)
    assert sim.metrics().dropped_queue_full.sum() > 0  # queues full at destruction
    del sim
    gc.collect()
