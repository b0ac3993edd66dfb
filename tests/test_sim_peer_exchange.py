"""Peer exchange in the simulator: with ``target_outbound`` the nodes run the runtime's peer
manager (through the same host), follow PRUNE suggestions and dial beyond the graph; without
it the graph is every link there is and suggestions are only counted."""

from __future__ import annotations

import networkx as nx
import p2pgossip as pg

N, SEED, TOPIC, LEAVER = 16, 7, "t", 3
GRAPH = pg.topology.random_regular(3, N, seed=SEED)


def leave_and_publish(sim: pg.Simulation) -> None:
    sim.subscribe(topic=TOPIC)
    sim.run(until_s=5)
    sim.unsubscribe(LEAVER, TOPIC)
    sim.run(until_s=8)
    for i in range(20):
        sim.publish(i % N if i % N != LEAVER else 0, TOPIC, f"m{i}".encode() * 10)
        sim.run(until_s=8 + 0.2 * (i + 1))
    sim.run(until_s=15)


def beyond_the_graph(sim: pg.Simulation, graph: nx.Graph) -> set[tuple[int, int]]:
    d = sim.deliveries()
    relayed = d[d.from_peer >= 0]
    return {
        (int(r.node), int(r.from_peer))
        for r in relayed.itertuples()
        if not graph.has_edge(int(r.node), int(r.from_peer))
    }


def test_without_a_target_suggestions_are_counted_and_the_graph_stays() -> None:
    sim = pg.Simulation(GRAPH, seed=SEED)
    leave_and_publish(sim)
    m = sim.metrics()
    assert m.px_ignored.sum() > 0
    assert m.peer_dials.sum() == 0
    assert not beyond_the_graph(sim, GRAPH)


def test_pruned_nodes_dial_the_suggested_peers_and_use_the_new_links() -> None:
    sim = pg.Simulation(GRAPH, seed=SEED, target_outbound=3)
    leave_and_publish(sim)
    m = sim.metrics()
    assert m.px_ignored.sum() == 0
    assert m.peer_dials.sum() > 0
    # Messages travel links no edge of the graph made.
    assert beyond_the_graph(sim, GRAPH)
    d = sim.deliveries()
    for mid, got in d.groupby("msg_id", observed=True).node:
        assert set(got) == set(range(N)) - {LEAVER}, mid


def run_churn(seed: int) -> str:
    sim = pg.Simulation(GRAPH, seed=seed, target_outbound=3, record_mesh=True)
    sim.subscribe(topic=TOPIC)
    sim.run(until_s=3)
    sim.unsubscribe(LEAVER, TOPIC)
    sim.partition([range(0, N // 2), range(N // 2, N)], at_s=4)
    sim.crash(1, at_s=5)
    sim.heal(at_s=7)
    sim.restart(1, at_s=8)
    sim.subscribe(LEAVER, TOPIC, at_s=9)
    for i in range(10):
        sim.publish(i, TOPIC, f"c{i}".encode() * 10, at_s=3.5 + i)
    sim.run(until_s=20)
    return sim.trace_digest()


def test_peer_exchange_through_partitions_and_crashes_is_deterministic() -> None:
    assert run_churn(SEED) == run_churn(SEED)
    assert run_churn(SEED) != run_churn(SEED + 1)
