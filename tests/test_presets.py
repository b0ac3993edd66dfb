"""The score presets: each router's computed score in a constructed situation equals the
arithmetic done by hand from the published parameters (the literals below are copied from
the sources each preset names, not from the preset)."""

from __future__ import annotations

import math

import p2pgossip as pg
import pytest
from p2pgossip import SignaturePolicy, presets
from p2pgossip._core.host import Message
from p2pgossip._core.wire import Rpc
from router_harness import Harness

TOPIC = "blocks"


def harness(cfg) -> Harness:
    # Unsigned test messages and no rate limit: neither changes a score parameter.
    cfg.signature_policy = SignaturePolicy.StrictNoSign
    cfg.rate_limit_messages_per_s = 0
    cfg.rate_limit_bytes_per_s = 0
    h = Harness(cfg, validate=lambda t, m, p: "reject" if m.data.startswith(b"bad") else "accept")
    h.router.subscribe(TOPIC, 0)
    h.connect([1, 2], topics=(TOPIC,))
    return h


def deliver(h: Harness, peer: int, good: int, bad: int, first: int = 0) -> None:
    h.receive(peer, graft=[TOPIC])
    msgs = [Message(TOPIC, b"good%d" % i) for i in range(first, first + good)]
    msgs += [Message(TOPIC, b"bad%d" % i) for i in range(first, first + bad)]
    h.router.rpc_received(peer, Rpc(publish=msgs), h.now)
    h.drain()


def graft_in_backoff(h: Harness, peer: int, times: int) -> None:
    h.receive(peer, graft=[TOPIC])
    h.receive(peer, prune=[(TOPIC, [], None)])
    for _ in range(times):  # each: one penalty for the backoff, one for the flood threshold
        h.receive(peer, graft=[TOPIC])


def test_ethereum_beacon_block_scores_as_lighthouse_computes() -> None:
    h = harness(presets.ethereum(TOPIC))
    deliver(h, 1, good=3, bad=1)
    graft_in_backoff(h, 2, times=4)
    at = 100.0  # no heartbeat yet: nothing has decayed
    b = h.router.score_breakdown(1, at)["topics"][TOPIC]
    slot, epoch = 12.0, 12.0 * 32
    # P1: quantum one slot, cap 3600 s of slots, weight 10 / cap.
    assert b["p1"] == pytest.approx(10.0 / (3600 / slot) * math.floor(at / slot))
    # P2: cap = convergence of 2 x 1 block / mesh_n 8 under a decay to 0.01 in 20 epochs
    # of 12 s intervals; weight 40 / cap.
    cap = (2 * 1.0 / 8) / (1 - 0.01 ** (slot / (20 * epoch)))
    assert b["p2"] == pytest.approx(40.0 / cap * 3)
    # P4: -max positive score / topic weight; max = (10 + 40) x (0.5 + 0.5 + 1 + 3 x 0.05).
    max_positive = 50.0 * 2.15
    assert b["p4"] == pytest.approx(-max_positive / 0.5 * 1**2)
    assert b["total"] == pytest.approx(0.5 * (b["p1"] + b["p2"] + b["p4"]))
    # P7: threshold 6; weight gossip_threshold / (convergence of 10/32 under the 10-epoch
    # decay - 6)^2; 4 GRAFTs in backoff and inside the flood threshold are 8 penalties.
    decay = 0.01 ** (slot / (10 * epoch))
    weight = -4000.0 / ((10 / 32) / (1 - decay) - 6.0) ** 2
    assert h.router.score_breakdown(2, at)["p7"] == pytest.approx(weight * (8 - 6) ** 2)


def test_ethereum_thresholds_and_network_dependent_values() -> None:
    c = presets.ethereum(TOPIC, kind="beacon_aggregate_and_proof")
    t = c.thresholds
    assert (t.gossip_threshold, t.publish_threshold, t.graylist_threshold) == (-4000, -8000, -16000)
    assert (t.accept_px_threshold, t.opportunistic_graft_threshold) == (100, 5)
    assert c.score.topic_score_cap == pytest.approx(107.5 / 2)
    assert c.score.ip_colocation_factor_weight == pytest.approx(-107.5 / 2)
    # 1,000,000 validators: 64 committees a slot of 488 or 489, one aggregator in 30.
    assert presets.ethereum_aggregators_per_slot(1_000_000) == pytest.approx(1_000_000 / 960)
    p = c.score.topics[TOPIC]
    cap = (2 * 1_000_000 / 960 / 8) / (1 - 0.01 ** (12 / 384))
    assert p.first_message_deliveries_cap == pytest.approx(cap)
    # A faster chain: the slot is a keyword, and sets the quantum and decay interval.
    fast = presets.ethereum(TOPIC, seconds_per_slot=6.0)
    assert fast.score.decay_interval == 6.0
    assert fast.score.topics[TOPIC].time_in_mesh_quantum == 6.0
    # Before 5 epochs of slots Lighthouse expects no mesh deliveries yet.
    young = presets.ethereum(TOPIC, current_slot=10).score.topics[TOPIC]
    assert young.mesh_message_deliveries_weight == 0


def test_filecoin_blocks_scores_as_lotus_publishes() -> None:
    h = harness(presets.filecoin(blocks_topic=TOPIC))
    deliver(h, 1, good=4, bad=2)
    for p in (1, 2):
        h.router.set_peer_ip(p, "192.0.2.1")
    at = 30.0
    b = h.router.score_breakdown(1, at)
    t = b["topics"][TOPIC]
    assert t["p1"] == pytest.approx(0.00027 * 1)  # capped at 1 quantum
    assert t["p2"] == pytest.approx(25.0 * 4)
    assert t["p4"] == pytest.approx(-1000.0 * 2**2)
    assert t["total"] == pytest.approx(0.1 * (0.00027 + 100 - 4000))
    assert b["p6"] == pytest.approx(-100.0 * (2 - 1) ** 2)  # two peers on one IP, 1 allowed
    assert b["total"] == pytest.approx(t["total"] - 100.0)
    th = presets.filecoin().thresholds
    assert (th.gossip_threshold, th.publish_threshold, th.graylist_threshold) == (
        -500,
        -1000,
        -2500,
    )


def test_the_v11_evaluation_scores_as_its_configuration_says() -> None:
    cfg = presets.gossipsub_v11_evaluation(TOPIC)
    assert (cfg.D, cfg.D_lo, cfg.D_hi, cfg.D_score, cfg.D_lazy) == (8, 6, 12, 6, 12)
    h = harness(cfg)
    deliver(h, 1, good=5, bad=1)
    at = 20.0
    t = h.router.score_breakdown(1, at)["topics"][TOPIC]
    assert t["p1"] == pytest.approx(0.0027 * 20)
    assert t["p2"] == pytest.approx(0.664 * 5)
    assert t["p4"] == pytest.approx(-99.0)
    assert t["total"] == pytest.approx(0.25 * (0.0027 * 20 + 0.664 * 5 - 99.0))
    assert h.router.score(1, at) == pytest.approx(t["total"])  # P5..P7 weigh nothing


def test_the_safe_default_graylists_a_peer_at_its_sixth_invalid_message_on_any_topic() -> None:
    cfg = presets.safe()
    h = harness(cfg)
    deliver(h, 1, good=3, bad=5)
    assert h.router.score(1, 0) == pytest.approx(-100.0 * 5**2)  # -2500: not below yet
    assert h.router.score(1, 0) >= cfg.thresholds.graylist_threshold
    deliver(h, 1, good=0, bad=1, first=5)
    assert h.router.score(1, 0) < cfg.thresholds.graylist_threshold
    assert h.router.score(2, 0) == 0  # an honest peer is not scored at all


def test_real_nodes_score_by_default_and_simulations_stay_neutral() -> None:
    assert pg.Node().config == presets.safe()
    assert pg.LocalNetwork(3, topology="ring").config == presets.safe()
    assert pg.Simulation([(0, 1)]).config == presets.neutral()
    assert pg.Node(config=pg.GossipConfig()).config == presets.neutral()  # still a choice
