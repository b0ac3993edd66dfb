"""Kumar et al. (IEEE S&P 2024, CVE-2022-47547): under Ethereum's published score
parameters a mesh peer that never forwards keeps a positive score, so it is never pruned.

Why (docs/scoring.md, "A peer that never forwards"): on a beacon_block topic a peer earns
P1 (time in mesh) at 10/300 a slot up to 10, while the worst P3 (mesh message deliveries
deficit) is -0.5 x threshold^2 with a threshold of about 0.68 (expected deliveries of one
block a slot, over 50, converged): -0.23. P1 passes it within seven slots, long before P3
activates (one epoch), and nothing else is charged to a silent peer. The fix makes the
worst P3 outweigh the most P1 can give: ``fixed(config)``.

``scenario`` is a small network where one neighbour of node 0 is a ``Censor``; the test,
the notebook and the docs use it.
"""

from __future__ import annotations

from . import adversary, presets, topology
from ._core.router import GossipConfig
from ._core.sim import Latency
from .simulation import Simulation

__all__ = ["CENSOR", "TOPIC", "fixed", "scenario"]

TOPIC = "beacon_block"
CENSOR = -1  # its label: linked to nodes 0..4, in each of their meshes
SLOT_S = 12.0


def fixed(config: GossipConfig, topic: str = TOPIC, margin: float = 2.0) -> GossipConfig:
    """``config`` with ``topic``'s P3 weight raised until a peer delivering nothing scores
    ``margin`` times the most P1 can give below zero: |w3| * threshold^2 > w1 * cap1."""
    c = config.copy()
    p = c.score.topics[topic]
    p1_max = p.time_in_mesh_weight * p.time_in_mesh_cap
    p.mesh_message_deliveries_weight = -margin * p1_max / p.mesh_message_deliveries_threshold**2
    c.score.topics = {**c.score.topics, topic: p}
    return c


def scenario(config: GossipConfig | None = None, *, honest: int = 20, seed: int = 1) -> Simulation:
    """``honest`` nodes on a random 6-regular graph, plus CENSOR linked to nodes 0..4 (each
    then has 7 peers, under D, so all are in its mesh), one block per slot from the honest
    nodes in turn for as long as the caller runs it (up to an hour)."""
    g = topology.random_regular(6, honest, seed)
    g.add_edges_from((CENSOR, v) for v in range(5))
    sim = Simulation(
        g,
        seed=seed,
        config=config if config is not None else presets.ethereum(TOPIC),
        latency=Latency.uniform(5.0, 25.0),
        topics=[TOPIC],
    )
    sim.set_role(CENSOR, adversary.Censor())
    for k in range(int(3600 / SLOT_S)):
        sim.publish(k % honest, TOPIC, b"block %d" % k, at_s=1.0 + k * SLOT_S)
    return sim
