"""The simulator's calendar queue hands out events in time order whatever the latency scale:
within one bucket, across buckets, beyond the wheel's horizon, and at equal times."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from p2pgossip import Latency, Simulation, topology

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
