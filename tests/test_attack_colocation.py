"""IP colocation (P6) in the simulator: Simulation.set_ip gives simulated nodes addresses,
and sybils run from one machine (one address) are scored down by P6 and kept out of the
honest meshes, while the same sybils on distinct addresses, or with P6 off, get in."""

from __future__ import annotations

from dataclasses import replace

import p2pgossip as pg
import pytest
from p2pgossip import evaluation

TINY = replace(evaluation.SMALL, honest=30, publishers=5, degree=6, rate=5.0, duration=60.0)


def test_peers_sharing_an_address_are_charged_the_squared_surplus() -> None:
    config = pg.GossipConfig()
    config.score.ip_colocation_factor_weight = -10.0
    config.score.ip_colocation_factor_threshold = 1.0
    sim = pg.Simulation(pg.topology.full_mesh(4), config=config, topics=["t"])
    sim.set_ip([1, 2, 3], "192.0.2.7")
    sim.run(until_s=1.0)
    assert sim.score_breakdown(0, 1)["p6"] == pytest.approx(-10.0 * (3 - 1) ** 2)
    sim.set_ip(3, "192.0.2.8")  # moved: two left on the shared address
    sim.run(until_s=2.0)
    assert sim.score_breakdown(0, 1)["p6"] == pytest.approx(-10.0)
    assert sim.score_breakdown(0, 3)["p6"] == 0
    sim.crash(0, at_s=2.5)
    sim.restart(0, at_s=3.0)  # reconnected: the address comes with the connection
    sim.run(until_s=4.0)
    assert sim.score_breakdown(0, 1)["p6"] == pytest.approx(-10.0)


def sybils_in_honest_meshes(sim: pg.Simulation) -> int:
    sybils = set(range(sim.size)) - {sim.index(v) for v in range(TINY.honest)}
    return sum(len(sybils & set(sim.mesh(v, evaluation.TOPIC))) for v in range(TINY.honest))


@pytest.mark.parametrize("mode", ["v1.1 on", "v1.1 off"])
def test_colocated_sybils_are_pushed_out_by_scoring_only(mode: str) -> None:
    sim, _ = evaluation.scenario("colocation", mode, TINY)
    sim.run(until_s=evaluation.JOIN_S + TINY.duration + 5.0)  # every message published
    if mode == "v1.1 on":
        assert sybils_in_honest_meshes(sim) == 0
        assert sim.summary(evaluation.TOPIC)["delivery_rate"] >= 0.99
    else:
        assert sybils_in_honest_meshes(sim) > TINY.honest
