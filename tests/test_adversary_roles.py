"""Each adversary role does what it says, in small simulated networks (deterministic)."""

from __future__ import annotations

import networkx as nx
import p2pgossip as pg
import pytest
from p2pgossip import adversary, presets

TOPIC = "t"


def line(config: pg.GossipConfig | None = None) -> pg.Simulation:
    """0 - 1 - 2: whatever reaches 2 from 0 passes through 1."""
    return pg.Simulation(
        nx.path_graph(3), seed=1, config=config, latency=pg.Latency.constant(10), topics=[TOPIC]
    )


def relayed(role: adversary.RoleSpec, until: float, config: pg.GossipConfig | None = None):
    """A message from 0 at 2 s, node 1 playing `role`, run to `until`: (sim, message id)."""
    sim = line(config)
    sim.set_role(1, role)
    sim.run(until_s=2)
    mid = sim.publish(0, TOPIC, b"through node 1")
    sim.run(until_s=until)
    return sim, mid


def delivered_at(sim: pg.Simulation, node: int, msg_id: str) -> list[float]:
    d = sim.deliveries()
    return sorted(d[(d["node"] == node) & (d["msg_id"] == msg_id)]["t_deliver"])


def test_a_censor_of_chosen_origins_drops_only_their_messages() -> None:
    sim = line()
    sim.set_role(1, adversary.Censor(origins=(0,)))
    sim.run(until_s=2)
    from_0 = sim.publish(0, TOPIC, b"from 0")
    from_2 = sim.publish(2, TOPIC, b"from 2")
    sim.run(until_s=10)  # gossip has had its heartbeats too
    assert delivered_at(sim, 1, from_0) and not delivered_at(sim, 2, from_0)
    assert delivered_at(sim, 0, from_2)
    assert sim.roles() == {1: "censor"}


def test_a_censor_of_every_origin_drops_unsigned_messages_too() -> None:
    # StrictNoSign (Ethereum's policy): no `from` to tell an origin by.
    sim = line(pg.GossipConfig(signature_policy=pg.SignaturePolicy.StrictNoSign))
    sim.set_role(1, adversary.Censor())
    sim.run(until_s=2)
    mid = sim.publish(0, TOPIC, b"anonymous")
    sim.run(until_s=10)
    assert delivered_at(sim, 1, mid) and not delivered_at(sim, 2, mid)


def test_a_partial_censor_withholds_its_share_of_messages_and_forwards_the_rest() -> None:
    # Flood publishing off and a line: node 2 has only what node 1 forwards, or answers by
    # IWANT; a withheld message is never advertised, so it never arrives.
    config = pg.GossipConfig(flood_publish=False)
    withheld = []
    for seed in (1, 2):
        sim = pg.Simulation(
            nx.path_graph(3),
            seed=seed,
            config=config,
            latency=pg.Latency.constant(10),
            topics=[TOPIC],
        )
        sim.set_role(1, adversary.Censor(fraction=0.3))
        sim.run(until_s=2)
        ids = [sim.publish(0, TOPIC, b"m%d" % k, at_s=2 + k / 50) for k in range(400)]
        sim.run(until_s=14)
        d = sim.deliveries()
        assert d[d["node"] == 1]["msg_id"].nunique() == 400  # it receives every message
        reached = set(d[d["node"] == 2]["msg_id"])
        withheld.append({k for k, mid in enumerate(ids) if mid not in reached})
    # 400 draws at 0.3: the share withheld lies within 4.5 standard deviations (~41).
    for w in withheld:
        assert abs(len(w) - 120) <= 41
    assert withheld[0] != withheld[1]  # which ones: the simulation's seed decides


def test_a_censor_fraction_outside_0_to_1_is_refused() -> None:
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="fraction"):
            adversary.Censor(fraction=bad).core()


def test_a_slow_node_forwards_late() -> None:
    sim, mid = relayed(adversary.Slow(delay=0.5), until=4)
    (t,) = delivered_at(sim, 2, mid)
    assert 2.0 + 0.5 + 0.02 <= t < 2.0 + 0.5 + 0.1  # two 10 ms hops and the delay


def test_a_replayer_gets_a_message_delivered_again_once_the_seen_cache_forgot_it() -> None:
    sim, mid = relayed(
        adversary.Replayer(after=8.0), until=15, config=pg.GossipConfig(seen_ttl=5.0)
    )
    first, again = delivered_at(sim, 2, mid)
    assert again - first == pytest.approx(8.0, abs=0.05)


def test_a_start_time_keeps_a_role_honest_until_then() -> None:
    sim = line()
    sim.set_role(1, adversary.Censor(start=5.0))
    sim.run(until_s=2)
    before = sim.publish(0, TOPIC, b"before")
    sim.run(until_s=6)
    after = sim.publish(0, TOPIC, b"after")
    sim.run(until_s=12)
    assert delivered_at(sim, 2, before) and not delivered_at(sim, 2, after)


def test_an_ihave_spammer_breaks_promises_until_its_gossip_is_ignored() -> None:
    config = presets.safe()
    sim = pg.Simulation(nx.star_graph(4), seed=1, config=config, topics=[TOPIC])
    sim.set_role(0, adversary.IHaveSpammer(ids=10))
    # Zero-latency links: the spammer's IHAVE reaches each node at the instant of its own
    # heartbeat, and is handled first (events at one instant go by sender), so a promise
    # breaks a heartbeat later than when ties went by insertion: 7 by 11 s.
    sim.run(until_s=11)
    scores = [sim.score_breakdown(v, 0) for v in range(1, 5)]
    assert all(b is not None and b["p7"] < 0 for b in scores)  # over the threshold of 6
    assert sim.metrics().loc[1:4, "broken_promises"].min() > 6
    sim.run(until_s=30)
    # Below the gossip threshold its IHAVEs are ignored: no IWANT, no promise, no more cost.
    assert all(
        sim.score_breakdown(v, 0)["total"] < config.thresholds.gossip_threshold for v in range(1, 5)
    )
    asked = sim.metrics().loc[1:4, "iwant_sent"].copy()
    sim.run(until_s=60)
    assert (sim.metrics().loc[1:4, "iwant_sent"] == asked).all()
    assert (sim.metrics().loc[1:4, "ihave_received"] > 50).all()


def test_graft_spammers_pruned_from_a_full_mesh_are_penalised_and_dropped() -> None:
    # A centre with 14 leaves keeps D of them at its first heartbeat; the pruned leaves GRAFT
    # again inside the backoff, every heartbeat, and each such GRAFT is a P7 penalty.
    config = presets.safe()
    sim = pg.Simulation(nx.star_graph(14), seed=1, config=config, topics=[TOPIC])
    sim.set_role(range(1, 15), adversary.GraftSpammer())
    sim.run(until_s=30)
    dropped = [v for v in range(1, 15) if sim.score_breakdown(0, v) is None]
    assert len(dropped) >= 14 - config.D_hi
    assert sim.metrics().loc[0, "disconnects"] == len(dropped)
    assert set(sim.mesh(0, TOPIC)).isdisjoint(dropped)


def test_roles_combine() -> None:
    role = adversary.Sybil() + adversary.Spammer(rate=5, invalid_signatures=True)
    core = role.core()
    assert core.censor and core.graft_eagerly and core.spam_rate == 5 and core.invalid_signatures
    assert role.name == "sybil+spammer"
    assert not core.honest and pg._core.host.Role().honest


def test_a_censor_names_its_origins_by_label_whatever_their_index() -> None:
    # 10 - (-1) - 20: the censor's label sorts first, so labels and indices differ (the
    # evaluation's sybils are -1, -2, ...). Its origins used to be read as indices: (10,)
    # was refused, and (0,) named the censor itself.
    g = nx.relabel_nodes(nx.path_graph(3), {0: 10, 1: -1, 2: 20})
    sim = pg.Simulation(g, seed=1, latency=pg.Latency.constant(10), topics=[TOPIC])
    sim.set_role(-1, adversary.Censor(origins=(10,)))
    sim.run(until_s=2)
    from_10 = sim.publish(10, TOPIC, b"from 10")
    from_20 = sim.publish(20, TOPIC, b"from 20")
    sim.run(until_s=10)
    at = {v: sim.index(v) for v in (10, -1, 20)}
    assert delivered_at(sim, at[-1], from_10) and not delivered_at(sim, at[20], from_10)
    assert delivered_at(sim, at[10], from_20)
