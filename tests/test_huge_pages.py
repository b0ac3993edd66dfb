"""The huge-page advice for large simulations: when it is given, and that following it works."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from p2pgossip import Simulation, _huge_pages


@pytest.fixture
def madvise_mode(tmp_path):
    path = tmp_path / "enabled"
    path.write_text("always [madvise] never\n")
    return path


def test_thp_mode_reads_the_bracketed_word(tmp_path, madvise_mode):
    assert _huge_pages.thp_mode(madvise_mode) == "madvise"
    (tmp_path / "never").write_text("always madvise [never]\n")
    assert _huge_pages.thp_mode(tmp_path / "never") == "never"
    assert _huge_pages.thp_mode(tmp_path / "absent") is None


@pytest.mark.parametrize(
    ("tunables", "on"),
    [
        ("", False),
        ("glibc.malloc.hugetlb=0", False),
        ("glibc.malloc.hugetlb=1", True),
        ("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", True),
        ("glibc.malloc.hugetlb=10", False),
        ("xglibc.malloc.hugetlb=1", False),
    ],
)
def test_the_tunable_is_found_among_others(tunables, on):
    assert _huge_pages.malloc_uses_huge_pages({"GLIBC_TUNABLES": tunables}) is on


def test_advice_only_for_large_runs_where_the_kernel_would_give_huge_pages(tmp_path, madvise_mode):
    big = _huge_pages.ADVISE_FROM_NODES
    assert "GLIBC_TUNABLES=glibc.malloc.hugetlb=1" in _huge_pages.advice(big, {}, madvise_mode)
    assert _huge_pages.advice(big - 1, {}, madvise_mode) is None
    on = {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"}
    assert _huge_pages.advice(big, on, madvise_mode) is None
    (tmp_path / "always").write_text("[always] madvise never\n")  # malloc gets them anyway
    assert _huge_pages.advice(big, {}, tmp_path / "always") is None


def test_a_large_simulation_logs_the_advice(monkeypatch, caplog, madvise_mode):
    monkeypatch.setattr(_huge_pages, "ADVISE_FROM_NODES", 4)
    monkeypatch.setattr(_huge_pages, "THP_MODE", madvise_mode)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    with caplog.at_level(logging.INFO, logger="p2pgossip"):
        Simulation([(0, 1), (1, 2)])
        assert not caplog.records  # 3 nodes: below the (patched) bound
        Simulation([(0, 1), (1, 2), (2, 3)])
    assert any("huge pages" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(
    _huge_pages.thp_mode() != "madvise", reason="the kernel's THP mode is not madvise"
)
def test_following_the_advice_gives_the_simulation_huge_pages():
    # What the advice says, done: a child started with the tunable holds huge pages once a
    # simulation has grown its heap (and none without it, in madvise mode).
    script = (
        "import random\n"
        "from p2pgossip import Simulation, Latency\n"
        "rng = random.Random(1)\n"
        "edges = [(i, rng.randrange(4000)) for i in range(4000) for _ in range(8)]\n"
        "sim = Simulation(edges, nodes=4000, latency=Latency.constant(20), topics=['t'])\n"
        "for i in range(50): sim.publish(i, 't', bytes([i]) * 512, at_s=1 + i / 100)\n"
        "sim.run(until_s=3)\n"
        "rollup = open('/proc/self/smaps_rollup').read().splitlines()\n"
        "print([int(l.split()[1]) for l in rollup if l.startswith('AnonHugePages:')][0])\n"
    )

    def huge_kib(tunables: str) -> int:
        env = {**os.environ, "GLIBC_TUNABLES": tunables}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        return int(out.stdout.strip().splitlines()[-1])

    assert huge_kib("glibc.malloc.hugetlb=1") >= 8 * 1024
    assert huge_kib("glibc.malloc.hugetlb=0") == 0
