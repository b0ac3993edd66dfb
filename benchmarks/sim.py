"""Simulator throughput: N nodes on a random 16-regular graph, 100 messages of 512 B.

`python -m benchmarks sim [--quick]`. Each (size, strategy) runs in its own subprocess so
peak RSS is its own. Baseline, measured in the same run on the same graph: a bare
discrete-event mesh-push loop in C++ (binary heap, per-node hash sets, no control traffic,
no bytes), which is what the simulator's event rate should be compared with.
Targets: 10,000 nodes x 100 messages in <= 10 s of wall time, < 100 KiB per node, 100%
delivered.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from . import _report

DEGREE, MESSAGES, SIZE_B, MEDIAN_MS, SIGMA, SEED = 16, 100, 512, 40.0, 0.5, 1
PUBLISH_AT_S, PUBLISH_SPACING_S, RUN_UNTIL_S = 1.0, 0.01, 6.0


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _graph(n: int):
    from p2pgossip import topology

    t = time.perf_counter()
    g = topology.random_regular(DEGREE, n, SEED)
    return g, time.perf_counter() - t


def _publishers(n: int) -> list[int]:
    return [(i * 7919) % n for i in range(MESSAGES)]


def child_sim(n: int, strategy: str, burst: bool = False) -> dict:
    """One row; `burst`: the messages are published at one instant instead of 10 ms apart."""
    import numpy as np
    import p2pgossip as pg

    g, graph_s = _graph(n)
    rss0 = _rss_bytes()
    t0 = time.perf_counter()
    config = pg.GossipConfig()
    config.strategy = strategy
    sim = pg.Simulation(
        g, seed=SEED, config=config, latency=pg.Latency.lognormal(median_ms=MEDIAN_MS, sigma=SIGMA)
    )
    sim.subscribe(topic="blocks")
    for i, p in enumerate(_publishers(n)):
        data = i.to_bytes(4, "big") * (SIZE_B // 4)  # distinct payloads: distinct ids
        at_s = PUBLISH_AT_S if burst else PUBLISH_AT_S + i * PUBLISH_SPACING_S
        sim.publish(p, "blocks", data, at_s=at_s)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    sim.run(until_s=RUN_UNTIL_S, progress=False)
    run_s = time.perf_counter() - t1
    rss1 = _rss_bytes()
    d = sim.deliveries()
    m = sim.metrics()
    lat = (d["t_deliver"] - d["t_publish"])[d["from_peer"] >= 0].to_numpy()
    unique = d.drop_duplicates(["msg_id", "node"])
    return {
        "nodes": n,
        "strategy": strategy,
        "publishing": "burst" if burst else "spaced",
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
        "p50_ms": float(np.percentile(lat, 50)) * 1e3,
        "p99_ms": float(np.percentile(lat, 99)) * 1e3,
        "bytes_out_per_node": float(m["bytes_out"].mean()),
        "mem_per_node_kib": (rss1 - rss0) / n / 1024,
        "peak_rss_mib": _peak_rss_bytes() / 2**20,
        "trace_digest": sim.trace_digest(),
    }


def child_baseline(n: int) -> dict:
    from p2pgossip import _core

    g, graph_s = _graph(n)
    edges = list(g.edges())
    rss0 = _rss_bytes()
    t = time.perf_counter()
    r = _core.sim.mesh_push_baseline(n, edges, 6, _publishers(n), MEDIAN_MS / 1e3, SIGMA, SEED)
    run_s = time.perf_counter() - t
    return {
        "nodes": n,
        "strategy": "baseline mesh-push",
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
        "mem_per_node_kib": (_rss_bytes() - rss0) / n / 1024,
        "peak_rss_mib": _peak_rss_bytes() / 2**20,
    }


def _run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "sim", "--child", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks sim")
    ap.add_argument("--quick", action="store_true", help="1,000 nodes only")
    ap.add_argument("--child", nargs=2, metavar=("NODES", "STRATEGY"), help=argparse.SUPPRESS)
    ap.add_argument("--burst", action="store_true", help=argparse.SUPPRESS)  # with --child
    args = ap.parse_args(argv)
    if args.child:
        n, strategy = int(args.child[0]), args.child[1]
        row = child_baseline(n) if strategy == "baseline" else child_sim(n, strategy, args.burst)
        print(json.dumps(row))
        return
    sizes = [1000] if args.quick else [1000, 10_000]
    rows = []
    for n in sizes:
        for strategy in ("baseline", "gossipsub", "floodsub"):
            rows.append(_run_child(str(n), strategy))
            print(f"  done: {n} nodes, {strategy}", file=sys.stderr)
        # A block and its attestations arrive together: the case that is hard on caches.
        rows.append(_run_child(str(n), "gossipsub", "--burst"))
        print(f"  done: {n} nodes, gossipsub burst", file=sys.stderr)
    _report.write(
        "sim",
        rows,
        {
            "setup": {
                "degree": DEGREE,
                "messages": MESSAGES,
                "message_bytes": SIZE_B,
                "latency": f"lognormal(median_ms={MEDIAN_MS}, sigma={SIGMA})",
                "run_until_s": RUN_UNTIL_S,
            },
            "targets": {"wall_s_10k": 10.0, "mem_per_node_kib": 100.0, "delivered_fraction": 1.0},
        },
    )
