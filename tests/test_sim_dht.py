"""Kademlia lookups in the simulator (issue 14): each node the runtime's host::Dht, over
simulated links. Deterministic under the seed; latency is the simulation's model per request and
per answer; unreachable peers cost their query timeout."""

import math

import p2pgossip as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def ring(n: int, latency: pg.Latency, seed: int = 1) -> pg.Simulation:
    return pg.Simulation([(i, (i + 1) % n) for i in range(n)], latency=latency, seed=seed)


def test_every_lookup_finds_its_target_within_logarithmic_hops() -> None:
    sim = ring(500, pg.Latency.lognormal(40, 0.5))
    df = sim.dht_lookups(200)
    assert list(df.columns) == [
        "lookup",
        "origin",
        "target",
        "hops",
        "latency",
        "success",
        "queries",
        "timeouts",
    ]
    assert df.success.all() and (df.timeouts == 0).all()
    assert (df.origin != df.target).all()
    # Kademlia's bound: O(log n) hops, here log2(500) ~ 9; the walk needs at least k answers.
    assert df.hops.between(1, math.ceil(math.log2(500))).all()
    assert (df.queries >= 20).all()


def test_the_same_seed_gives_the_same_lookups_and_another_seed_others() -> None:
    a = ring(200, pg.Latency.lognormal(40, 0.5), seed=3).dht_lookups(50)
    b = ring(200, pg.Latency.lognormal(40, 0.5), seed=3).dht_lookups(50)
    c = ring(200, pg.Latency.lognormal(40, 0.5), seed=4).dht_lookups(50)
    assert a.equals(b)
    assert not a.equals(c)


@settings(max_examples=10, deadline=None)
@given(ms=st.integers(1, 200), nodes=st.integers(2, 60))
def test_with_constant_latency_every_lookup_takes_whole_round_trips(ms: int, nodes: int) -> None:
    # Queries go out when an answer arrives, and each answer takes two link latencies.
    df = ring(nodes, pg.Latency.constant(ms)).dht_lookups(10)
    rtt_ns = 2 * ms * 1_000_000
    assert df.success.all()
    assert all(round(x * 1e9) % rtt_ns == 0 and x > 0 for x in df.latency)


def test_unreachable_peers_cost_their_timeout_and_lookups_route_around_them() -> None:
    sim = ring(400, pg.Latency.lognormal(40, 0.5))
    df = sim.dht_lookups(100, unreachable=0.3, query_timeout=2.0)
    assert df.timeouts.sum() > 0
    slow = df[df.timeouts > 0]
    assert (slow.latency >= 2.0).all()
    assert df.success.mean() >= 0.95


def test_bad_configurations_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        pg.Simulation([], nodes=1).dht_lookups(1)
    with pytest.raises(ValueError, match="unreachable"):
        ring(10, pg.Latency.constant(1)).dht_lookups(1, unreachable=1.0)
    with pytest.raises(ValueError, match="query_timeout"):
        ring(10, pg.Latency.constant(1)).dht_lookups(1, query_timeout=-1)
