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
        # The configs' multiples: 1,000 sybils on one target, 2,000 censors, per 1,000 honest.
        per_honest = {"eclipse_single": 1, "censor_single": 2}[r["attack"]]
        assert r["sybils"] == per_honest * TINY.honest and r["honest"] == TINY.honest


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


def test_covert_flash_runs_the_reports_five_minutes_turning_at_two_at_any_scale() -> None:
    for scale in (TINY, evaluation.SMALL, evaluation.FULL):
        plan = evaluation.ATTACKS["covert_flash"](scale)
        assert plan.publishing(scale) == 300.0 and plan.attack_at == 120.0
        assert plan.role.start == evaluation.JOIN_S + 120.0
    cold = evaluation.ATTACKS["cold_boot"](TINY)
    assert cold.publishing(TINY) == TINY.duration


def test_the_sybil_ratio_sets_the_network_wide_eclipses_size(monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(bench, "rows_for", lambda scale, attacks: seen.append(scale) or [])
    monkeypatch.setattr(bench, "_save_plot", lambda rows, path: False)
    monkeypatch.setattr(bench._report, "write", lambda *a, **k: None)
    bench.main(["--sybil-ratio", "10", "--only", "eclipse_network"])
    assert seen[0].sybil_ratio == 10 and seen[0].honest == evaluation.SMALL.honest
    assert evaluation.ATTACKS["eclipse_network"](seen[0]).sybils == 1000
    with pytest.raises(SystemExit):
        bench.main(["--sybil-ratio", "0"])


def test_the_socket_scale_keeps_the_issues_50_plus_50_and_its_connections() -> None:
    s = evaluation.SOCKETS
    dawn = evaluation.ATTACKS["attack_at_dawn"](s)
    assert (s.honest, dawn.sybils) == (50, 50)  # a quarter of the report's 4x
    g, _ = evaluation.graph(dawn, s)
    assert g.number_of_edges() <= 450  # each a TCP + Noise handshake in one process


def test_a_run_that_would_not_fit_in_memory_is_refused_before_it_starts(monkeypatch) -> None:
    need = evaluation.memory_estimate("eclipse_network", "v1.1 on", evaluation.FULL)
    assert need > 10 * evaluation.memory_estimate("eclipse_network", "v1.1 on", evaluation.MEDIUM)
    monkeypatch.setattr(evaluation, "_memory_available", lambda: need // 2)
    built = []
    monkeypatch.setattr(evaluation, "scenario", lambda *a: built.append(a))
    with pytest.raises(MemoryError, match="MEDIUM"):
        evaluation.run("eclipse_network", "v1.1 on", evaluation.FULL)
    assert not built
