"""Attack scenarios in the simulator: an honest network, a steady stream of honest messages,
and adversaries placed by the test. Deterministic under the seed."""

from __future__ import annotations

from collections.abc import Iterable

import p2pgossip as pg
from p2pgossip import topology

TOPIC = "blocks"
LATENCY_MS = 10.0


def network(
    honest: int,
    *,
    config: pg.GossipConfig,
    degree: int = 6,
    seed: int = 1,
    sybils_on: Iterable[int] = (),
    sybils: int = 0,
    sybil_degree: int | None = None,
    subscribe_at: float = 0.0,
    early: Iterable[int] = (),
    dialled: Iterable[int] = (),
) -> tuple[pg.Simulation, list[int]]:
    """A random `degree`-regular honest graph on 0..honest-1, plus `sybils` attackers linked
    only to `sybils_on` (labels -1, -2, ...), who dial them; the sybils and the `early`
    honest nodes subscribe to TOPIC at once, the other honest nodes at `subscribe_at`. Every
    neighbour of a `dialled` node dials it (it has no outbound peer for D_out to keep)."""
    g = topology.random_regular(degree, honest, seed)
    for v in dialled:
        for u in g.neighbors(v):
            g.edges[u, v]["dialer"] = u
    attackers: list[int] = []
    if sybils:
        g, attackers = topology.sybil_attack(g, sybils_on, sybils, degree=sybil_degree, seed=seed)
    sim = pg.Simulation(
        g, seed=seed, config=config, latency=pg.Latency.constant(LATENCY_MS), record_mesh=False
    )
    early = set(early)
    sim.subscribe([*attackers, *early], TOPIC)
    sim.subscribe([v for v in range(honest) if v not in early], TOPIC, at_s=subscribe_at)
    return sim, attackers


def publish_stream(sim: pg.Simulation, honest: int, start: float, end: float, rate: float) -> None:
    """`rate` messages a second from honest nodes in turn, over [start, end)."""
    k = 0
    t = start
    while t < end:
        sim.publish(k % honest, TOPIC, b"honest %d" % k, at_s=t)
        k += 1
        t = start + k / rate


def delivery_to(
    sim: pg.Simulation, node: int, since: float, until: float, within: float | None = None
) -> float:
    """Share of the honest messages published in [since, until) that `node` received
    (within `within` seconds of publication, if given)."""
    m = sim.messages()
    m = m[(m["publisher_role"] == "honest") & (m["t_publish"] >= since) & (m["t_publish"] < until)]
    d = sim.deliveries()
    d = d[(d["node"] == sim.index(node)) & d["msg_id"].isin(set(m["msg_id"]))]
    if within is not None:
        d = d[d["t_deliver"] - d["t_publish"] <= within]
    return d["msg_id"].nunique() / len(m)
