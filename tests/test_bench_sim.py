"""The simulator benchmark's rows and plot, on a size small enough for the suite."""

from __future__ import annotations

import pytest

from benchmarks import sim as bench

N = 100  # random 16-regular on 100 nodes: a second a row


@pytest.mark.parametrize("burst", [False, True])
def test_a_row_reports_delivery_memory_and_its_digest(burst: bool) -> None:
    # In a process of its own, as the benchmark runs it: its peak memory is the row's.
    row = bench._run_child(str(N), "gossipsub", *(["--burst"] if burst else []))
    assert row["publishing"] == ("burst" if burst else "spaced")
    assert row["delivered_fraction"] == 1.0
    assert row["events"] > bench.MESSAGES * N  # at least one arrival per delivery
    assert row["peak_kib_per_node"] > 0
    assert row["peak_rss_mib"] * 1024 >= row["peak_kib_per_node"] * N
    assert len(row["trace_digest"]) == 32


def test_the_same_row_twice_has_the_same_digest() -> None:
    a, b = (bench.child_sim(N, "gossipsub", True) for _ in range(2))
    assert a["trace_digest"] == b["trace_digest"]
    assert a["events"] == b["events"]


def test_a_row_of_large_messages_sends_idontwants_and_keeps_its_trace_on_two_threads() -> None:
    rows = [
        bench._run_child(str(N), "gossipsub", "--message-bytes", "4096", "--threads", t)
        for t in ("1", "2")
    ]
    assert [r["message_bytes"] for r in rows] == [4096, 4096]
    assert rows[0]["delivered_fraction"] == 1.0
    assert rows[0]["trace_digest"] == rows[1]["trace_digest"]
    assert rows[0]["idontwant_sent"] > bench.MESSAGES * N  # about one a mesh peer a receipt
    assert bench._run_child(str(N), "gossipsub")["idontwant_sent"] == 0  # 512 B: under 1 KiB


def test_a_row_on_two_threads_has_the_one_thread_rows_digest() -> None:
    one = bench._run_child(str(N), "gossipsub", "--burst", "--threads", "1")
    two = bench._run_child(str(N), "gossipsub", "--burst", "--threads", "2")
    assert (one["threads"], two["threads"]) == (1, 2)
    assert one["trace_digest"] == two["trace_digest"]
    assert one["events"] == two["events"] and one["deliveries"] == two["deliveries"]


def test_a_huge_pages_row_says_so_and_keeps_the_trace() -> None:
    # --huge-pages starts the child with glibc's tunable: the same simulation, so the same
    # digest; the row says how it ran.
    plain = bench._run_child(str(N), "gossipsub")
    huge = bench._run_child(str(N), "gossipsub", huge_pages=True)
    assert (plain["huge_pages"], huge["huge_pages"]) == (False, True)
    assert plain["trace_digest"] == huge["trace_digest"]


def test_the_bare_loop_row_delivers_everything() -> None:
    row = bench.child_baseline(N)
    assert row["delivered_fraction"] == 1.0
    assert row["events"] >= row["deliveries"]


def test_the_plot_is_written_as_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    workloads = [("baseline mesh-push", "burst"), ("gossipsub", "spaced"), ("gossipsub", "burst")]
    rows = [
        {
            "nodes": n,
            "strategy": s,
            "publishing": p,
            "threads": t,
            "run_s": n / 1e3 / t,
            "peak_kib_per_node": 40.0,
        }
        for n in (1000, 10_000)
        for s, p in workloads
        for t in (1, 2)
    ]
    out = tmp_path / "sim.png"
    assert bench.plot(rows, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_repeated_rows_report_the_median_run_and_ratios_taken_within_each_repetition() -> None:
    # Ratios come from each repetition (its runs minutes apart from the others'), so the
    # row's speedup is the median of theirs, not a ratio of two medians of other runs.
    runs = [
        {
            "run_s": 4.0,
            "vs_bare": 1.9,
            "speedup": 1.5,
            "peak_kib_per_node": 32.0,
            "trace_digest": "a",
        },
        {
            "run_s": 3.0,
            "vs_bare": 1.6,
            "speedup": 1.8,
            "peak_kib_per_node": 33.0,
            "trace_digest": "a",
        },
        {
            "run_s": 3.5,
            "vs_bare": 1.7,
            "speedup": 1.9,
            "peak_kib_per_node": 31.0,
            "trace_digest": "a",
        },
    ]
    row = bench.median_row(runs)
    assert row["run_s"] == 3.5 and (row["run_s_min"], row["run_s_max"]) == (3.0, 4.0)
    assert (row["vs_bare"], row["speedup"]) == (1.7, 1.8)
    assert row["peak_kib_per_node"] == 33.0  # the largest: a bound holds for every run
    assert row["repeats"] == 3 and row["same_digest"]
    runs[0]["trace_digest"] = "b"
    assert not bench.median_row(runs)["same_digest"]
    assert bench.median_row(runs[:1]) is runs[0]


def test_a_row_with_the_ethereum_preset_keeps_its_trace_on_two_threads() -> None:
    rows = [
        bench._run_child(str(N), "gossipsub", "--preset", "ethereum", "--burst", "--threads", t)
        for t in ("1", "2")
    ]
    assert [r["preset"] for r in rows] == ["ethereum", "ethereum"]
    assert rows[0]["delivered_fraction"] == 1.0
    assert rows[0]["trace_digest"] == rows[1]["trace_digest"]
    default = bench._run_child(str(N), "gossipsub", "--burst")
    assert default["preset"] == "default" and default["trace_digest"] != rows[0]["trace_digest"]
