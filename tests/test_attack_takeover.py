"""Sybils that arrive once the honest meshes are built (the report's network-wide eclipse:
four per honest node, linked to up to 100 of them, a minute in). v1.0 took every GRAFT and
kept no PRUNE backoff, so they take its meshes; v1.1's takeover defence (a full mesh takes
GRAFTs only from outbound peers, and every sybil dialled in) keeps them out even with scoring
off. Measured 2026-12-05 at this size: on time 0.045 under v1.0, 1.0 under v1.1 off."""

from __future__ import annotations

from dataclasses import replace

from p2pgossip import evaluation

TINY = replace(evaluation.SMALL, honest=30, publishers=5, degree=6, rate=5.0, duration=120.0)


def test_late_sybils_eclipse_v1_0_and_not_v1_1_without_scoring() -> None:
    old = evaluation.run("eclipse_network", "v1.0", TINY)
    new = evaluation.run("eclipse_network", "v1.1 off", TINY)
    assert old["sybils"] == new["sybils"] == 4 * TINY.honest
    assert old["on_time"] <= 0.2  # gossip still delivers, a heartbeat per hop
    assert new["on_time"] >= 0.99 and new["delivery"] == 1.0
