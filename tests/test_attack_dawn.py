"""Attack at dawn: the sybils are up and attacking before the honest nodes join, so they
are there as every honest node first builds its mesh. Without scoring they keep their
places; with the evaluation's scoring P3 prunes them once it activates (60 s), after which
the honest nodes receive the honest messages on the mesh again."""

from __future__ import annotations

from dataclasses import replace

import pytest
from p2pgossip import evaluation

# Four sybils per honest node, each linked to 6 of them: 24 sybil peers to 6 honest ones.
TINY = replace(
    evaluation.SMALL, honest=30, publishers=5, degree=6, rate=5.0, duration=120.0, sybil_ratio=16
)


@pytest.mark.parametrize("mode", ["v1.1 on", "v1.1 off"])
def test_scoring_recovers_on_time_delivery_after_a_dawn_attack(mode: str) -> None:
    row = evaluation.run("attack_at_dawn", mode, TINY)
    assert row["sybils"] == 4 * TINY.honest
    assert row["delivery_last_min"] >= 0.99  # gossip repairs what the mesh loses...
    if mode == "v1.1 on":
        assert row["on_time_last_min"] >= 0.99
    else:
        assert row["on_time_last_min"] <= 0.9  # ...a heartbeat late
