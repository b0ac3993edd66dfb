"""Kademlia lookups in the simulator (issue 14): `Simulation.dht_lookups` at 1k and 10k nodes
(100k with --full), log-normal 40 ms links, with and without unreachable peers.

`python -m benchmarks dht [--lookups N] [--full]`

Reports per row the network build (joins, each a self-lookup) and the lookups' wall time and
peak RSS of a child process of its own, then the lookups' hops (mean, max), latency (median,
p95, virtual seconds) and success rate. The protocol figures are deterministic under the
seed; the wall times are the machine's, so say its load with them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from . import _report


def _row(nodes: int, unreachable: float, lookups: int) -> dict:
    import p2pgossip as pg

    sim = pg.Simulation([], nodes=nodes, latency=pg.Latency.lognormal(40, 0.5), seed=1)
    t0 = time.perf_counter()
    sim.dht_lookups(0, unreachable=unreachable)  # builds the network
    t1 = time.perf_counter()
    df = sim.dht_lookups(lookups, unreachable=unreachable)
    t2 = time.perf_counter()
    return {
        "nodes": nodes,
        "unreachable": unreachable,
        "lookups": lookups,
        "build_s": round(t1 - t0, 2),
        "lookups_s": round(t2 - t1, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "hops_mean": round(float(df.hops.mean()), 2),
        "hops_max": int(df.hops.max()),
        "latency_p50_s": round(float(df.latency.median()), 3),
        "latency_p95_s": round(float(df.latency.quantile(0.95)), 3),
        "success_pct": round(100 * float(df.success.mean()), 1),
        "timeouts_mean": round(float(df.timeouts.mean()), 2),
    }


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks dht")
    p.add_argument("--lookups", type=int, default=1000)
    p.add_argument("--full", action="store_true", help="add 100k nodes")
    p.add_argument("--child", nargs=2, metavar=("NODES", "UNREACHABLE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        row = _row(int(args.child[0]), float(args.child[1]), args.lookups)
        print(json.dumps(row))
        return
    sizes = [1000, 10_000] + ([100_000] if args.full else [])
    rows = []
    for n in sizes:
        for unreachable in (0.0, 0.2):
            cmd = [sys.executable, "-m", "benchmarks", "dht", "--lookups", str(args.lookups)]
            out = subprocess.run(
                [*cmd, "--child", str(n), str(unreachable)],
                check=True,
                capture_output=True,
                text=True,
                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            )
            rows.append(json.loads(out.stdout.splitlines()[-1]))
    _report.write("dht", rows, {"load": os.getloadavg()})
