"""Per-link latency (issue 11, the report's "5-25 ms per link with 10% jitter"): a link's
base is drawn once from the seed and the unordered pair of endpoints, each packet jitters
around it, and a simulation with it has one trace digest on any number of threads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from p2pgossip import Latency, Simulation, presets, topology

TOPIC = "t"
nodes = st.integers(0, 2**20)


@given(
    lo=st.floats(0.5, 50),
    width=st.floats(0, 50),
    jitter=st.floats(0, 0.5),
    u=nodes,
    v=nodes,
    seed=st.integers(0, 2**63),
)
def test_every_draw_lies_around_one_base_per_link(
    lo: float, width: float, jitter: float, u: int, v: int, seed: int
) -> None:
    hi = lo + width
    lat = Latency.per_link(Latency.uniform(lo, hi), jitter)
    there = lat.link_samples_ms(u, v, 200, seed)
    back = lat.link_samples_ms(v, u, 200, seed)
    floor_ms = lat.minimum_ns / 1e6
    ns = 2e-6  # the base and the draw are whole nanoseconds, each truncated
    for draws in (there, back):
        assert draws.min() >= floor_ms >= lo * (1 - jitter) - ns
        assert draws.max() <= hi * (1 + jitter) + ns
    # Both directions share one base: every draw is within base * (1 +- jitter).
    both = np.concatenate([there, back])
    base = both.max() / (1 + jitter)
    assert both.min() >= base * (1 - jitter) - ns
    assert both.max() - both.min() <= 2 * jitter * base + ns


def test_without_jitter_a_link_is_one_number_both_ways_and_links_differ() -> None:
    lat = Latency.per_link(Latency.uniform(5, 25), 0.0)
    bases = set()
    for u, v in [(0, 1), (1, 2), (0, 2), (7, 900), (3, 4)]:
        a, b = lat.link_samples_ms(u, v, 20, 11), lat.link_samples_ms(v, u, 20, 11)
        assert len(set(a) | set(b)) == 1
        bases.add(a[0])
    assert len(bases) == 5  # different links, different bases
    assert lat.link_samples_ms(0, 1, 1, 12)[0] != lat.link_samples_ms(0, 1, 1, 11)[0]


def test_jittered_draws_spread_over_the_band_not_the_range() -> None:
    lat = Latency.per_link(Latency.uniform(5, 25), 0.1)
    draws = lat.link_samples_ms(3, 9, 2000, 5)
    base = draws.mean()
    assert draws.max() - draws.min() <= 0.2 * base * 1.01
    assert draws.max() - draws.min() >= 0.15 * base  # the jitter is there
    assert lat.minimum_ns == int(5e6 * 0.9)
    assert lat.kind == "per_link(uniform)" and lat.jitter == pytest.approx(0.1)
    assert "per_link" in repr(lat)


def test_bad_per_link_models_are_refused() -> None:
    base = Latency.uniform(5, 25)
    for jitter in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="jitter"):
            Latency.per_link(base, jitter)
    with pytest.raises(ValueError, match="already"):
        Latency.per_link(Latency.per_link(base, 0.1), 0.1)
    with pytest.raises(ValueError, match="per_link"):
        base.link_samples_ms(0, 1, 3)


def run(threads: int, latency: Latency, seed: int = 3) -> tuple:
    g = topology.random_regular(6, 40, seed)
    sim = Simulation(g, seed=seed, config=presets.safe(), latency=latency, topics=[TOPIC],
                     threads=threads)  # fmt: skip
    for i in range(20):
        sim.publish(i % 40, TOPIC, b"m%d" % i * 20, at_s=1.0 + 0.05 * i)
    sim.run(until_s=4)
    return sim.trace_digest(), sim.deliveries()


def test_a_per_link_run_has_one_digest_on_any_number_of_threads() -> None:
    lat = Latency.per_link(Latency.uniform(5, 25), 0.1)
    digest, deliveries = run(1, lat)
    assert len(deliveries) == 20 * 40  # the publisher's own included
    sim = Simulation(topology.random_regular(4, 20, 1), latency=lat, threads=2)
    assert sim._core.lookahead_ns == 4_500_000  # 5 ms less the jitter
    for threads in (2, 3):
        other = run(threads, lat)
        assert other[0] == digest
        assert other[1].equals(deliveries)
    assert run(1, Latency.uniform(5, 25))[0] != digest  # the model is in the trace
