"""Simulator scaling: N nodes on a random 16-regular graph, 100 messages of 512 B.

`python -m benchmarks sim [--quick | --full]`: 1,000 and 10,000 nodes (`--quick`: 1,000
only; `--full`: 100,000 as well), each with the messages published 10 ms apart (spaced) and
at one instant (burst, a block and its attestations arriving together: the case that is hard
on caches), on one thread and on all cores (`threads`; the all-cores row's `speedup` is
against the one-thread row, and `same_digest` checks their traces agree), and floodsub
spaced on one thread below 100,000. Each row runs in its own subprocess, so its
peak memory is its own. Baseline, measured in the same run on the same graph at each size: a
bare discrete-event mesh-push loop in C++ (binary heap, per-node hash sets, no control
traffic, no bytes), the figure the simulator's wall time is compared with (`vs_bare`).

Written: results/sim.json (the table) and results/sim.png (log-log wall time and peak memory
per node against nodes; matplotlib, skipped when missing).
`--huge-pages` starts every child (the bare loop's too) with glibc's transparent-huge-page
tunable (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), as docs/memory.md advises for large runs;
without it the children run as a user's Python does by default. `--repeat N` runs the whole
set N times and reports each row's median (ratios taken within a repetition, with the spread
of run times and the largest peak). `--message-bytes B` publishes messages of B bytes instead
of 512: from 1,024 (GossipSub v1.2's IDONTWANT threshold) every first receipt also sends
IDONTWANTs, the workload of large blocks.
Targets (issue 12): at 10,000 nodes, spaced and burst, run time <= 1.7x the bare loop's and
peak memory <= 32 KiB per node; 100% delivered; all cores (2 here) >= 1.7x one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from p2pgossip._huge_pages import malloc_uses_huge_pages

from . import _report

DEGREE, MESSAGES, SIZE_B, MEDIAN_MS, SIGMA, SEED = 16, 100, 512, 40.0, 0.5, 1
PUBLISH_AT_S, PUBLISH_SPACING_S, RUN_UNTIL_S = 1.0, 0.01, 6.0
QUICK, DEFAULT, FULL = [1000], [1000, 10_000], [1000, 10_000, 100_000]
FLOODSUB_UP_TO = 10_000  # floodsub at 100,000 nodes would cost more than the rest together


def _default_config() -> Any:
    import p2pgossip as pg

    return pg.GossipConfig()


def _ethereum_config() -> Any:
    from p2pgossip import presets

    return presets.ethereum("blocks")


# The routers' configuration of a row (--preset): what most runs use, and what runs of
# Ethereum's network use (scoring on: P1-P4 and P7 with Lighthouse's parameters).
PRESETS = {"default": _default_config, "ethereum": _ethereum_config}


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _start_peak() -> int:
    """Resets the peak RSS to the current RSS (Linux clear_refs 5) and returns it, so that the
    peak the row reports is the simulation's, not the graph generator's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # not Linux, or not allowed: the peak then includes what came before
    return _rss_bytes()


def _peak_rss_bytes() -> int:
    """VmHWM: read with the same counters as _rss_bytes (getrusage's can lag them)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _edges(n: int):
    """The graph's edges as an (E, 2) array; the networkx graph itself is freed."""
    import numpy as np
    from p2pgossip import topology

    t = time.perf_counter()
    edges = np.array(list(topology.random_regular(DEGREE, n, SEED).edges()), dtype=np.int64)
    return edges, time.perf_counter() - t


def _publishers(n: int) -> list[int]:
    return [(i * 7919) % n for i in range(MESSAGES)]


def _memory(n: int, rss0: int) -> dict[str, Any]:
    return {
        "mem_per_node_kib": (_rss_bytes() - rss0) / n / 1024,  # at the end of the run
        "peak_kib_per_node": (_peak_rss_bytes() - rss0) / n / 1024,
        "peak_rss_mib": _peak_rss_bytes() / 2**20,
        "huge_pages": malloc_uses_huge_pages(),  # as this process was started
    }


def child_sim(
    n: int,
    strategy: str,
    burst: bool = False,
    threads: int = 1,
    size_b: int = SIZE_B,
    preset: str = "default",
) -> dict:
    """One row; `burst`: the messages are published at one instant instead of 10 ms apart;
    `preset`: the routers' configuration, "default" (GossipConfig(): no peer scoring) or
    "ethereum" (presets.ethereum: Ethereum's router parameters, scoring on)."""
    import numpy as np
    import p2pgossip as pg

    edges, graph_s = _edges(n)
    rss0 = _start_peak()
    t0 = time.perf_counter()
    config = PRESETS[preset]()
    config.strategy = strategy
    sim = pg.Simulation(
        edges,
        nodes=n,
        seed=SEED,
        config=config,
        latency=pg.Latency.lognormal(median_ms=MEDIAN_MS, sigma=SIGMA),
        threads=threads,
    )
    sim.subscribe(topic="blocks")
    for i, p in enumerate(_publishers(n)):
        data = i.to_bytes(4, "big") * (size_b // 4)  # distinct payloads: distinct ids
        at_s = PUBLISH_AT_S if burst else PUBLISH_AT_S + i * PUBLISH_SPACING_S
        sim.publish(p, "blocks", data, at_s=at_s)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    sim.run(until_s=RUN_UNTIL_S, progress=False)
    run_s = time.perf_counter() - t1
    memory = _memory(n, rss0)  # before the result tables add their own
    d = sim.deliveries()
    m = sim.metrics()
    lat = (d["t_deliver"] - d["t_publish"])[d["from_peer"] >= 0].to_numpy()
    unique = d.drop_duplicates(["msg_id", "node"])
    return {
        "nodes": n,
        "strategy": strategy,
        "publishing": "burst" if burst else "spaced",
        "message_bytes": size_b,
        "preset": preset,
        "threads": sim.threads,
        "graph_s": graph_s,
        "build_s": build_s,
        "run_s": run_s,
        "wall_s": build_s + run_s,
        "events": sim.events_processed,
        "events_per_s": sim.events_processed / run_s,
        "deliveries": len(d),
        "deliveries_per_s": len(d) / run_s,
        "delivered_fraction": len(unique) / (MESSAGES * n),
        "dup_per_delivery": float(m["duplicates"].sum()) / max(len(d), 1),
        "idontwant_sent": int(m["idontwant_sent"].sum()),
        "p50_ms": float(np.percentile(lat, 50)) * 1e3,
        "p99_ms": float(np.percentile(lat, 99)) * 1e3,
        "bytes_out_per_node": float(m["bytes_out"].mean()),
        **memory,
        "trace_digest": sim.trace_digest(),
    }


def child_baseline(n: int) -> dict:
    from p2pgossip import _core

    edges, graph_s = _edges(n)
    rss0 = _start_peak()
    t = time.perf_counter()
    r = _core.sim.mesh_push_baseline(n, edges, 6, _publishers(n), MEDIAN_MS / 1e3, SIGMA, SEED)
    run_s = time.perf_counter() - t
    return {
        "nodes": n,
        "strategy": "baseline mesh-push",
        "publishing": "burst",  # every message at time 0
        "graph_s": graph_s,
        "run_s": run_s,
        "wall_s": run_s,
        "events": r["events"],
        "events_per_s": r["events"] / run_s,
        "deliveries": r["deliveries"],
        "deliveries_per_s": r["deliveries"] / run_s,
        "delivered_fraction": r["deliveries"] / (MESSAGES * n),
        "dup_per_delivery": r["duplicates"] / max(r["deliveries"], 1),
        "p50_ms": r["latency_p50_s"] * 1e3,
        "p99_ms": r["latency_p99_s"] * 1e3,
        **_memory(n, rss0),
    }


HUGE_PAGES_ENV = {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"}


def _run_child(*args: str, huge_pages: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "sim", "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **HUGE_PAGES_ENV} if huge_pages else None,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def rows_for(
    n: int,
    huge_pages: bool = False,
    repeat: int = 1,
    size_b: int = SIZE_B,
    preset: str = "default",
) -> list[dict[str, Any]]:
    """The bare loop, then the simulator's rows at `n` nodes, each against the bare loop and
    each all-cores row against its one-thread row. With `repeat` > 1 the whole set runs that
    many times, each ratio taken within one repetition (runs minutes apart see different
    machines: a shared host's load moves a run by 10%), and each row is the median."""
    cores = str(os.cpu_count() or 1)
    size = ("--message-bytes", str(size_b), "--preset", preset)
    runs = [
        (str(n), "gossipsub", *size, "--threads", "1"),
        (str(n), "gossipsub", *size, "--threads", cores),
        (str(n), "gossipsub", *size, "--burst", "--threads", "1"),
        (str(n), "gossipsub", *size, "--burst", "--threads", cores),
    ]
    if n <= FLOODSUB_UP_TO:
        runs.append((str(n), "floodsub", *size, "--threads", "1"))
    repetitions = []
    for _ in range(repeat):
        bare = _run_child(str(n), "baseline", huge_pages=huge_pages)
        rows = [bare]
        one_thread: dict[tuple[str, str], dict[str, Any]] = {}
        for args in runs:
            row = _run_child(*args, huge_pages=huge_pages)
            row["vs_bare"] = row["run_s"] / bare["run_s"]
            workload = (row["strategy"], row["publishing"])
            if args[-1] == "1":
                one_thread[workload] = row
            else:
                row["speedup"] = one_thread[workload]["run_s"] / row["run_s"]
                row["same_digest"] = one_thread[workload]["trace_digest"] == row["trace_digest"]
            rows.append(row)
            print(f"  done: {' '.join(args)}", file=sys.stderr)
        repetitions.append(rows)
    return [median_row(list(same)) for same in zip(*repetitions, strict=True)]


def median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row from its repetitions: the median run, its ratios the medians of theirs, with
    the spread of run times, the largest peak, and whether every run had the same trace."""
    if len(runs) == 1:
        return runs[0]
    ordered = sorted(runs, key=lambda r: r["run_s"])
    row = dict(ordered[len(ordered) // 2])
    row["repeats"] = len(runs)
    row["run_s_min"], row["run_s_max"] = ordered[0]["run_s"], ordered[-1]["run_s"]
    for ratio in ("vs_bare", "speedup"):
        if ratio in row:
            row[ratio] = statistics.median(r[ratio] for r in runs)
    row["peak_kib_per_node"] = max(r["peak_kib_per_node"] for r in runs)
    if "trace_digest" in row:
        row["same_digest"] = all(
            r.get("same_digest", True) and r["trace_digest"] == row["trace_digest"] for r in runs
        )
    return row


def plot(rows: list[dict[str, Any]], path, size_b: int = SIZE_B) -> bool:
    """Log-log wall time and peak memory per node against nodes; False without matplotlib."""
    plt = _report.pyplot()
    if plt is None:
        return False
    series: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        name = r["strategy"] if r["strategy"].startswith("baseline") else None
        threads = f", {r['threads']} thr" if "threads" in r else ""
        series.setdefault(name or f"{r['strategy']} {r['publishing']}{threads}", []).append(r)
    fig, (wall, mem) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, rs in series.items():
        rs = sorted(rs, key=lambda r: r["nodes"])
        nodes = [r["nodes"] for r in rs]
        wall.plot(nodes, [r["run_s"] for r in rs], marker="o", label=name)
        mem.plot(nodes, [r["peak_kib_per_node"] for r in rs], marker="o", label=name)
    wall.set(xscale="log", yscale="log", xlabel="nodes", ylabel="run time (s)")
    mem.set(xscale="log", yscale="log", xlabel="nodes", ylabel="peak memory per node (KiB)")
    mem.axhline(32, color="grey", linestyle=":", label="target 32 KiB")
    for ax in (wall, mem):
        ax.grid(True, which="both", alpha=0.3)
    mem.legend(fontsize="small")
    fig.suptitle(f"{MESSAGES} msgs x {size_b} B, random {DEGREE}-regular, to {RUN_UNTIL_S:g} s")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks sim")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="1,000 nodes only")
    size.add_argument("--full", action="store_true", help="100,000 nodes as well (long)")
    ap.add_argument(
        "--huge-pages",
        action="store_true",
        help="run every child with glibc's huge-page tunable (GLIBC_TUNABLES)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run the whole set N times; each row the median, ratios within a repetition",
    )
    ap.add_argument(
        "--message-bytes",
        type=int,
        default=SIZE_B,
        metavar="B",
        help="message size (default 512; 1,024 and up: IDONTWANT on every first receipt)",
    )
    ap.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="default",
        help="the routers' configuration: default (GossipConfig(), no scoring) or ethereum "
        "(presets.ethereum('blocks'): Ethereum's parameters, peer scoring on)",
    )
    ap.add_argument("--child", nargs=2, metavar=("NODES", "STRATEGY"), help=argparse.SUPPRESS)
    ap.add_argument("--burst", action="store_true", help=argparse.SUPPRESS)  # with --child
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)  # with --child
    args = ap.parse_args(argv)
    if args.message_bytes < 4:
        ap.error("--message-bytes needs at least 4 (each payload starts with its number)")
    if args.child:
        n, strategy = int(args.child[0]), args.child[1]
        if strategy == "baseline":
            row = child_baseline(n)
        else:
            row = child_sim(n, strategy, args.burst, args.threads, args.message_bytes, args.preset)
        print(json.dumps(row))
        return
    sizes = QUICK if args.quick else FULL if args.full else DEFAULT
    if args.repeat < 1:
        ap.error("--repeat needs at least 1")
    rows = [
        row
        for n in sizes
        for row in rows_for(n, args.huge_pages, args.repeat, args.message_bytes, args.preset)
    ]
    png = _report.RESULTS_DIR / "sim.png"
    _report.RESULTS_DIR.mkdir(exist_ok=True)
    plotted = plot(rows, png, args.message_bytes)
    _report.write(
        "sim",
        rows,
        {
            "setup": {
                "degree": DEGREE,
                "messages": MESSAGES,
                "message_bytes": args.message_bytes,
                "preset": args.preset,
                "latency": f"lognormal(median_ms={MEDIAN_MS}, sigma={SIGMA})",
                "run_until_s": RUN_UNTIL_S,
                "huge_pages": args.huge_pages,
                "repeat": args.repeat,
            },
            "targets": {
                "vs_bare_10k": 1.7,
                "peak_kib_per_node": 32.0,
                "delivered_fraction": 1.0,
                "speedup_all_cores": 1.7,
            },
            "plot": str(png) if plotted else None,
        },
    )
    print(f"wrote {png}" if plotted else "no plot: matplotlib is not installed")
