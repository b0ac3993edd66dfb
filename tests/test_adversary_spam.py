"""A spammer of invalid signatures, under the safe default scoring: every neighbour drives
it below the graylist threshold and disconnects it within a bounded number of heartbeats,
while the honest nodes keep delivering."""

from __future__ import annotations

import p2pgossip as pg
import pytest
from adversary_harness import TOPIC, network, publish_stream
from p2pgossip import adversary, presets

HONEST = 30
SPAM_AT = 5.0


def spammed(config: pg.GossipConfig, invalid_signatures: bool, invalid_payloads: bool):
    sim, _ = network(HONEST, config=config)
    spammer = 0
    sim.set_role(
        spammer,
        adversary.Spammer(
            rate=50,
            invalid_signatures=invalid_signatures,
            invalid_payloads=invalid_payloads,
            start=SPAM_AT,
        ),
    )
    publish_stream(sim, HONEST, start=2.0, end=25.0, rate=4)
    return sim, spammer


@pytest.mark.parametrize(
    "invalid_signatures,invalid_payloads", [(True, False), (False, True), (True, True)]
)
def test_an_invalid_spammer_is_graylisted_and_dropped_within_two_heartbeats(
    invalid_signatures: bool, invalid_payloads: bool
) -> None:
    config = presets.safe()
    sim, spammer = spammed(config, invalid_signatures, invalid_payloads)
    neighbours = [v for v in range(HONEST) if sim.score_breakdown(v, spammer) is not None]
    assert len(neighbours) == 6
    # Six invalid messages take a peer below -2500; at 50/s they arrive within 0.2 s.
    sim.run(until_s=SPAM_AT + 0.3)
    for v in neighbours:
        b = sim.score_breakdown(v, spammer)
        if b is not None:  # not yet disconnected: it must be graylisted already
            assert b["total"] < config.thresholds.graylist_threshold
            assert b["topics"][TOPIC]["p4"] < 0
    # The next heartbeat disconnects it (disconnect_graylisted); allow two.
    sim.run(until_s=SPAM_AT + 2 * config.heartbeat_interval)
    assert all(sim.score_breakdown(v, spammer) is None for v in neighbours)
    m = sim.metrics()
    assert m.loc[neighbours, "disconnects"].min() == 1
    assert m.loc[spammer, "role"] == "spammer"
    sim.run(until_s=30)
    summary = sim.summary(TOPIC)
    assert summary["messages"] > 80
    assert summary["delivery_rate"] >= 0.99


def test_without_scoring_the_spammer_stays_connected() -> None:
    # The neutral defaults the simulator keeps: the same spam is never penalised.
    sim, spammer = spammed(presets.neutral(), True, False)
    sim.run(until_s=SPAM_AT + 5)
    neighbours = [v for v in range(HONEST) if sim.score_breakdown(v, spammer) is not None]
    assert len(neighbours) == 6
    assert all(sim.score_breakdown(v, spammer)["total"] == 0 for v in neighbours)
    assert sim.metrics().loc[neighbours, "dropped_invalid_signature"].sum() > 0


def test_every_result_table_marks_the_spammer() -> None:
    sim, spammer = spammed(presets.safe(), False, False)  # valid spam: delivered
    sim.run(until_s=SPAM_AT + 1)
    d = sim.deliveries()
    assert set(d["role"].unique()) == {"honest", "spammer"}
    assert (d[d["node"] == spammer]["role"] == "spammer").all()
    msgs = sim.messages()
    spam = msgs[msgs["publisher"] == spammer]
    assert len(spam) >= 40 and (spam["publisher_role"] == "spammer").all()
    # The summary counts honest messages at honest nodes only.
    assert sim.summary(TOPIC)["honest_nodes"] == HONEST - 1
