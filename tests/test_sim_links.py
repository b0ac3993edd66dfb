"""Latency models, the CPU cost type, topology helpers and the benchmark baseline."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip import CpuCost, Latency, _core, topology


def test_constant_latency_is_constant():
    assert np.all(Latency.constant(12.5).samples_ms(100) == 12.5)


@given(lo=st.floats(0, 100), width=st.floats(0, 100), seed=st.integers(0, 2**63))
def test_uniform_latency_stays_in_bounds(lo, width, seed):
    s = Latency.uniform(lo, lo + width).samples_ms(200, seed)
    assert s.min() >= lo - 1e-6 and s.max() <= lo + width + 1e-6


def test_lognormal_latency_has_its_median_and_spread():
    s = Latency.lognormal(median_ms=40, sigma=0.5).samples_ms(40_000, seed=3)
    assert abs(np.median(s) - 40) < 1.0
    assert abs(np.std(np.log(s)) - 0.5) < 0.02


def test_normal_latency_has_its_mean_and_is_never_negative():
    s = Latency.normal(mean_ms=50, std_ms=10).samples_ms(40_000, seed=4)
    assert abs(s.mean() - 50) < 0.5 and abs(s.std() - 10) < 0.5
    assert Latency.normal(mean_ms=1, std_ms=10).samples_ms(1000).min() >= 0


def test_latency_draws_follow_the_seed():
    model = Latency.lognormal(median_ms=40, sigma=0.5)
    assert np.array_equal(model.samples_ms(50, 1), model.samples_ms(50, 1))
    assert not np.array_equal(model.samples_ms(50, 1), model.samples_ms(50, 2))


@pytest.mark.parametrize(
    "bad",
    [lambda: Latency.constant(-1), lambda: Latency.uniform(5, 1), lambda: CpuCost(verify_us=-1)],
)
def test_bad_parameters_are_value_errors(bad):
    with pytest.raises(ValueError):
        bad()


def test_cpu_cost_defaults_are_this_machines_crypto_costs():
    c = CpuCost()
    assert (c.verify_us, c.sign_us) == (87.0, 32.0)


@given(n=st.integers(20, 300), d=st.sampled_from([3, 4, 8, 16]), seed=st.integers(0, 2**32))
@settings(max_examples=20)
def test_random_regular_is_simple_and_d_regular(n, d, seed):
    if n * d % 2:
        n += 1
    g = topology.random_regular(d, n, seed)
    assert g.number_of_nodes() == n and all(deg == d for _, deg in g.degree())
    assert nx.number_of_selfloops(g) == 0  # nx.Graph cannot hold parallel edges


@pytest.mark.parametrize(
    "make",
    [
        lambda: topology.ring(30),
        lambda: topology.full_mesh(12),
        lambda: topology.erdos_renyi(60, 0.08, seed=5),
        lambda: topology.watts_strogatz(60, 4, 0.2, seed=5),
        lambda: topology.barabasi_albert(60, 2, seed=5),
    ],
)
def test_topologies_are_connected(make):
    assert nx.is_connected(make())


def test_erdos_renyi_may_be_left_disconnected():
    assert not nx.is_connected(topology.erdos_renyi(50, 0.0, seed=1, connected=False))
    with pytest.raises(ValueError):
        topology.erdos_renyi(50, 0.0, seed=1)


def test_mesh_push_baseline_floods_a_connected_mesh():
    g = topology.random_regular(16, 500, seed=2)
    r = _core.sim.mesh_push_baseline(500, list(g.edges()), 6, [0, 1, 2], 0.04, 0.5, 7)
    # each node forwards to 6 fixed neighbours: nearly everyone is reached, once each
    assert r["deliveries"] >= 0.99 * 3 * 500
    assert r["events"] == r["deliveries"] + r["duplicates"]
