"""The simulator's mesh-change log (router::Tracer in every simulated router)."""

import p2pgossip as pg


def replay(changes, n):
    """Meshes rebuilt from the log: {(node, topic): set of peers}."""
    mesh: dict[tuple[int, str], set[int]] = {}
    for row in changes.itertuples():
        members = mesh.setdefault((row.node, row.topic), set())
        if row.joined:
            assert row.peer not in members  # a change, never a repeat
            members.add(row.peer)
        else:
            assert row.peer in members
            members.discard(row.peer)
    return mesh


def test_the_log_replays_to_every_routers_mesh_through_churn():
    g = pg.topology.random_regular(6, 60, seed=2)
    sim = pg.Simulation(g, seed=2, topics=["a", "b"], record_mesh=True)
    sim.run(until_s=5)
    sim.partition([range(0, 30)])
    sim.crash(7)
    sim.run(until_s=9)
    sim.heal()
    sim.restart(7)
    sim.unsubscribe(3, "b")
    sim.run(until_s=15)
    changes = sim.mesh_changes()
    assert list(changes.columns) == ["t", "node", "topic", "peer", "joined"]
    assert changes.t.is_monotonic_increasing
    assert set(changes.topic) == {"a", "b"}
    assert (~changes.joined).any()  # the partition pruned
    mesh = replay(changes, sim.size)
    for node in range(sim.size):
        for topic in ("a", "b"):
            assert mesh.get((node, topic), set()) == set(sim.mesh(node, topic)), (node, topic)


def test_off_by_default_and_the_same_decisions_either_way():
    g = pg.topology.random_regular(6, 40, seed=1)
    runs = []
    for record in (False, True):
        sim = pg.Simulation(g, seed=1, topics=["t"], record_mesh=record)
        sim.run(until_s=3)
        sim.publish(0, "t", b"x" * 300)
        sim.run(until_s=6)
        runs.append(sim)
    assert runs[0].mesh_changes().empty
    assert len(runs[1].mesh_changes()) > 0
    assert runs[0].trace_digest() == runs[1].trace_digest()
