"""Simulation.churn's schedule: the same draws as the plain definition, on any pool."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip._churn import _UpNodes, churn_schedule


def model(pool, rate_per_s, mean_downtime_s, start_s, end_s, rng):
    # The definition: at each crash, list the nodes up and pick one uniformly.
    down_until = {v: -math.inf for v in pool}
    out, t = [], start_s
    while rate_per_s > 0:
        t += rng.exponential(1.0 / rate_per_s)
        if t >= end_s:
            break
        up = [v for v in pool if down_until[v] <= t]
        if not up:
            continue
        v = up[int(rng.integers(len(up)))]
        back = t + rng.exponential(mean_downtime_s)
        down_until[v] = back
        out.append((t, back, v))
    return out


@given(
    nodes=st.lists(st.integers(0, 500), min_size=0, max_size=40, unique=True),
    rate=st.sampled_from([0.0, 0.5, 3.0, 40.0]),
    downtime=st.sampled_from([0.0, 0.2, 2.0, 50.0]),
    span=st.floats(0, 10),
    seed=st.integers(0, 2**32),
)
def test_the_schedule_draws_as_the_definition_does(nodes, rate, downtime, span, seed):
    args = dict(rate_per_s=rate, mean_downtime_s=downtime, start_s=1.0, end_s=1.0 + span)
    got = churn_schedule(nodes, rng=np.random.default_rng(seed), **args)
    assert got == model(nodes, rng=np.random.default_rng(seed), **args)
    for t, back, v in got:
        assert 1.0 <= t < 1.0 + span and back >= t and v in nodes


@given(st.integers(1, 300), st.data())
def test_up_nodes_finds_the_kth_up_position(n, data):
    up, model_up = _UpNodes(n), [True] * n
    for position in data.draw(st.lists(st.integers(0, n - 1), max_size=60)):
        model_up[position] = not model_up[position]
        up.set(position, model_up[position])
        listed = [p for p in range(n) if model_up[p]]
        assert up.count == len(listed)
        assert [up.kth(k) for k in range(len(listed))] == listed


def test_a_node_listed_twice_is_one_node():
    got = churn_schedule(
        [3, 3, 3, 7],
        rate_per_s=50.0,
        mean_downtime_s=100.0,
        start_s=0.0,
        end_s=1.0,
        rng=np.random.default_rng(1),
    )
    assert sorted(v for _, _, v in got) == [3, 7]
