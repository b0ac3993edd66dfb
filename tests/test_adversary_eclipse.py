"""An eclipse attempt: sybils at four times a target's honest degree, linked only to it,
censoring and GRAFTing whenever they may, up before the target's honest neighbours join (so
they hold every place of its mesh: GossipSub v1.1 refuses inbound GRAFTs to a mesh at D_hi,
scoring or not). With the GossipSub v1.1 evaluation's scoring the
target still receives the honest messages on time; with the same run's scoring off it does
not (gossip still repairs most of them, a heartbeat late), so scoring is what defends.

On time: within MESH_LATENCY of publication. A mesh path here is a few 10 ms hops; a message
that reaches the target only by gossip waits for a neighbour's heartbeat (up to 1 s), too
late for what a deadline-bound application (a block, an attestation) needs."""

from __future__ import annotations

from dataclasses import replace

from adversary_harness import TOPIC, delivery_to, network, publish_stream
from p2pgossip import adversary, evaluation, presets

HONEST = 30
DEGREE = 6
TARGET = HONEST - 1  # its honest neighbours dial it (dialled=): no outbound quota protects them
# Every sybil gets one P3 activation window (60 s) in the mesh before it is pruned: 24 sybils
# for 12 places take two rounds.
SINCE = 140.0
UNTIL = 200.0
MESH_LATENCY = 0.2


def eclipse(config) -> tuple[float, float]:
    """The target's messages on time, and the sybils' share of its mesh at SINCE."""
    sim, sybils = network(
        HONEST,
        config=config,
        sybils_on=[TARGET],
        sybils=4 * DEGREE,
        early=[TARGET],
        dialled=[TARGET],
        subscribe_at=5,
    )
    sim.set_role(sybils, adversary.Sybil())
    publish_stream(sim, HONEST, start=6.0, end=UNTIL, rate=5)
    sim.run(until_s=SINCE)
    mesh = sim.mesh(TARGET, TOPIC)
    held = {sim.index(s) for s in sybils}
    share = sum(1 for p in mesh if p in held) / max(len(mesh), 1)
    sim.run(until_s=UNTIL + 5.0)
    # Gossip repairs what the mesh loses, scoring or not, a heartbeat late.
    assert delivery_to(sim, TARGET, SINCE, UNTIL) >= 0.99
    return delivery_to(sim, TARGET, SINCE, UNTIL, within=MESH_LATENCY), share


def test_scoring_defends_the_target_and_without_it_the_eclipse_works() -> None:
    on_time, share = eclipse(presets.gossipsub_v11_evaluation(TOPIC))
    assert on_time >= 0.99 and share == 0.0
    unscored = presets.gossipsub_v11_evaluation(TOPIC)
    unscored.score = presets.neutral().score
    unscored.thresholds = presets.neutral().thresholds
    on_time, share = eclipse(unscored)
    # Every place of the target's mesh is a sybil's; what still comes on time comes by gossip
    # from its honest neighbours (0.67: their heartbeats' phases differ, so one of six is
    # often soon; 0.4 when every node beat in step, before heartbeat_initial_jitter).
    assert share == 1.0 and on_time <= 0.75


def test_the_target_loses_nothing_when_its_mesh_refills_after_the_sybils_are_pruned() -> None:
    # Seed 1: the target's mesh is empty from the sybils' pruning until 131.1 s, when its
    # neighbours' backoff ends and both sides GRAFT each other at one heartbeat. Gossip that
    # skipped the newly grafted target lost the 5 messages its neighbours got in the second
    # before (pushed to their old meshes only): 645 of 650.
    scale = replace(
        evaluation.SMALL, honest=30, publishers=5, degree=6, rate=5.0, duration=130.0, seed=1
    )
    assert evaluation.run("eclipse_single", "v1.1 on", scale)["delivery"] == 1.0
