"""The attack benchmark's rows and plot, on a size small enough for the suite."""

from __future__ import annotations

from dataclasses import replace

import pytest
from p2pgossip import evaluation

from benchmarks import attacks as bench

TINY = replace(evaluation.SMALL, honest=30, publishers=5, degree=6, rate=5.0, duration=60.0)


def test_each_attack_gives_a_row_per_mode_with_honest_figures() -> None:
    rows = bench.rows_for(TINY, ["eclipse_single", "censor_single"])
    assert [(r["attack"], r["mode"]) for r in rows] == [
        (a, m) for a in ("eclipse_single", "censor_single") for m in evaluation.MODES
    ]
    for r in rows:
        assert 0.0 < r["delivery"] <= 1.0 and 0.0 < r["delivery_last_min"] <= 1.0
        assert 0.0 < r["p50_ms"] <= r["p99_ms"]
        assert r["sybils"] == 4 * TINY.degree and r["honest"] == TINY.honest


def test_a_row_is_the_same_twice() -> None:
    a, b = (evaluation.run("cold_boot", "v1.1 on", TINY) for _ in range(2))
    assert a == b


def test_the_plot_is_written_as_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    rows = [
        {"attack": a, "mode": m, "honest": 100, "on_time": 0.9, "p99_ms": 50.0}
        for a in ("cold_boot", "eclipse_single")
        for m in evaluation.MODES
    ]
    out = tmp_path / "attacks.png"
    assert bench._save_plot(rows, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
