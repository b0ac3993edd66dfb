"""Censors in every mesh place of a target (up before its honest neighbours join, they fill
its mesh to D_hi, where GossipSub v1.1 refuses inbound GRAFTs): under the GossipSub v1.1
evaluation's scoring, P3 (mesh delivery deficit) drives them out of the target's mesh once it
activates, P3b keeps them out, and delivery to the target through its mesh recovers."""

from __future__ import annotations

from adversary_harness import TOPIC, delivery_to, network, publish_stream
from p2pgossip import adversary, presets

HONEST = 30
TARGET = HONEST - 1  # its honest neighbours dial it (dialled=): no outbound quota protects them
CENSORS = 12  # D_hi of the preset: enough to fill the mesh
ACTIVATION = 60.0  # the preset's mesh_message_deliveries_activation
RECOVERED = ACTIVATION + 10.0  # activation, a heartbeat to prune, a few to regraft
MESH_LATENCY = 0.2  # a mesh path here is a few 10 ms hops; gossip waits for a heartbeat


def test_censors_in_the_targets_mesh_are_pruned_and_delivery_recovers() -> None:
    config = presets.gossipsub_v11_evaluation(TOPIC)
    sim, censors = network(
        HONEST,
        config=config,
        sybils_on=[TARGET],
        sybils=CENSORS,
        early=[TARGET],
        dialled=[TARGET],
        subscribe_at=5,
    )
    sim.set_role(censors, adversary.Sybil())  # censors that GRAFT whenever they may
    publish_stream(sim, HONEST, start=6.0, end=RECOVERED + 30.0, rate=5)
    sim.run(until_s=30.0)
    censor_ix = {sim.index(c) for c in censors}
    in_mesh = censor_ix & set(sim.mesh(TARGET, TOPIC))
    assert len(in_mesh) == config.D_hi  # the attack holds: messages reach the target late
    assert delivery_to(sim, TARGET, since=6.0, until=25.0, within=MESH_LATENCY) < 0.6

    sim.run(until_s=RECOVERED + 30.0)
    assert not censor_ix & set(sim.mesh(TARGET, TOPIC))
    for c in in_mesh:
        b = sim.score_breakdown(TARGET, sim.labels[c])
        terms = b["topics"][TOPIC]
        assert terms["p3"] + terms["p3b"] < 0 and b["total"] < 0
    assert len(sim.mesh(TARGET, TOPIC)) >= config.D_lo
    assert delivery_to(sim, TARGET, RECOVERED, RECOVERED + 25.0, within=MESH_LATENCY) >= 0.99
    assert sim.summary(TOPIC)["delivery_rate"] >= 0.99  # everyone else never noticed
