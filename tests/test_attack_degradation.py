"""Network degradation as the report configures it (``1k-attack-degrade-0.5.json``: two
sybils per honest node, each linked to up to 100 of them, joining a minute in and forwarding
half of what they should): with the evaluation's scoring, honest delivery holds the row's
bound.

The attack does not bite at this size, with or without scoring (nor under v1.0): flood
publishing and the honest mesh peers carry every message on time (2026-12-05, 30 honest and
60 sybils: on time 1.00 in every mode). So this test holds the scored row; it cannot show
scoring is what defends, and the attack is not tuned to make it (docs/benchmarks.md,
attacks)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from p2pgossip import evaluation

# 30 honest of degree 6, and 60 sybils each linked to all 30 (attack_degree 100 > 30).
TINY = replace(evaluation.SMALL, honest=30, publishers=5, degree=6, rate=5.0, duration=130.0)


@pytest.mark.parametrize("mode", ["v1.1 on", "v1.1 off"])
def test_degradation_sybils_leave_honest_delivery_within_the_bound(mode: str) -> None:
    row = evaluation.run("degradation", mode, TINY)
    assert row["sybils"] == 2 * TINY.honest
    assert row["delivery"] >= 0.99
    assert row["on_time"] >= 0.95
    assert row["p50_ms"] <= 60
