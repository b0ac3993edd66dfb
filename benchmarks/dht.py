"""Kademlia lookups (issue 14): `Simulation.dht_lookups` at 100, 1k and 10k nodes (100k with
--full), log-normal 40 ms links, with and without unreachable peers; and real nodes on
loopback (`Node(discovery=["dht"])`, 200 by default), all bootstrapped from one node.

`python -m benchmarks dht [--lookups N] [--full] [--real N]`

Reports per simulated row the network build (joins, each a self-lookup) and the lookups'
wall time and peak RSS of a child process of its own, then the lookups' hops (mean, max)
beside log2(n), latency (median, p95, virtual seconds) and success rate. The real row: how
long until every node had target_outbound peers found through the DHT, then one lookup of a
random key from every node at once (hops, wall latency, success). Simulated figures are
deterministic under the seed; wall times are the machine's, so say its load with them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
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
        "log2_n": round(math.log2(nodes), 2),
        "hops_mean": round(float(df.hops.mean()), 2),
        "hops_max": int(df.hops.max()),
        "latency_p50_s": round(float(df.latency.median()), 3),
        "latency_p95_s": round(float(df.latency.quantile(0.95)), 3),
        "success_pct": round(100 * float(df.success.mean()), 1),
        "timeouts_mean": round(float(df.timeouts.mean()), 2),
    }


def dht_network(nodes: int):
    """`nodes` DHT nodes on loopback that know only the first (their bootstrap peer) and
    meet the rest through the DHT alone."""
    import p2pgossip as pg

    return pg.LocalNetwork(
        nodes,
        topology="none",
        discovery=["dht"],
        bootstrap=0,
        target_outbound=pg.PeerConfig().target_outbound,
    )


async def _real(nodes: int) -> dict:
    import p2pgossip as pg

    async with dht_network(nodes) as local:
        net = local.nodes
        target = pg.PeerConfig().target_outbound
        t0 = time.perf_counter()
        while min(len(x.peers()) for x in net) < target and time.perf_counter() - t0 < 300:
            await asyncio.sleep(0.2)
        t1 = time.perf_counter()

        async def timed(node: pg.Node) -> tuple[float, pg.dht.DhtLookup]:
            start = time.perf_counter()
            found = await node.dht.find_node(pg.Identity.generate().peer_id)
            return time.perf_counter() - start, found

        results = await asyncio.gather(*(timed(x) for x in net))
        took = sorted(r[0] for r in results)
        return {
            "nodes": nodes,
            "real": True,
            "log2_n": round(math.log2(nodes), 2),
            "at_target_s": round(t1 - t0, 1),
            "min_peers": min(len(x.peers()) for x in net),
            "hops_mean": round(sum(r[1].hops for r in results) / nodes, 2),
            "hops_max": max(r[1].hops for r in results),
            "latency_p50_s": round(took[nodes // 2], 3),
            "latency_p95_s": round(took[int(nodes * 0.95)], 3),
            "success_pct": round(100 * sum(1 for r in results if r[1].peers) / nodes, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }


def _child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "dht", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    return json.loads(out.stdout.splitlines()[-1])


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks dht")
    p.add_argument("--lookups", type=int, default=1000)
    p.add_argument("--full", action="store_true", help="add 100k nodes")
    p.add_argument("--real", type=int, default=200, help="real nodes (0: none)")
    p.add_argument("--child", nargs=2, metavar=("NODES", "UNREACHABLE"), help=argparse.SUPPRESS)
    p.add_argument("--child-real", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        row = _row(int(args.child[0]), float(args.child[1]), args.lookups)
        print(json.dumps(row))
        return
    if args.child_real:
        print(json.dumps(asyncio.run(_real(args.child_real))))
        return
    sizes = [100, 1000, 10_000] + ([100_000] if args.full else [])
    rows = []
    for n in sizes:
        for unreachable in (0.0, 0.2):
            lookups = ["--lookups", str(args.lookups)]
            rows.append(_child([*lookups, "--child", str(n), str(unreachable)]))
    if args.real:
        rows.append(_child(["--child-real", str(args.real)]))
    _report.write("dht", rows, {"load": os.getloadavg()})
