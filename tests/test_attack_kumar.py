"""Kumar et al. (IEEE S&P 2024, CVE-2022-47547), reproduced: under Ethereum's published
score parameters a mesh peer that never forwards keeps a positive score and its mesh place;
with P3's weight raised past what P1 can give (kumar.fixed) it goes negative and is pruned.

Measured at 900 s: P3 active (activation one epoch, 384 s) for over eight minutes."""

from __future__ import annotations

from p2pgossip import kumar, presets

AT_S = 900.0


def censor_seen_by_node_0(config):
    sim = kumar.scenario(config)
    sim.run(until_s=AT_S)
    b = sim.score_breakdown(0, kumar.CENSOR)
    return b, sim.index(kumar.CENSOR) in sim.mesh(0, kumar.TOPIC)


def test_under_ethereum_parameters_a_peer_that_never_forwards_stays_positive() -> None:
    b, in_mesh = censor_seen_by_node_0(presets.ethereum(kumar.TOPIC))
    t = b["topics"][kumar.TOPIC]
    assert t["p3"] < 0  # the deficit is charged...
    assert t["p2"] == 0  # ...it delivered nothing first...
    assert t["p1"] + t["p3"] > 0  # ...but time in mesh outweighs it
    assert b["total"] > 0 and in_mesh


def test_a_p3_weight_past_the_p1_cap_prunes_it() -> None:
    b, in_mesh = censor_seen_by_node_0(kumar.fixed(presets.ethereum(kumar.TOPIC)))
    assert b["total"] < 0 and not in_mesh


def test_the_fix_leaves_honest_forwarders_positive() -> None:
    sim = kumar.scenario(kumar.fixed(presets.ethereum(kumar.TOPIC)))
    sim.run(until_s=AT_S)
    honest = [sim.labels[p] for p in sim.mesh(0, kumar.TOPIC) if p != sim.index(kumar.CENSOR)]
    assert honest and all(sim.score_breakdown(0, v)["total"] > 0 for v in honest)
