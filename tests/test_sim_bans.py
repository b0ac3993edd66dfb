"""Bans in the simulator: the host's ban list, run by each simulated node as on sockets
(Node.ban): a manual ban closes the link and expires, unban lifts it, and the automatic
graylist ban of a spammer shows up in Simulation.bans."""

from __future__ import annotations

import p2pgossip as pg
import pytest
from p2pgossip import adversary, presets

TOPIC = "t"
GRAPH = pg.topology.random_regular(4, 12, seed=3)


def test_a_ban_closes_the_link_until_it_expires_and_is_listed() -> None:
    sim = pg.Simulation(GRAPH, seed=3, topics=[TOPIC])
    sim.run(until_s=3)
    banned = sorted(GRAPH.neighbors(0))[0]
    assert banned in sim.mesh(0, TOPIC)
    sim.ban(0, banned, duration_s=30, reason="misbehaved")
    sim.run(until_s=4)
    (ban,) = sim.bans(0)
    assert (ban.kind, ban.rule, ban.reason) == ("peer", "manual", "misbehaved")
    assert 28 < ban.remaining <= 29
    assert banned not in sim.mesh(0, TOPIC) and 0 not in sim.mesh(banned, TOPIC)
    assert sim.drops().loc[0, "blocked"] == 1
    # Its messages no longer come over that link.
    msg = sim.publish(banned, TOPIC, b"from the banned node")
    sim.run(until_s=6)
    d = sim.deliveries()
    assert not ((d.msg_id == msg) & (d.node == 0) & (d.from_peer == banned)).any()
    sim.run(until_s=40)
    assert sim.bans(0) == []  # expired


def test_unban_lifts_a_ban_without_expiry() -> None:
    sim = pg.Simulation(GRAPH, seed=3, topics=[TOPIC])
    sim.run(until_s=2)
    banned = sorted(GRAPH.neighbors(0))[1]
    sim.ban(0, banned)
    sim.run(until_s=3)
    assert [b.remaining for b in sim.bans(0)] == [None]
    sim.unban(0, banned, at_s=5)
    sim.run(until_s=6)
    assert sim.bans(0) == []


def test_bad_ban_arguments_are_refused() -> None:
    sim = pg.Simulation(GRAPH, seed=3, topics=[TOPIC])
    with pytest.raises(ValueError, match="duration_s"):
        sim.ban(0, 1, duration_s=0)
    with pytest.raises(KeyError, match="not an IP address"):
        sim.ban(0, "10.0.0.999")
    with pytest.raises(KeyError, match="no node"):
        sim.ban(99, 1)


def test_a_graylisted_spammer_is_banned_by_its_neighbours() -> None:
    config = presets.safe()
    sim = pg.Simulation(GRAPH, seed=3, topics=[TOPIC], config=config)
    spammer = 5
    sim.set_role(spammer, adversary.Spammer(rate=50, invalid_signatures=True, start=2.0))
    sim.run(until_s=6)
    neighbours = sorted(GRAPH.neighbors(spammer))
    for v in neighbours:
        rules = {b.rule for b in sim.bans(v)}
        assert rules == {"graylisted"}, (v, sim.bans(v))
    assert all(sim.bans(v) == [] for v in range(12) if v not in neighbours and v != spammer)


def links_up(sim: pg.Simulation, node: int) -> set[int]:
    """node's neighbours it exchanges with now: a fresh message's senders to it."""
    return {v for v in GRAPH.neighbors(node) if sim.score_breakdown(node, v) is not None}


def test_an_ip_ban_closes_every_neighbour_at_that_address_until_it_ends() -> None:
    sim = pg.Simulation(GRAPH, seed=3, topics=[TOPIC])
    a, b, c = sorted(GRAPH.neighbors(0))[:3]
    sim.set_ip([a, b], "10.0.0.7")
    sim.set_ip(c, "10.0.0.8")
    sim.run(until_s=2)
    assert {a, b, c} <= links_up(sim, 0)
    sim.ban(0, "10.0.0.7", duration_s=10, reason="one machine")
    sim.run(until_s=3)
    assert links_up(sim, 0) & {a, b} == set() and c in links_up(sim, 0)
    (ban,) = sim.bans(0)
    assert (ban.kind, ban.target) == ("ip", "10.0.0.7")
    # A restart of a banned node does not bring it back while the ban lasts.
    sim.crash(a, at_s=4)
    sim.restart(a, at_s=5)
    sim.run(until_s=8)
    assert a not in links_up(sim, 0)
    sim.run(until_s=12.5)  # expired at 12: the graph's links are up again
    assert {a, b, c} <= links_up(sim, 0)
    assert sim.bans(0) == []


def test_a_peer_ban_holds_through_restarts_and_unban_restores_the_link() -> None:
    sim = pg.Simulation(GRAPH, seed=3, topics=[TOPIC])
    banned = sorted(GRAPH.neighbors(0))[0]
    sim.run(until_s=2)
    sim.ban(0, banned)
    sim.crash(banned, at_s=3)
    sim.restart(banned, at_s=4)
    sim.partition([range(6), range(6, 12)], at_s=5)
    sim.heal(at_s=6)
    sim.run(until_s=8)
    assert banned not in links_up(sim, 0)
    sim.unban(0, banned, at_s=9)
    sim.run(until_s=12)
    assert banned in links_up(sim, 0)
    msg = sim.publish(banned, TOPIC, b"welcome back")
    sim.run(until_s=14)
    d = sim.deliveries()
    assert ((d.msg_id == msg) & (d.node == 0)).any()
