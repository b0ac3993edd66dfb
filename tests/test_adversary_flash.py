"""Attacks with a start time, under the GossipSub v1.1 evaluation's scoring. Covert flash:
sybils spread over the honest network behave perfectly for a minute, building score, then
all censor at once. Cold boot: the sybils are up and well-behaved before the honest nodes
join, and attack once they have. Either way the honest nodes keep receiving the honest
messages (bound: BOUND of them, on time at every honest node)."""

from __future__ import annotations

import pytest
from adversary_harness import TOPIC, network, publish_stream
from p2pgossip import adversary, presets

HONEST = 40
SYBILS = 40
BOUND = 0.99


def honest_delivery_after(sim, since: float, within: float) -> float:
    m = sim.messages()
    m = m[(m["publisher_role"] == "honest") & (m["t_publish"] >= since)]
    d = sim.deliveries()
    d = d[(d["role"] == "honest") & d["msg_id"].isin(set(m["msg_id"]))]
    d = d[d["t_deliver"] - d["t_publish"] <= within].drop_duplicates(["msg_id", "node"])
    return len(d) / (len(m) * HONEST)


@pytest.mark.parametrize("scenario", ["covert_flash", "cold_boot"])
def test_honest_delivery_stays_above_the_bound_once_the_sybils_attack(scenario: str) -> None:
    attack_at = 60.0
    join_at = 0.0 if scenario == "covert_flash" else 30.0
    sim, sybils = network(
        HONEST,
        config=presets.gossipsub_v11_evaluation(TOPIC),
        sybils_on=range(HONEST),
        sybils=SYBILS,
        sybil_degree=3,
        subscribe_at=join_at,
    )
    sim.set_role(sybils, adversary.Sybil(start=attack_at))
    publish_stream(sim, HONEST, start=join_at + 1.0, end=attack_at + 60.0, rate=5)
    sim.run(until_s=attack_at + 65.0)
    assert honest_delivery_after(sim, since=attack_at, within=2.0) >= BOUND
