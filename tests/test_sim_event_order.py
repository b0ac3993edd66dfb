"""The simulator's calendar queue hands out events in time order whatever the latency scale:
within one bucket, across buckets, beyond the wheel's horizon, and at equal times."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip import Latency, Simulation, _core, topology

TOPIC = "t"
# 0 ms: every hop lands in the current bucket; 0.05 ms: a bucket or so; 700 and 2,500 ms:
# beyond the wheel's horizon of about 537 ms; log-normal: the benchmark's spread.
LATENCIES = [
    Latency.constant(0),
    Latency.constant(0.05),
    Latency.constant(700),
    Latency.constant(2500),
    Latency.lognormal(median_ms=40, sigma=0.5),
]


@settings(max_examples=10, deadline=None)
@given(latency=st.sampled_from(LATENCIES), seed=st.integers(0, 2**32))
def test_deliveries_are_logged_in_time_order_and_complete(latency, seed):
    n = 60
    sim = Simulation(
        topology.random_regular(6, n, seed % 1000), seed=seed, latency=latency, topics=[TOPIC]
    )
    # Published once the meshes have formed, even over 2.5 s links.
    for i in range(8):
        sim.publish((i * 7) % n, TOPIC, f"m{i}".encode() * 8, at_s=20.0 + 0.003 * i)
    sim.run(until_s=80)
    d = sim.deliveries()
    # The log is appended as events are processed, so its times are the pop order.
    assert np.all(np.diff(d["t_deliver"].to_numpy()) >= 0)
    assert len(d.drop_duplicates(["msg_id", "node"])) == 8 * n


@pytest.mark.parametrize("ms", [0, 0.05, 700])
def test_constant_latency_delivery_time_is_hops_times_latency(ms):
    sim = Simulation(topology.random_regular(4, 40, 1), seed=3, latency=Latency.constant(ms))
    sim.subscribe(topic=TOPIC)
    sim.publish(0, TOPIC, b"x" * 64, at_s=20.0)
    sim.run(until_s=60)
    d = sim.deliveries()
    d = d[d["hops"] >= 0]
    assert np.allclose(d["t_deliver"] - d["t_publish"], d["hops"] * ms / 1e3, atol=1e-9)


# Gaps between pushes at every scale the queue distinguishes: within one near bucket (65.5
# us), across near buckets, across far buckets (4.2 ms), beyond the horizon (1.07 s), and
# back in time (pushes earlier than what was popped last, which pop next).
gaps_ns = st.one_of(
    st.integers(0, 3),
    st.integers(0, 70_000),
    st.integers(0, 10_000_000),
    st.integers(0, 3_000_000_000),
    st.integers(-10_000_000, 0),
)


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, 10**12),
    # mostly pushes, so several events of different scales wait together
    steps=st.lists(
        st.tuples(gaps_ns, st.sampled_from([0, 0, 0, 1, 2, 5])), min_size=1, max_size=200
    ),
)
def test_event_queue_pops_in_time_then_insertion_order(start, steps):
    check_against_heap(start, steps)


@settings(max_examples=20, deadline=None)
@given(
    start=st.integers(0, 10**12),
    # thousands of events within a few buckets: buckets span many chunks of 256 events
    steps=st.lists(
        st.tuples(st.integers(0, 9_000_000), st.sampled_from([0, 0, 0, 0, 1, 3])),
        min_size=600,
        max_size=3000,
    ),
)
def test_event_queue_order_holds_through_full_buckets(start, steps):
    check_against_heap(start, steps)


def check_against_heap(start: int, steps: list[tuple[int, int]]) -> None:
    # Each push lands `gap` after the latest event popped so far (or `start`), as the
    # simulator schedules from now; the model is a heap keyed by (time, insertion number).
    now, model, expected, fed = start, [], [], []
    for seq, (gap, pops) in enumerate(steps):
        time = max(0, now + gap)
        fed.append((time, pops))
        heapq.heappush(model, (time, seq))
        for _ in range(min(pops, len(model))):
            expected.append(heapq.heappop(model))
            now = expected[-1][0]
    expected += [heapq.heappop(model) for _ in range(len(model))]
    assert _core.sim._event_queue_order(fed) == expected
